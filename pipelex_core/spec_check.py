"""A fast yes/no check of model specs, agreeing exactly with the converter.

Structuring 10,000 specs through cattrs costs several times the ``json.loads`` of the same
bytes. Loading therefore checks every spec with a plain function and structures a spec only
when it is used; only if a spec fails here does the converter run over the table, to report
every problem by JSON path. A property test holds the two to the same verdicts.

The table's ``defaults`` are checked once; each spec then costs one pass over its own keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_STR, _OPTIONAL_STR, _STR_LIST, _COSTS, _OPTIONAL_INT, _OBJECT = range(6)
_KINDS: dict[str, int] = {
    "model_type": _STR,
    "model_id": _STR,
    "sdk": _STR,
    "structure_method": _OPTIONAL_STR,
    "thinking_mode": _OPTIONAL_STR,
    "inputs": _STR_LIST,
    "outputs": _STR_LIST,
    "costs": _COSTS,
    "max_tokens": _OPTIONAL_INT,
    "valued_constraints": _OBJECT,
    "listed_constraints": _OBJECT,
}
_REQUIRED = ("model_type", "model_id", "sdk")


def _value_ok(kind: int, value: Any) -> bool:
    if kind == _STR:
        return type(value) is str
    if kind == _OPTIONAL_STR:
        return value is None or type(value) is str
    if kind == _STR_LIST:
        return type(value) is list and all(type(item) is str for item in value)
    if kind == _COSTS:
        return type(value) is dict and all(
            type(key) is str and type(cost) in (int, float) and is_finite_number(cost)
            for key, cost in value.items()
        )
    if kind == _OPTIONAL_INT:
        return value is None or type(value) is int
    return type(value) is dict


def spec_checker(defaults: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A check of ``raw`` as if merged over ``defaults``, true when the converter would
    structure ``{**defaults, **raw}`` cleanly."""
    must_override = [
        key
        for key, value in defaults.items()
        if key in _KINDS and not _value_ok(_KINDS[key], value)
    ]
    must_have = tuple(key for key in _REQUIRED if key not in defaults) + tuple(must_override)
    kind_of = _KINDS.get
    string, sequence = str, list

    def check(raw: dict[str, Any]) -> bool:
        # the hot loop of loading a large catalogue: locals and inlined common cases
        for key, value in raw.items():
            kind = kind_of(key)
            if kind is None:
                continue
            if kind == _STR:
                if type(value) is not string:
                    return False
            elif kind == _STR_LIST:
                if type(value) is not sequence:
                    return False
                for item in value:
                    if type(item) is not string:
                        return False
            elif not _value_ok(kind, value):
                return False
        return all(key in raw for key in must_have)

    return check


def is_finite_number(value: int | float) -> bool:
    """True for a number JSON can carry: not NaN, not infinite, not beyond a float's range."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False
