"""The one private cattrs converter: strict JSON in, read-only values out, problems by path.

JSON has no integers that are also booleans, no NaN prices and no mutable catalogue: the
converter refuses what the schema does not allow, keeps unknown keys in an ``extras`` field
(the server may add fields at any time), and reports every problem by its JSON path, so a
server bug is diagnosable from the message alone.
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import namedtuple_dict_structure_factory
from cattrs.gen import make_dict_structure_fn, override

T = TypeVar("T")

_EXTRAS_SLOT = "__pipelex_extras__"  # never a payload key: split() keeps known keys only

#: The read-only empty mapping structured values default to.
EMPTY: Mapping[str, Any] = types.MappingProxyType({})


def is_finite_number(value: int | float) -> bool:
    """True for a number JSON can carry: not NaN, not infinite, not beyond a float's range."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


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


def json_name(value: object) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _expect(value: object, wanted: str) -> _Mismatch:
    return _Mismatch(f"expected {wanted}, got {json_name(value)}")


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

    converter.register_structure_hook_factory(
        _keeps_extras, lambda cls: _with_extras(converter, cls)
    )
    return converter


def _keeps_extras(tp: Any) -> bool:
    """An attrs class or a named tuple with an ``extras`` field: unknown keys go there."""
    if not isinstance(tp, type):
        return False
    if attrs.has(tp):
        return "extras" in attrs.fields_dict(tp)
    return issubclass(tp, tuple) and "extras" in getattr(tp, "_fields", ())


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
def converter() -> cattrs.Converter:
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


def structure(value: object, cls: type[T], path: str, problems: list[str]) -> T | None:
    """``value`` as ``cls``, or None with every problem appended as a ``$.path: message`` line."""
    try:
        return converter().structure(value, cls)
    except (cattrs.BaseValidationError, _Mismatch) as exc:
        if isinstance(exc, _Mismatch):
            problems.append(f"{path}: {exc}")
        else:
            problems.extend(_problems(exc, path))
        return None
