"""The v10 remote config: attrs classes and the one private cattrs converter that builds them.

The server may add fields at any time, so unknown keys are kept in ``extras`` rather than
dropped or refused; wrong types of known fields are refused, every problem listed by its
JSON path so a server bug is diagnosable from the message alone.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import namedtuple_dict_structure_factory
from cattrs.gen import make_dict_structure_fn, override

from pipelex_core.errors import RemoteConfigValidationError
from pipelex_core.spec_build import is_finite_number, spec_builder

T = TypeVar("T")

DEFAULTS_KEY = "defaults"
RULES_SUFFIX = ".rules"
_EXTRAS_SLOT = "__pipelex_extras__"  # never a payload key: split() keeps known keys only

EMPTY: Mapping[str, Any] = types.MappingProxyType({})


@attrs.frozen
class PosthogConfig:
    """Where telemetry goes when it is allowed (see the telemetry plugin)."""

    project_api_key: str
    endpoint: str
    is_geoip_enabled: bool = False
    is_debug_enabled: bool = False
    extras: Mapping[str, Any] = EMPTY


class ModelSpec(NamedTuple):
    """One Gateway model, with the catalogue's ``defaults`` already merged in.

    A named tuple rather than a frozen attrs class: as immutable, and built in a sixth of the
    time (a frozen attrs instance sets each field through ``object.__setattr__``), which is
    most of what loading a catalogue of thousands of models costs beyond parsing it.
    """

    model_type: str
    model_id: str
    sdk: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    costs: Mapping[str, float] = EMPTY
    max_tokens: int | None = None
    structure_method: str | None = None
    thinking_mode: str | None = None
    valued_constraints: Mapping[str, Any] = EMPTY
    listed_constraints: Mapping[str, Any] = EMPTY
    extras: Mapping[str, Any] = EMPTY


@attrs.frozen
class RemoteConfig:
    """A validated remote config. ``backend_model_specs`` maps model handle to spec."""

    posthog: PosthogConfig
    aws_region: str
    backend_model_specs: Mapping[str, ModelSpec]
    defaults: Mapping[str, Any] = EMPTY
    rules: Mapping[str, Any] = EMPTY
    extras: Mapping[str, Any] = EMPTY

    def __contains__(self, handle: object) -> bool:
        return handle in self.backend_model_specs

    @classmethod
    def from_payload(cls, payload: object, *, url: str | None = None) -> RemoteConfig:
        """Validate a parsed JSON payload; raise :class:`RemoteConfigValidationError` listing
        every problem by JSON path."""
        return _load(payload, url=url)


class _Mismatch(TypeError):
    """A JSON value of the wrong type; its message is the whole explanation."""


_JSON_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    dict: "an object",
    list: "an array",
    type(None): "null",
}


def _json_name(value: object) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _expect(value: object, wanted: str) -> _Mismatch:
    return _Mismatch(f"expected {wanted}, got {_json_name(value)}")


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _expect(value, "a string")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _expect(value, "a boolean")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _expect(value, "an integer")
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _expect(value, "a number")
    if not is_finite_number(value):  # NaN, Infinity, 1e999: no price, and not strict JSON
        shown = repr(value) if len(repr(value)) <= 24 else f"a {len(str(value))}-digit number"
        raise _Mismatch(f"expected a finite number, got {shown}")
    return float(value)


def _is_mapping(tp: Any) -> bool:
    return get_origin(tp) is Mapping


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _make_converter() -> cattrs.Converter:
    """Build the private converter: strict JSON scalars, read-only mappings, extras kept."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(Any, lambda value, _: value)

    def mapping_hook(tp: Any) -> Callable[[object, Any], Mapping[str, Any]]:
        value_type = get_args(tp)[1]
        plain = converter.gen_structure_mapping(dict[str, value_type])  # type: ignore[valid-type]

        def structure(value: object, _: Any) -> Mapping[str, Any]:
            if not isinstance(value, dict):
                raise _expect(value, "an object")
            return types.MappingProxyType(plain(value, dict))

        return structure

    def tuple_hook(tp: Any) -> Callable[[object, Any], tuple[Any, ...]]:
        item_type = get_args(tp)[0]
        as_list = converter.get_structure_hook(list[item_type])  # type: ignore[valid-type]

        def structure(value: object, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _expect(value, "an array")
            return tuple(as_list(value, list))

        return structure

    converter.register_structure_hook_factory(_is_mapping, mapping_hook)
    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)

    for cls in (PosthogConfig, ModelSpec):
        converter.register_structure_hook(cls, _with_extras(converter, cls))
    return converter


def _with_extras(converter: cattrs.Converter, cls: type[Any]) -> Callable[[object, Any], Any]:
    """Structure ``cls`` (an attrs class or a named tuple) from an object, collecting unknown
    keys into its ``extras`` field."""
    extras = override(rename=_EXTRAS_SLOT)
    base: Callable[[Any, Any], Any]
    if attrs.has(cls):
        known = frozenset(field.name for field in attrs.fields(cls)) - {"extras"}
        base = make_dict_structure_fn(
            cls, converter, extras=extras, _cattrs_detailed_validation=True
        )
    else:
        known = frozenset(cls._fields) - {"extras"}
        base = namedtuple_dict_structure_factory(cls, converter, True, False, True, extras=extras)

    def structure(value: object, _: Any) -> Any:
        if not isinstance(value, dict):
            raise _expect(value, "an object")
        split = {key: item for key, item in value.items() if key in known}
        unknown = {key: item for key, item in value.items() if key not in known}
        split[_EXTRAS_SLOT] = unknown
        return base(split, cls)

    return structure


