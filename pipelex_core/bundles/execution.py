"""Walk a validated method the way Pipelex runs it: controllers, bindings, batches, absences.

The walk is shared by dry runs and real runs; what differs is a :class:`Strategy`: how an
operator produces its output (a placeholder, or PipeCompose rendered for real) and which
outcome a condition takes. Working memory holds content-form values (``samples.py``); a
nested sequence and a condition's outcome write into their caller's memory, each parallel
branch and batch item works on its own copy, and a plain input that is absent skips its pipe.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NoReturn, Protocol

import attrs

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.memory import Value, walk_path
from pipelex_core.bundles.model_uses import ModelUse
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.refs import Presence
from pipelex_core.bundles.samples import fit_field, plain_to_content, with_defaults
from pipelex_core.errors import BundleValidationError


class MethodRunError(BundleValidationError):
    """A valid method whose run cannot complete; ``problems`` say where and why."""


@attrs.frozen
class Absent:
    """A recorded absence: the value a skipped pipe, a ``continue`` or an empty path leaves."""

    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"absent": True, "reason": self.reason}


def render(value: Any) -> Any:
    """A value as Pipelex prints an output: a list as ``{"items": […]}``, an absence as such."""
    if isinstance(value, Absent):
        return value.as_dict()
    if isinstance(value, list):
        return {"items": [render(item) for item in value]}
    return value


class Strategy(Protocol):
    """What differs between a dry run and a real run."""

    def operate(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> Any:
        """The output of operator ``spec`` (or of a signature) given the working memory."""

    def choose(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> str | None:
        """The outcome key or pipe a condition takes; None when it matches nothing."""


@attrs.frozen
class Outcome:
    pipe: str
    output: Any
    memory: Mapping[str, Any]
    trace: tuple[Mapping[str, Any], ...]


class Walk:
    """One run of a method: its trace, and the failures it raises with the pipe to blame."""

    def __init__(self, checked: CheckedLibrary, strategy: Strategy, error_code: str) -> None:
        self.checked = checked
        self.index = checked.index
        self.registry = checked.registry
        self.strategy = strategy
        self.error_code = error_code
        self.models: dict[tuple[str, str], ModelUse] = {}
        for use in checked.model_uses:
            self.models.setdefault((use.pipe.domain, use.pipe.code), use)
        self.trace: list[dict[str, Any]] = []

    def fail(self, spec: PipeSpec, message: str) -> NoReturn:
        problem = {
            "file": spec.file,
            "pipe": spec.code,
            "code": self.error_code,
            "message": message,
        }
        raise MethodRunError(
            f"The run cannot complete: pipe {spec.code!r}: {message}",
            "Fix the method or its inputs; `pipelex validate` checks everything static.",
            problems=[problem],
        )

    def run(self, start: PipeSpec, inputs: Mapping[str, Any]) -> Outcome:
        memory: dict[str, Any] = {
            name: inputs.get(name, Absent("not provided")) for name in start.inputs
        }
        types = {name: Value.of_slot(slot, name) for name, slot in start.inputs.items()}
        try:
            output = self.walk(start, memory, types, depth=0)
        except RecursionError:
            self.fail(start, "the method nests pipes too deeply to walk")
        rendered = {name: render(value) for name, value in memory.items()}
        return Outcome(start.code, render(output), rendered, tuple(self.trace))

    def walk(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        step: dict[str, Any] = {"pipe": spec.code, "type": spec.type or "signature", "depth": depth}
        self.trace.append(step)
        started = time.perf_counter()
        try:
            return self._walk(spec, memory, types, depth, step)
        finally:
            step["ms"] = round((time.perf_counter() - started) * 1000, 3)

    def _walk(
        self,
        spec: PipeSpec,
        memory: dict[str, Any],
        types: dict[str, Value],
        depth: int,
        step: dict[str, Any],
    ) -> Any:
        for name, slot in spec.inputs.items():
            value = memory.get(name, Absent(f"nothing named {name!r} in working memory"))
            if not isinstance(value, Absent):
                continue
            if slot.presence is Presence.FORCE:
                self.fail(spec, f"forced input {name!r} is absent ({value.reason})")
            if slot.presence is Presence.PLAIN:
                step["skipped"] = f"input {name!r} is absent ({value.reason})"
                output = spec.output
                if output is not None and output.is_list:
                    return []
                return Absent(f"pipe {spec.code!r} was skipped: input {name!r} is absent")
        kind = spec.type
        if kind == "PipeSequence":
            return self._sequence(spec, memory, types, depth)
        if kind == "PipeParallel":
            return self._parallel(spec, memory, types, depth)
        if kind == "PipeCondition":
            return self._condition(spec, memory, types, depth, step)
        if kind == "PipeBatch":
            return self._batch(spec, memory, types, depth)
        use = self.models.get((spec.domain, spec.code))
        if use is not None:
            step["model"] = use.resolved.handle
            step["backend"] = use.resolved.backend
            step["model_reference"] = use.reference
        if kind is None:
            step["signature"] = True
        return self.strategy.operate(self, spec, memory)

    def target(self, spec: PipeSpec, reference: str) -> PipeSpec:
        target = self.registry.resolve(reference, spec.domain)
        if not isinstance(target, PipeSpec):  # validation refused these; be safe anyway
            self.fail(spec, f"pipe {reference!r} cannot be run offline")
        return target

    def output_type(self, spec: PipeSpec | None, step: Mapping[str, Any]) -> Value:
        if spec is None or spec.output is None:
            return Value(None, False, False, "run")
        multiple = bool(step.get("multiple_output")) or "nb_output" in step or "batch_over" in step
        return Value(spec.output.concept, spec.output.is_list or multiple, False, spec.code)

    def read(
        self, memory: Mapping[str, Any], types: Mapping[str, Value], path: str
    ) -> tuple[Any, Value]:
        """The value at ``path`` (lists map and flatten) and its static type."""
        root, *segments = path.split(".")
        value = memory.get(root, Absent(f"nothing named {root!r}"))
        base = types.get(root, Value(None, isinstance(value, list), False, root))
        derived = walk_path(base, segments, self.index, path)
        static = derived if isinstance(derived, Value) else Value(None, False, False, path)
        for segment in segments:
            value = field_of(value, segment)
        if isinstance(value, list):
            value = [plain_to_content(static.concept, item) for item in value]
        elif not isinstance(value, Absent):
            value = plain_to_content(static.concept, value)
        if isinstance(value, Absent) and static.is_list:
            value = []
        return value, static

    def _sequence(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        last: Any = None
        value: Any
        for item in spec.table.get("steps", []):
            if "from" in item:
                value, static = self.read(memory, types, item["from"])
                memory[item["result"]], types[item["result"]] = value, static
                self.trace.append(
                    {"binding": item["from"], "result": item["result"], "depth": depth + 1}
                )
                last = value
                continue
            target = self.target(spec, item["pipe"])
            if "batch_over" in item:
                items, static = self.read(memory, types, item["batch_over"])
                item_type = attrs.evolve(static, is_list=False)
                results = []
                for element in items if isinstance(items, list) else []:
                    local = {**memory, item["batch_as"]: element}
                    local_types = {**types, item["batch_as"]: item_type}
                    result = self.walk(target, local, local_types, depth + 1)
                    if not isinstance(result, Absent):
                        results.append(result)
                value = results
            else:
                value = self.walk(target, memory, types, depth + 1)
                if (item.get("multiple_output") or "nb_output" in item) and not isinstance(
                    value, list | Absent
                ):
                    value = [value] * int(item.get("nb_output", 1) or 1)
            if isinstance(item.get("result"), str):
                memory[item["result"]] = value
                types[item["result"]] = self.output_type(target, item)
            last = value
        return last

    def _parallel(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        combined: dict[str, Any] = {}
        exposed: dict[str, Any] = {}
        exposed_types: dict[str, Value] = {}
        for branch in spec.table.get("branches", []):
            target = self.target(spec, branch["pipe"])
            value = self.walk(target, dict(memory), dict(types), depth + 1)
            name = branch.get("result")
            if isinstance(name, str):
                if not isinstance(value, Absent):
                    combined[name] = value
                exposed[name] = value
                exposed_types[name] = self.output_type(target, branch)
        if spec.table.get("add_each_output") is True:
            memory.update(exposed)
            types.update(exposed_types)
        output = spec.output
        fields = self.index.fields_of(output.concept) if output and output.concept else None
        if fields:  # a structured output: each branch result fits its field
            fitted = {name: fit_field(value, fields.get(name)) for name, value in combined.items()}
            return with_defaults(fitted, fields)
        return combined

    def _condition(
        self,
        spec: PipeSpec,
        memory: dict[str, Any],
        types: dict[str, Value],
        depth: int,
        step: dict[str, Any],
    ) -> Any:
        outcomes = spec.table.get("outcomes", {})
        default = spec.table.get("default_outcome")
        chosen = self.strategy.choose(self, spec, memory)
        if chosen is None:
            chosen = default if isinstance(default, str) else "fail"
        step["chosen_outcome"] = chosen
        candidates = [*outcomes.values(), default]
        step["alternatives"] = [c for c in dict.fromkeys(candidates) if c != chosen]
        if chosen == "fail":
            self.fail(spec, 'the condition reached "fail"')
        if chosen == "continue":
            return Absent(f"condition {spec.code!r} continued without running a pipe")
        return self.walk(self.target(spec, chosen), memory, types, depth + 1)

    def _batch(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        target = self.target(spec, spec.table["branch_pipe_code"])
        list_name, item_name = spec.table["input_list_name"], spec.table["input_item_name"]
        items = memory.get(list_name, [])
        item_type = attrs.evolve(types[list_name], is_list=False) if list_name in types else None
        results = []
        for element in items if isinstance(items, list) else []:
            local = {**memory, item_name: element}
            local_types = dict(types)
            if item_type is not None:
                local_types[item_name] = item_type
            result = self.walk(target, local, local_types, depth + 1)
            if not isinstance(result, Absent):
                results.append(result)
        return results


def field_of(value: Any, segment: str) -> Any:
    """One path segment over a run value: lists map and flatten, missing fields are absent."""
    if isinstance(value, Absent):
        return value
    if isinstance(value, list):
        found = []
        for item in value:
            reached = field_of(item, segment)
            if isinstance(reached, list):
                found.extend(reached)
            elif reached is not None and not isinstance(reached, Absent):
                found.append(reached)
        return found
    if isinstance(value, dict):
        reached = value.get(segment)
        return Absent(f"{segment!r} holds nothing") if reached is None else reached
    return Absent(f"{segment!r} cannot be read from a {type(value).__name__}")
