"""Model specs: what one model is, and how a table of them (the Gateway's catalogue, or a BYOK
backend's file) is checked and built, with its ``defaults`` merged in and its rules set apart.

The fast path builds every spec in one pass (:mod:`pipelex_core.spec_build`); a table it
refuses goes through the converter, which lists every problem by its JSON path.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, NamedTuple

import attrs

from pipelex_core.json_structure import EMPTY, json_name, structure
from pipelex_core.spec_build import DEFAULTS_KEY, RULES_SUFFIX, BuiltTable, table_builder


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
        problems.append(f"{path}.defaults: expected an object, got {json_name(raw_defaults)}")
        raw_defaults = {}
    built = table_builder(ModelSpec, raw_defaults)(raw_specs)
    if built is None:  # the converter lists every problem of the table by its JSON path
        built = BuiltTable(
            _structure_all(raw_specs, raw_defaults, path, problems), _rules_of(raw_specs)
        )
    return SpecTable(
        specs=types.MappingProxyType(built.specs),
        defaults=types.MappingProxyType(dict(raw_defaults)),
        rules=types.MappingProxyType(built.rules),
    )


def _rules_of(raw_specs: dict[str, Any]) -> dict[str, Any]:
    return {handle: raw for handle, raw in raw_specs.items() if handle.endswith(RULES_SUFFIX)}


def _structure_all(
    raw_specs: dict[str, Any], defaults: dict[str, Any], path: str, problems: list[str]
) -> dict[str, ModelSpec]:
    """The slow path, for a table that failed the fast check: the converter structures every
    spec and lists every problem by its JSON path."""
    specs: dict[str, ModelSpec] = {}
    for handle, raw in raw_specs.items():
        if handle == DEFAULTS_KEY or handle.endswith(RULES_SUFFIX):
            continue
        spec_path = f"{path}[{handle!r}]"
        if not isinstance(raw, dict):
            problems.append(f"{spec_path}: expected an object, got {json_name(raw)}")
            continue
        spec = structure({**defaults, **raw}, ModelSpec, spec_path, problems)
        if spec is not None:
            specs[handle] = spec
    return specs