@functools.cache
def _converter() -> cattrs.Converter:
    return _make_converter()


def _format(exc: BaseException, tp: type | None) -> str:
    if isinstance(exc, _Mismatch):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    return cattrs.v.format_exception(exc, tp)


def _problems(exc: BaseException, path: str) -> list[str]:
    """Render a cattrs error as ``$.path: problem`` lines."""
    lines = cattrs.transform_error(exc, path=path, format_exception=_format)
    rendered = []
    for line in lines:
        # "message @ $.path": split at the path's start, since a handle may itself hold " @ "
        message, found, where = line.partition(" @ $")
        rendered.append(f"${where}: {message}" if found else line)
    return rendered


def _structure(value: object, cls: type[T], path: str, problems: list[str]) -> T | None:
    try:
        return _converter().structure(value, cls)
    except (cattrs.BaseValidationError, _Mismatch) as exc:
        if isinstance(exc, _Mismatch):
            problems.append(f"{path}: {exc}")
        else:
            problems.extend(_problems(exc, path))
        return None


@attrs.frozen
class SpecTable:
    """A table of model specs: ``defaults`` merged into each model, ``.rules`` set apart."""

    specs: Mapping[str, ModelSpec]
    defaults: Mapping[str, Any]
    rules: Mapping[str, Any]


def structure_specs(raw_specs: dict[str, Any], path: str, problems: list[str]) -> SpecTable:
    """Validate a table of model specs (the Gateway's, or a BYOK backend's); problems are
    appended as ``path: message`` lines, the valid specs returned."""
    raw_defaults = raw_specs.get(DEFAULTS_KEY, {})
    if not isinstance(raw_defaults, dict):
        problems.append(f"{path}.defaults: expected an object, got {_json_name(raw_defaults)}")
        raw_defaults = {}
    specs: dict[str, ModelSpec] = {}
    rules: dict[str, Any] = {}
    build = spec_builder(ModelSpec, raw_defaults)
    for handle, raw in raw_specs.items():
        if handle == DEFAULTS_KEY:
            continue
        if handle.endswith(RULES_SUFFIX):
            rules[handle] = raw
            continue
        spec = build(raw) if type(raw) is dict else None
        if spec is None:  # the converter lists every problem of the table by its JSON path
            return SpecTable(
                specs=_structure_all(raw_specs, raw_defaults, path, problems),
                defaults=types.MappingProxyType(dict(raw_defaults)),
                rules=types.MappingProxyType(_rules_of(raw_specs)),
            )
        specs[handle] = spec
    return SpecTable(
        specs=types.MappingProxyType(specs),
        defaults=types.MappingProxyType(dict(raw_defaults)),
        rules=types.MappingProxyType(rules),
    )


def _rules_of(raw_specs: dict[str, Any]) -> dict[str, Any]:
    return {handle: raw for handle, raw in raw_specs.items() if handle.endswith(RULES_SUFFIX)}


def _structure_all(
    raw_specs: dict[str, Any], defaults: dict[str, Any], path: str, problems: list[str]
) -> Mapping[str, ModelSpec]:
    """The slow path, for a table that failed the fast check: the converter structures every
    spec and lists every problem by its JSON path."""
    specs: dict[str, ModelSpec] = {}
    for handle, raw in raw_specs.items():
        if handle == DEFAULTS_KEY or handle.endswith(RULES_SUFFIX):
            continue
        spec_path = f"{path}[{handle!r}]"
        if not isinstance(raw, dict):
            problems.append(f"{spec_path}: expected an object, got {_json_name(raw)}")
            continue
        spec = _structure({**defaults, **raw}, ModelSpec, spec_path, problems)
        if spec is not None:
            specs[handle] = spec
    return types.MappingProxyType(specs)


def _load(payload: object, *, url: str | None) -> RemoteConfig:
    if not isinstance(payload, dict):
        raise RemoteConfigValidationError(
            [f"$: expected an object, got {_json_name(payload)}"], url=url
        )
    problems: list[str] = []
    for key in ("posthog", "backend_model_specs", "aws_region"):
        if key not in payload:
            problems.append(f"$.{key}: required field missing")

    posthog = (
        _structure(payload["posthog"], PosthogConfig, "$.posthog", problems)
        if ("posthog" in payload)
        else None
    )
    aws_region = (
        _structure(payload["aws_region"], str, "$.aws_region", problems)
        if ("aws_region" in payload)
        else None
    )

    raw_specs = payload.get("backend_model_specs", {})
    if not isinstance(raw_specs, dict):
        problems.append(f"$.backend_model_specs: expected an object, got {_json_name(raw_specs)}")
        raw_specs = {}
    catalogue = structure_specs(raw_specs, "$.backend_model_specs", problems)

    if problems or posthog is None or aws_region is None:
        raise RemoteConfigValidationError(problems, url=url)
    extras = {
        key: value
        for key, value in payload.items()
        if key not in ("posthog", "backend_model_specs", "aws_region")
    }
    return RemoteConfig(
        posthog=posthog,
        aws_region=aws_region,
        backend_model_specs=catalogue.specs,
        defaults=catalogue.defaults,
        rules=catalogue.rules,
        extras=types.MappingProxyType(extras) if extras else EMPTY,
    )
