"""A fast yes/no check of one merged model spec, agreeing exactly with the converter.

Structuring 10,000 specs through cattrs costs several times the ``json.loads`` of the same
bytes. Loading therefore checks every spec with this plain function and structures a spec
only when it is used; only if a spec fails here does the converter run over the table, to
report every problem by JSON path. A property test holds the two to the same verdicts.
"""

from __future__ import annotations

from typing import Any

_REQUIRED_STR = ("model_type", "model_id", "sdk")
_OPTIONAL_STR = ("structure_method", "thinking_mode")
_STR_LISTS = ("inputs", "outputs")
_OBJECTS = ("valued_constraints", "listed_constraints")


def spec_is_valid(spec: dict[str, Any]) -> bool:
    """True when the converter would structure ``spec`` (defaults already merged) cleanly."""
    for name in _REQUIRED_STR:
        if type(spec.get(name)) is not str:
            return False
    for name in _OPTIONAL_STR:
        value = spec.get(name)
        if value is not None and type(value) is not str:
            return False
    for name in _STR_LISTS:
        if name in spec:
            items = spec[name]
            if type(items) is not list:
                return False
            for item in items:
                if type(item) is not str:
                    return False
    if "costs" in spec:
        costs = spec["costs"]
        if type(costs) is not dict:
            return False
        for key, value in costs.items():
            if type(key) is not str or type(value) not in (int, float):
                return False
    if "max_tokens" in spec:
        tokens = spec["max_tokens"]
        if tokens is not None and type(tokens) is not int:
            return False
    return all(type(spec[name]) is dict for name in _OBJECTS if name in spec)
