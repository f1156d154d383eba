"""The v10 remote-config model: required keys, extras kept, wrong types listed by JSON path."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex_core import ModelSpec, RemoteConfig, RemoteConfigValidationError
from pipelex_core.spec_build import KNOWN_KEYS


def test_sample_loads_with_defaults_merged(sample_payload: dict[str, Any]) -> None:
    config = RemoteConfig.from_payload(sample_payload)
    specs = config.backend_model_specs
    assert len(specs) == 68
    assert "defaults" not in specs
    assert "gpt-image-1.rules" not in specs
    assert config.rules["gpt-image-1.rules"]["sizes"][0] == "1024x1024"
    claude = specs["claude-4.5-sonnet"]
    assert isinstance(claude, ModelSpec)
    assert claude.model_type == "llm"
    assert claude.sdk  # from the spec or the defaults
    ocr = specs["mistral-ocr"]
    assert ocr.model_type == "text_extractor"
    assert ocr.costs == {"per_page": 0.001}
    assert ocr.structure_method == "instructor/openai_tools"  # inherited from defaults
    assert config.posthog.endpoint == "https://telemetry.invalid"
    assert config.aws_region == "us-east-1"


def test_read_only_mappings(sample_payload: dict[str, Any]) -> None:
    config = RemoteConfig.from_payload(sample_payload)
    assert not hasattr(config.backend_model_specs, "__setitem__")
    with pytest.raises(TypeError):
        config.backend_model_specs["x"] = config.backend_model_specs["gpt-4o"]  # type: ignore[index]
    with pytest.raises(TypeError):
        config.backend_model_specs["gpt-4o"].costs["input"] = 0  # type: ignore[index]


def test_unknown_keys_are_kept(sample_payload: dict[str, Any]) -> None:
    sample_payload["feature_flags"] = {"beta": True}
    sample_payload["posthog"]["batch_size"] = 10
    sample_payload["backend_model_specs"]["gpt-4o"]["vendor_note"] = "kept"
    config = RemoteConfig.from_payload(sample_payload)
    assert config.extras == {"feature_flags": {"beta": True}}
    assert config.posthog.extras == {"batch_size": 10}
    assert config.backend_model_specs["gpt-4o"].extras == {"vendor_note": "kept"}
    assert config.backend_model_specs["gpt-4o-mini"].extras == {}
    assert config.backend_model_specs["claude-4.5-sonnet"].extras["max_prompt_images"] == 100


def test_every_problem_is_listed_by_json_path(sample_payload: dict[str, Any]) -> None:
    del sample_payload["aws_region"]
    sample_payload["posthog"]["is_geoip_enabled"] = "no"
    specs = sample_payload["backend_model_specs"]
    specs["gpt-4o"]["inputs"] = "text"
    specs["gpt-4o"]["costs"]["input"] = "cheap"
    specs["gpt-4o-mini"]["max_tokens"] = 1.5
    specs["broken"] = 7
    with pytest.raises(RemoteConfigValidationError) as raised:
        RemoteConfig.from_payload(sample_payload, url="https://x/remote.json")
    assert set(raised.value.problems) == {
        "$.aws_region: required field missing",
        "$.posthog.is_geoip_enabled: expected a boolean, got a string",
        "$.backend_model_specs['gpt-4o'].inputs: expected an array, got a string",
        "$.backend_model_specs['gpt-4o'].costs['input']: expected a number, got a string",
        "$.backend_model_specs['gpt-4o-mini'].max_tokens: expected an integer, got a number",
        "$.backend_model_specs['broken']: expected an object, got an integer",
    }
    assert "6 problems" in raised.value.message
    assert "https://x/remote.json" in raised.value.message


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ([], "$: expected an object, got an array"),
        ("x", "$: expected an object, got a string"),
        (
            {"posthog": [], "backend_model_specs": {}, "aws_region": "r"},
            "$.posthog: expected an object, got an array",
        ),
        (
            {
                "posthog": {"project_api_key": "k", "endpoint": "e"},
                "backend_model_specs": {"defaults": 1},
                "aws_region": "r",
            },
            "$.backend_model_specs.defaults: expected an object, got an integer",
        ),
        (
            {
                "posthog": {"project_api_key": "k", "endpoint": "e"},
                "backend_model_specs": {"m": {"model_id": "m", "sdk": "s"}},
                "aws_region": "r",
            },
            "$.backend_model_specs['m'].model_type: required field missing",
        ),
        (
            {
                "posthog": {"project_api_key": "k", "endpoint": "e"},
                "backend_model_specs": {
                    "m": {
                        "model_type": "llm",
                        "model_id": "m",
                        "sdk": "s",
                        "costs": {"input": True},
                    }
                },
                "aws_region": "r",
            },
            "$.backend_model_specs['m'].costs['input']: expected a number, got a boolean",
        ),
    ],
)
def test_shape_errors(payload: Any, problem: str) -> None:
    with pytest.raises(RemoteConfigValidationError) as raised:
        RemoteConfig.from_payload(payload)
    assert problem in raised.value.problems


def test_ints_are_accepted_as_costs() -> None:
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {
            "m": {"model_type": "llm", "model_id": "m", "sdk": "s", "costs": {"input": 8}}
        },
    }
    spec = RemoteConfig.from_payload(payload).backend_model_specs["m"]
    assert spec.costs == {"input": 8.0}
    assert isinstance(spec.costs["input"], float)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
known_keys = st.sampled_from(
    [
        "posthog",
        "backend_model_specs",
        "aws_region",
        "defaults",
        "model_type",
        "model_id",
        "sdk",
        "inputs",
        "outputs",
        "costs",
        "max_tokens",
        "endpoint",
        "project_api_key",
        "x.rules",
    ]
)
shaped = st.recursive(
    json_values,
    lambda children: st.dictionaries(known_keys | st.text(max_size=6), children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(shaped)
def test_any_json_gives_a_model_or_a_validation_error(payload: Any) -> None:
    try:
        outcome: object = RemoteConfig.from_payload(payload)
    except RemoteConfigValidationError as exc:
        outcome = exc.problems
    if isinstance(outcome, tuple):
        assert outcome
        assert all(problem.startswith("$") for problem in outcome)
    else:
        assert isinstance(outcome, RemoteConfig)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_any_extra_spec_fields_survive(extra: dict[str, Any]) -> None:
    spec = {"model_type": "llm", "model_id": "m", "sdk": "s"}
    field_names = set(ModelSpec._fields)
    extra = {key: value for key, value in extra.items() if key not in field_names}
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {"m": {**spec, **extra}},
    }
    loaded = RemoteConfig.from_payload(json.loads(json.dumps(payload)))
    assert dict(loaded.backend_model_specs["m"].extras) == json.loads(json.dumps(extra))


spec_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=4),
    st.lists(st.one_of(st.text(max_size=4), st.integers(), st.none()), max_size=3),
    st.dictionaries(
        st.text(max_size=4),
        st.one_of(st.floats(allow_nan=False), st.integers(), st.booleans(), st.text(max_size=3)),
        max_size=3,
    ),
)
#: The spec's own fields, and one key it does not know (kept in ``extras``).
spec_keys = st.sampled_from([*sorted(KNOWN_KEYS), "other"])


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.dictionaries(spec_keys, spec_values, max_size=12),
        st.dictionaries(spec_keys, spec_values, max_size=2).map(
            lambda changes: {"model_type": "llm", "model_id": "m", "sdk": "s", **changes}
        ),
    )
)
def test_fast_builder_agrees_with_the_converter(spec: dict[str, Any]) -> None:
    """Same verdict and same value: the builder is only ever a faster converter."""
    from pipelex_core.json_structure import structure
    from pipelex_core.model_specs import ModelSpec as Spec
    from pipelex_core.spec_build import table_builder

    def built_alone(defaults: dict[str, Any], raw: dict[str, Any]) -> Any:
        table = table_builder(Spec, defaults)({"model": raw})
        return None if table is None else table.specs["model"]

    problems: list[str] = []
    converted = structure(spec, Spec, "$", problems)
    built = built_alone({}, spec)
    assert (built is not None) == (problems == []), problems
    assert built == converted
    # the same verdict and value when part of the spec comes from the table's defaults
    keys = sorted(spec)
    defaults = {key: spec[key] for key in keys[::2]}
    raw = {key: spec[key] for key in keys[1::2]}
    assert built_alone(defaults, raw) == converted


def test_a_handle_holding_the_separator_is_reported_at_its_path() -> None:
    """Found by the property test: a handle containing " @ " once split the message wrongly."""
    with pytest.raises(RemoteConfigValidationError) as raised:
        RemoteConfig.from_payload(
            {"posthog": {}, "aws_region": "r", "backend_model_specs": {" @ ": {}}}
        )
    assert (
        "$.backend_model_specs[' @ '].model_type: required field missing" in raised.value.problems
    )
    assert all(problem.startswith("$") for problem in raised.value.problems)


@pytest.mark.parametrize("field", ["inputs", "outputs"])
@pytest.mark.parametrize(
    ("names", "problem"),
    [
        ([["text"]], "[0]: expected a string, got an array"),
        ([{"a": 1}], "[0]: expected a string, got an object"),
        (["text", 3], "[1]: expected a string, got an integer"),
    ],
)
def test_a_list_of_names_seen_valid_before_does_not_vouch_for_a_different_one(
    field: str, names: list[Any], problem: str
) -> None:
    """Name lists are checked once per distinct list and shared; an unhashable item or a
    non-name never rides on an earlier spec's verdict."""
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {
            "a": {"model_type": "llm", "model_id": "a", "sdk": "s", field: ["text"]},
            "b": {"model_type": "llm", "model_id": "b", "sdk": "s", field: names},
        },
    }
    with pytest.raises(RemoteConfigValidationError) as raised:
        RemoteConfig.from_payload(payload)
    assert list(raised.value.problems) == [f"$.backend_model_specs['b'].{field}{problem}"]


