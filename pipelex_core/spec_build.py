"""A fast builder of model specs, agreeing exactly with the converter.

Structuring 10,000 specs through cattrs costs several times the ``json.loads`` of the same
bytes. So each spec is checked and built in one pass: one ``dict.get`` and one type test per
field, then one ``tuple.__new__`` of the named tuple. Lists of names (a model's inputs and
outputs) repeat across a catalogue, so each distinct one is checked once and its tuple shared.
A spec it cannot build (None) sends the whole table to the converter, which reports every
problem by JSON path. A property test holds the two to the same verdicts and the same values,
and :func:`table_builder` refuses a spec class whose fields are not the ones this builder was
written for.

The table's ``defaults`` stand in for absent keys and are checked as the spec's own values
would be, so a wrong default fails only the specs that do not override it.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

#: The fields, in the spec class's order, that :func:`table_builder` checks and passes on.
BUILT_FIELDS = (
    "model_type",
    "model_id",
    "sdk",
    "inputs",
    "outputs",
    "costs",
    "max_tokens",
    "structure_method",
    "thinking_mode",
    "valued_constraints",
    "listed_constraints",
    "extras",
)
KNOWN_KEYS = frozenset(BUILT_FIELDS) - {"extras"}
DEFAULTS_KEY = "defaults"
RULES_SUFFIX = ".rules"
_ABSENT = object()


class BuiltTable(NamedTuple):
    """What :func:`table_builder` returns: the built specs by handle, and the rules."""

    specs: dict[str, Any]
    rules: dict[str, Any]


def _converted_costs(value: dict[str, Any]) -> Mapping[str, float] | None:
    """Prices as read-only floats (a JSON integer becomes one), or None when one is not a
    finite number; a boolean is not a number here."""
    converted: dict[str, float] = {}
    for key, cost in value.items():
        if type(cost) is int:
            try:
                cost = float(cost)
            except OverflowError:  # an integer beyond a float's range
                return None
        elif type(cost) is not float:
            return None
        if cost - cost != 0.0:  # NaN or infinite
            return None
        converted[key] = cost
    return types.MappingProxyType(converted)


def table_builder(
    cls: type, defaults: dict[str, Any]
) -> Callable[[dict[str, Any]], BuiltTable | None]:
    """A function building every model of a raw table (``defaults`` merged in, ``.rules``
    entries set apart), or returning None as soon as one model
    is not an object the converter would accept: the caller then lets the converter list the
    problems. One loop over the table, not one call per model: at ten thousand models the
    calls alone cost a twentieth of the load."""
    fields = getattr(cls, "_fields", None)
    if fields != BUILT_FIELDS:
        raise TypeError(f"table_builder was written for the fields {BUILT_FIELDS}, not {fields}")
    get_default = defaults.get
    d_type, d_id, d_sdk = (get_default(k, _ABSENT) for k in ("model_type", "model_id", "sdk"))
    d_inputs, d_outputs = get_default("inputs", _ABSENT), get_default("outputs", _ABSENT)
    d_costs, d_max = get_default("costs", _ABSENT), get_default("max_tokens")
    d_method, d_thinking = get_default("structure_method"), get_default("thinking_mode")
    d_valued = get_default("valued_constraints", _ABSENT)
    d_listed = get_default("listed_constraints", _ABSENT)
    empty = cls._field_defaults["extras"]  # type: ignore[attr-defined]
    default_extras = {key: value for key, value in defaults.items() if key not in KNOWN_KEYS}
    no_extras = types.MappingProxyType(default_extras) if default_extras else empty
    proxy, known, absent, new = types.MappingProxyType, KNOWN_KEYS, _ABSENT, tuple.__new__
    checked_names: dict[tuple[Any, ...], tuple[str, ...]] = {}  # each distinct list, once
    checked = checked_names.get

    def build_table(raw_specs: dict[str, Any]) -> BuiltTable | None:
        specs: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        for handle, raw in raw_specs.items():
            if handle.endswith(RULES_SUFFIX):
                rules[handle] = raw
                continue
            if handle == DEFAULTS_KEY:
                continue
            if type(raw) is not dict:
                return None
            # The hot loop of loading a large catalogue, inlined on purpose: a helper call per
            # field costs more than the field's check. The spec's mappings are read-only views
            # of the parsed payload's own dicts, which nothing mutates: copying them would cost
            # a tenth of the load.
            get = raw.get
            model_type = get("model_type", d_type)
            model_id = get("model_id", d_id)
            sdk = get("sdk", d_sdk)
            if type(model_type) is not str or type(model_id) is not str or type(sdk) is not str:
                return None
            inputs = get("inputs", d_inputs)
            if inputs is absent:
                inputs = ()
            elif type(inputs) is list:
                key = tuple(inputs)
                try:
                    inputs = checked(key)
                except TypeError:  # an unhashable item: not a name
                    return None
                if inputs is None:
                    for item in key:
                        if type(item) is not str:
                            return None
                    checked_names[key] = inputs = key
            else:
                return None
            outputs = get("outputs", d_outputs)
            if outputs is absent:
                outputs = ()
            elif type(outputs) is list:
                key = tuple(outputs)
                try:
                    outputs = checked(key)
                except TypeError:  # an unhashable item: not a name
                    return None
                if outputs is None:
                    for item in key:
                        if type(item) is not str:
                            return None
                    checked_names[key] = outputs = key
            else:
                return None
            costs = get("costs", d_costs)
            if costs is absent:
                costs = empty
            elif type(costs) is dict:
                for cost in costs.values():
                    if type(cost) is not float or cost - cost != 0.0:  # an int, NaN or infinite
                        costs = _converted_costs(costs)
                        if costs is None:
                            return None
                        break
                else:
                    costs = proxy(costs)
            else:
                return None
            max_tokens = get("max_tokens", d_max)
            if max_tokens is not None and type(max_tokens) is not int:
                return None
            method = get("structure_method", d_method)
            if method is not None and type(method) is not str:
                return None
            thinking = get("thinking_mode", d_thinking)
            if thinking is not None and type(thinking) is not str:
                return None
            valued = get("valued_constraints", d_valued)
            if valued is absent:
                valued = empty
            elif type(valued) is dict:
                valued = proxy(valued)
            else:
                return None
            listed = get("listed_constraints", d_listed)
            if listed is absent:
                listed = empty
            elif type(listed) is dict:
                listed = proxy(listed)
            else:
                return None
            if raw.keys() <= known:
                extras = no_extras
            else:
                unknown = {key: value for key, value in raw.items() if key not in known}
                extras = proxy({**default_extras, **unknown} if default_extras else unknown)
            specs[handle] = new(cls, (
                model_type, model_id, sdk, inputs, outputs, costs, max_tokens, method, thinking,
                valued, listed, extras,
            ))  # fmt: skip

        return BuiltTable(specs, rules)

    return build_table
