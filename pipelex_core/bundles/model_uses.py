"""Every model a library names, explicitly or through the deck's default for its operator kind.

Each reference is resolved through the model deck; one that resolves nowhere is an
``unknown_model`` problem beside the bundle's others.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.errors import PipelexError
from pipelex_core.models.deck import Deck
from pipelex_core.models.resolution import ModelResolver, ResolvedModel

#: Operators that name a model, and the deck's choice-default kind each falls back on.
#: PipeStructure structures text with an LLM, so it takes the ``llm`` default.
MODEL_OPERATORS: Mapping[str, str] = {
    "PipeLLM": "llm",
    "PipeImgGen": "img_gen",
    "PipeExtract": "extract",
    "PipeSearch": "search",
    "PipeJudge": "judge",
    "PipeStructure": "llm",
}


@attrs.frozen
class ModelUse:
    """A pipe's model: explicit (``default_kind`` None) or its kind's choice default."""

    pipe: PipeSpec
    reference: str
    default_kind: str | None
    resolved: ResolvedModel


def model_uses(
    specs: Iterable[PipeSpec], resolver: ModelResolver, problems: list[Problem]
) -> tuple[ModelUse, ...]:
    uses: list[ModelUse] = []
    for spec in specs:
        kind = MODEL_OPERATORS.get(spec.type or "")
        if kind is None:
            continue
        fields = ["model", "model_to_structure"] if spec.type == "PipeLLM" else ["model"]
        for field in fields:
            reference, default_kind = _reference(spec, field, kind, resolver, problems)
            if reference is None:
                continue
            try:
                resolved = resolver.resolve(reference, kind)
            except PipelexError as exc:
                message = f"`{field}` {reference!r}: {exc.message}"
                suggestion = _close_matches(resolver, reference, kind)
                problems.append(spec.problem("unknown_model", message + suggestion))
                continue
            wrong = _wrong_kind(resolver, reference, kind, resolved)
            if wrong is not None:
                problems.append(
                    spec.problem(
                        "unknown_model",
                        f"`{field}`: {reference!r} is {wrong}, and a {spec.type} needs a model "
                        f"of kind {kind!r}: name one of that kind, or omit `model` for the "
                        "deck's default",
                    )
                )
                continue
            if not resolved.on_gateway and not resolved.available:
                problems.append(spec.problem("unknown_model", _not_served(field, resolved)))
                continue
            uses.append(ModelUse(spec, reference, default_kind, resolved))
    return tuple(uses)


def _not_served(field: str, resolved: ResolvedModel) -> str:
    if len(resolved.candidates) > 1:
        what = "any of " + ", ".join(repr(c) for c in resolved.candidates)
    else:
        where = f" on backend {resolved.backend!r}" if resolved.backend else ""
        what = f"{resolved.handle!r}{where}"
    via = f" (from {resolved.reference!r})" if resolved.reference != resolved.handle else ""
    return (
        f"`{field}`: no enabled BYOK backend serves {what}{via}: fix the reference, enable a "
        "backend that has it in backends.toml (with its specs in backends/<name>.toml), or "
        "enable the Pipelex Gateway (`pipelex init --gateway`)"
    )


def _close_matches(resolver: ModelResolver, reference: str, kind: str) -> str:
    """The deck's references closest to ``reference``, as a hint (none: say how to list them)."""
    deck = resolver.deck
    names = [
        *(f"@{name}" for name in {**deck.aliases, **_kind_table(deck, kind, "aliases")}),
        *(f"${name}" for name in {**deck.presets, **_kind_table(deck, kind, "presets")}),
        *(f"~{name}" for name in deck.waterfalls),
    ]
    close = difflib.get_close_matches(reference.strip(), names, n=3, cutoff=0.6)
    if close:
        return " Did you mean " + " or ".join(repr(name) for name in close) + "?"
    return " `pipelex models` lists the models; the deck (deck.toml) names the references."