@pytest.mark.parametrize(
    ("costs", "problem"),
    [
        ({"input": math.nan}, "['input']: expected a finite number, got nan"),
        ({"input": math.inf}, "['input']: expected a finite number, got inf"),
        ({"input": -math.inf}, "['input']: expected a finite number, got -inf"),
        # an integer first sends the prices through the converting path: checked there too
        ({"input": 1, "output": math.nan}, "['output']: expected a finite number, got nan"),
        ({"input": 1, "output": math.inf}, "['output']: expected a finite number, got inf"),
        ({"input": 10**400}, "['input']: expected a finite number, got a 401-digit number"),
        ({"input": True}, "['input']: expected a number, got a boolean"),
    ],
    ids=["nan", "inf", "minus-inf", "int-then-nan", "int-then-inf", "huge-int", "boolean"],
)
def test_a_price_that_is_not_a_finite_number_is_a_schema_break(
    costs: dict[str, Any], problem: str
) -> None:
    """Python's parser reads NaN and Infinity, a broken server may send them: never a price."""
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {
            "m": {"model_type": "llm", "model_id": "m", "sdk": "s", "costs": costs}
        },
    }
    with pytest.raises(RemoteConfigValidationError) as raised:
        RemoteConfig.from_payload(payload)
    assert list(raised.value.problems) == [f"$.backend_model_specs['m'].costs{problem}"]


