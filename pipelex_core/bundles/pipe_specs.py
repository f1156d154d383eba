"""Each pipe's contract, parsed and resolved: its inputs and output as typed slots.

Every rule that compares what flows between pipes reads these slots, so the grammar of input
names and concept references is checked once, here, and a malformed slot is left out
(reported once) rather than reported again by every pipe that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from pipelex_core.bundles.concept_fields import unknown_concept
from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.hints import SLOT_KEYS, hints_error
from pipelex_core.bundles.library import Bundle, Pipe
from pipelex_core.bundles.packages import unresolved_dependency
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import SNAKE, ConceptRef, Presence, parse_concept_ref

BOUND_PREFIX = "_bound_"


@attrs.frozen
class Slot:
    """A typed place: a pipe input or output. ``concept`` is None when it did not resolve."""

    ref: ConceptRef
    concept: str | None

    @property
    def is_list(self) -> bool:
        return self.ref.is_list

    @property
    def presence(self) -> Presence:
        return self.ref.presence

    def __str__(self) -> str:
        return str(self.ref)


@attrs.frozen
class PipeSpec:
    pipe: Pipe
    domain: str
    inputs: Mapping[str, Slot]
    output: Slot | None
    #: every declared input name, well-formed or not (a malformed one is still "declared")
    declared: frozenset[str]

    @property
    def code(self) -> str:
        return self.pipe.code

    @property
    def file(self) -> str:
        return self.pipe.file

    @property
    def type(self) -> str | None:
        return self.pipe.type

    @property
    def table(self) -> Mapping[str, Any]:
        return self.pipe.table

    def problem(self, code: str, message: str) -> Problem:
        return Problem(self.file, self.code, code, message)


def input_name_error(name: str) -> str | None:
    """Why ``name`` cannot name an input, or None when it can."""
    if name.startswith(BOUND_PREFIX):
        return f"{name!r} starts with the reserved prefix `{BOUND_PREFIX}`: rename it"
    if "." in name:
        root = name.split(".", 1)[0]
        return (
            f"{name!r} is dotted, and an input name is a plain name: declare the root "
            f"({root} = <its concept>) and read {name!r} through it, or bind the field to a "
            'plain name in the calling sequence ({ from = "' + name + '", result = "…" })'
        )
    if not SNAKE.match(name):
        return f"{name!r} is not snake_case ([a-z][a-z0-9_]*)"
    return None


def build_pipe_specs(
    bundles: Iterable[Bundle], index: ConceptIndex, problems: list[Problem]
) -> list[PipeSpec]:
    specs = []
    for bundle in bundles:
        for pipe in bundle.pipes:
            specs.append(_spec(bundle, pipe, index, problems))
    return specs


def _check_slot_table(table: dict[str, Any], name: str, bad: Callable[[str, str], None]) -> None:
    """An input's table form takes `concept` and `hints` only, `hints` flat text values."""
    unknown = sorted(set(table) - SLOT_KEYS)
    if unknown:
        bad(
            "pipe_field_invalid",
            f"input {name!r}: unknown key(s) {', '.join(unknown)}: an input's table form takes "
            '`concept` and `hints` only, e.g. { concept = "Text", hints = { intent = "prose" } }',
        )
    if "hints" in table:
        error = hints_error(table["hints"])
        if error is not None:
            bad("pipe_field_invalid", f"input {name!r}: {error}")


def _spec(bundle: Bundle, pipe: Pipe, index: ConceptIndex, problems: list[Problem]) -> PipeSpec:
    def bad(code: str, message: str) -> None:
        problems.append(Problem(pipe.file, pipe.code, code, message))

    inputs: dict[str, Slot] = {}
    declared: set[str] = set()
    raw_inputs = pipe.table.get("inputs", {})
    if not isinstance(raw_inputs, dict):
        bad("pipe_field_invalid", '`inputs` is a table of name = "Concept"')
        raw_inputs = {}
    for name, text in raw_inputs.items():
        declared.add(name)
        error = input_name_error(name)
        if error is not None:
            bad("invalid_input_name", f"input {error}")
            continue
        if isinstance(text, dict):  # the table form: { concept = "Text?", hints = {…} }
            _check_slot_table(text, name, bad)
            text = text.get("concept")
        slot = _slot(bundle, pipe, f"input {name!r}", text, index, problems, is_output=False)
        if slot is not None:
            inputs[name] = slot
    output: Slot | None = None
    if "output" in pipe.table:
        output = _slot(bundle, pipe, "output", pipe.table["output"], index, problems, True)
    elif _composes_text(pipe):
        output = _slot(bundle, pipe, "output", "Text", index, problems, True)
    else:
        bad("pipe_field_missing", 'every pipe declares its `output` concept, e.g. output = "Text"')
    return PipeSpec(
        pipe=pipe,
        domain=bundle.domain or "",
        inputs=inputs,
        output=output,
        declared=frozenset(declared),
    )


def _composes_text(pipe: Pipe) -> bool:
    """A PipeCompose in template mode may leave `output` out: it renders a native Text."""
    return pipe.type == "PipeCompose" and "template" in pipe.table and "construct" not in pipe.table


def _slot(
    bundle: Bundle,
    pipe: Pipe,
    where: str,
    text: object,
    index: ConceptIndex,
    problems: list[Problem],
    is_output: bool,
) -> Slot | None:
    ref = parse_concept_ref(text, allow_markers=True, is_output=is_output)
    if ref.error is not None:
        problems.append(Problem(pipe.file, pipe.code, ref.error_code, f"{where}: {ref.error}"))
        return None
    concept = index.lookup(ref, bundle.domain)
    if concept is None:
        problems.append(
            Problem(pipe.file, pipe.code, "unknown_concept", unknown_concept(where, ref))
        )
        return Slot(ref, None)
    if concept.external:
        message = unresolved_dependency(where, ref.bare, index.manifest, index.packages)
        problems.append(Problem(pipe.file, pipe.code, "unresolved_package_dependency", message))
        return Slot(ref, None)
    return Slot(ref, concept.key)


def spec_table(specs: Iterable[PipeSpec]) -> Mapping[str, PipeSpec]:
    """The first definition of each pipe code (duplicates are reported elsewhere)."""
    table: dict[str, PipeSpec] = {}
    for spec in specs:
        table.setdefault(spec.code, spec)
    return table