def _kind_table(deck: Deck, kind: str, table: str) -> Mapping[str, Any]:
    own = deck.by_kind.get(kind)
    return {} if own is None else dict(getattr(own, table))


#: What a catalogue's ``model_type`` may serve, by operator kind.
_MODEL_TYPES = {
    "llm": frozenset({"llm"}),
    "judge": frozenset({"llm", "judge", "judgment"}),
    "img_gen": frozenset({"img_gen"}),
    "extract": frozenset({"text_extractor", "extract"}),
    "search": frozenset({"search"}),
}


def _wrong_kind(
    resolver: ModelResolver, reference: str, kind: str, resolved: ResolvedModel
) -> str | None:
    """Why ``reference`` is of another kind than ``kind``, or None when it fits (or is unknown)."""
    declared = resolver.deck.preset_kind(reference, kind)
    if declared is not None and declared != kind:
        return f"a preset for {declared!r} pipes"
    if resolved.backend is None:
        return None
    model = resolver.spec(resolved.handle, resolved.backend)
    if model is None or model.model_type not in frozenset().union(*_MODEL_TYPES.values()):
        return None
    if model.model_type not in _MODEL_TYPES[kind]:
        return f"served as a {model.model_type!r} model ({resolved.handle})"
    return None


#: Settings that exclude each other in an inline model table.
_EXCLUSIVE_SETTINGS = (("reasoning_effort", "reasoning_budget"), ("quality", "nb_steps"))


def _inline_settings_ok(
    spec: PipeSpec, field: str, kind: str, table: dict[str, Any], problems: list[Problem]
) -> bool:
    model = table.get("model")
    if not isinstance(model, str) or not model.strip():
        problems.append(
            spec.problem("pipe_field_invalid", f"the `{field}` table needs a string `model`")
        )
        return False
    if model.strip().startswith("$"):
        problems.append(
            spec.problem(
                "unknown_model",
                f"the `{field}` table's model {model!r} is a preset, which carries settings of "
                "its own: write it as a string (model = "
                f'"{model}"), or put an @alias, a ~waterfall or a handle in the table',
            )
        )
        return False
    ok = True
    temperature = table.get("temperature")
    if temperature is not None and (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not 0 <= temperature <= 1
    ):
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"`temperature` {temperature!r} is a number from 0 to 1",
            )
        )
        ok = False
    if kind == "llm" and spec.type == "PipeLLM" and "temperature" not in table:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"an inline LLM settings table needs a `temperature` (0 to 1), beside "
                f"model = {model!r}",
            )
        )
        ok = False
    for first, second in _EXCLUSIVE_SETTINGS:
        if first in table and second in table:
            problems.append(
                spec.problem(
                    "pipe_field_conflict",
                    f"the `{field}` table sets both `{first}` and `{second}`: keep one",
                )
            )
            ok = False
    return ok


def _reference(
    spec: PipeSpec, field: str, kind: str, resolver: ModelResolver, problems: list[Problem]
) -> tuple[str | None, str | None]:
    model: Any = spec.table.get(field)
    if isinstance(model, dict):
        if not _inline_settings_ok(spec, field, kind, model, problems):
            return None, None
        model = model["model"]
    if isinstance(model, str):
        if not model.strip():
            problems.append(spec.problem("unknown_model", f"`{field}` is empty"))
            return None, None
        return model, None
    if model is not None:
        problems.append(
            spec.problem("pipe_field_invalid", f"`{field}` is a model reference or a table")
        )
        return None, None
    if field != "model":
        return None, None
    default = resolver.deck.choice_defaults.get(kind)
    if default is None and kind == "judge":
        problems.append(
            spec.problem(
                "pipe_field_missing",
                "a PipeJudge names its `model` (the deck has no default for judgments), "
                'e.g. model = "@default-judgment"',
            )
        )
        return None, None
    if default is None:
        problems.append(
            spec.problem(
                "unknown_model",
                f"names no model and the deck has no choice default for {kind!r} "
                "(add it under [choice_defaults] in deck.toml)",
            )
        )
        return None, None
    return default, kind