def test_unknown_keys_of_the_defaults_and_of_the_spec_are_both_kept() -> None:
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {
            "defaults": {"sdk": "s", "region_hint": "eu"},
            "a": {"model_type": "llm", "model_id": "a", "max_prompt_images": 20},
            "b": {"model_type": "llm", "model_id": "b"},
        },
    }
    specs = RemoteConfig.from_payload(payload).backend_model_specs
    assert dict(specs["a"].extras) == {"region_hint": "eu", "max_prompt_images": 20}
    assert dict(specs["b"].extras) == {"region_hint": "eu"}


def test_equal_lists_of_names_share_one_tuple() -> None:
    payload = {
        "posthog": {"project_api_key": "k", "endpoint": "e"},
        "aws_region": "r",
        "backend_model_specs": {
            "defaults": {"outputs": ["text"]},
            "a": {"model_type": "llm", "model_id": "a", "sdk": "s", "inputs": ["text", "pdf"]},
            "b": {"model_type": "llm", "model_id": "b", "sdk": "s", "inputs": ["text", "pdf"]},
        },
    }
    specs = RemoteConfig.from_payload(payload).backend_model_specs
    assert specs["a"].inputs == ("text", "pdf")
    assert specs["a"].inputs is specs["b"].inputs
    assert specs["a"].outputs is specs["b"].outputs
    assert type(specs["a"]) is ModelSpec


def test_the_fast_builder_refuses_a_spec_class_it_was_not_written_for() -> None:
    """A field added to ModelSpec without the builder knowing it would go unchecked."""
    from typing import NamedTuple

    from pipelex_core.spec_build import table_builder

    class Wider(NamedTuple):
        model_type: str
        model_id: str
        sdk: str
        new_field: str = ""

    with pytest.raises(TypeError, match="table_builder was written for the fields"):
        table_builder(Wider, {})
