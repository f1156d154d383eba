"""Run a method without inference: every controller and binding for real, mocks for operators.

Working memory holds content-form values. Binding steps read their paths in the values the
run holds (mapping over lists); batches run their branch once per item; a condition takes its
``default_outcome`` (else its first outcome that runs a pipe) and the trace names the others;
an absent value skips the pipes that take it plainly, as Pipelex does. Operators that would call
a model (and PipeCompose and PipeFunc, for now) produce a placeholder of their output concept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import attrs

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.memory import PathError, Value, walk_path
from pipelex_core.bundles.model_uses import ModelUse
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.refs import Presence
from pipelex_core.bundles.samples import content_sample, plain_to_content
from pipelex_core.errors import BundleValidationError

SPECIAL_OUTCOMES = frozenset({"continue", "fail"})


class DryRunError(BundleValidationError):
    """A valid method whose dry run cannot complete; ``problems`` say where and why."""


@attrs.frozen
class Absent:
    """A recorded absence: the value a skipped pipe or an empty path leaves."""

    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"absent": True, "reason": self.reason}


@attrs.frozen
class DryRun:
    pipe: str
    inputs: Mapping[str, Any]
    output: Any
    trace: tuple[Mapping[str, Any], ...]


def dry_run(checked: CheckedLibrary, start: PipeSpec, inputs: Mapping[str, Any]) -> DryRun:
    walker = _Walker(checked)
    memory: dict[str, Any] = {
        name: inputs.get(name, Absent("not provided")) for name in start.inputs
    }
    types = {name: Value.of_slot(slot, name) for name, slot in start.inputs.items()}
    try:
        output = walker.walk(start, memory, types, depth=0)
    except RecursionError:
        walker.fail(start, "dry_run_failed", "the method nests pipes too deeply to walk")
    return DryRun(
        pipe=start.code, inputs=dict(inputs), output=render(output), trace=tuple(walker.trace)
    )


def render(value: Any) -> Any:
    """A value as Pipelex prints an output: a list as ``{"items": […]}``, an absence as such."""
    if isinstance(value, Absent):
        return value.as_dict()
    if isinstance(value, list):
        return {"items": [render(item) for item in value]}
    return value


class _Walker:
    def __init__(self, checked: CheckedLibrary) -> None:
        self.checked = checked
        self.index = checked.index
        self.registry = checked.registry
        self.models: dict[str, ModelUse] = {}
        for use in checked.model_uses:
            self.models.setdefault(use.pipe.code, use)
        self.trace: list[dict[str, Any]] = []
        #: branch results a PipeParallel with add_each_output hands to its caller
        self.exposed: dict[str, tuple[Any, Value]] = {}

    def fail(self, spec: PipeSpec, code: str, message: str) -> NoReturn:
        problem = {"file": spec.file, "pipe": spec.code, "code": code, "message": message}
        raise DryRunError(
            f"The dry run cannot complete: pipe {spec.code!r}: {message}",
            "Fix the method or its inputs; `pipelex validate` checks everything static.",
            problems=[problem],
        )

    def walk(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        step: dict[str, Any] = {"pipe": spec.code, "type": spec.type or "signature", "depth": depth}
        self.trace.append(step)
        for name, slot in spec.inputs.items():
            value = memory.get(name, Absent(f"nothing named {name!r} in working memory"))
            if not isinstance(value, Absent):
                continue
            if slot.presence is Presence.FORCE:
                self.fail(
                    spec, "dry_run_failed", f"forced input {name!r} is absent ({value.reason})"
                )
            if slot.presence is Presence.PLAIN:
                step["skipped"] = f"input {name!r} is absent ({value.reason})"
                return self._absent_output(spec, f"pipe {spec.code!r} was skipped")
        kind = spec.type
        if kind == "PipeSequence":
            return self._sequence(spec, dict(memory), dict(types), depth)
        if kind == "PipeParallel":
            return self._parallel(spec, memory, types, depth)
        if kind == "PipeCondition":
            return self._condition(spec, memory, types, depth, step)
        if kind == "PipeBatch":
            return self._batch(spec, memory, types, depth)
        use = self.models.get(spec.code)
        if use is not None:
            step["model"] = use.resolved.handle
            step["backend"] = use.resolved.backend
            step["model_reference"] = use.reference
        if kind is None:
            step["signature"] = True
        return self._placeholder(spec)

    def _placeholder(self, spec: PipeSpec) -> Any:
        output = spec.output
        if output is None:
            return None
        one = content_sample(self.index, output.concept, f"dry-run output of {spec.code}")
        if output.is_list:
            return [one] * (output.ref.count or 1)
        return one

    def _absent_output(self, spec: PipeSpec, reason: str) -> Any:
        output = spec.output
        return [] if output is not None and output.is_list else Absent(reason)

    def _output_type(self, spec: PipeSpec | None, step: Mapping[str, Any]) -> Value:
        if spec is None or spec.output is None:
            return Value(None, False, False, "dry run")
        multiple = bool(step.get("multiple_output")) or "nb_output" in step or "batch_over" in step
        return Value(spec.output.concept, spec.output.is_list or multiple, False, spec.code)

    def _target(self, spec: PipeSpec, reference: str) -> PipeSpec:
        target = self.registry.resolve(reference, spec.domain)
        if not isinstance(target, PipeSpec):  # validation refused these; be safe anyway
            self.fail(spec, "dry_run_failed", f"pipe {reference!r} cannot be run offline")
        return target

    def _read(
        self, memory: Mapping[str, Any], types: Mapping[str, Value], path: str
    ) -> tuple[Any, Value]:
        root, *segments = path.split(".")
        value = memory.get(root, Absent(f"nothing named {root!r}"))
        base = types.get(root, Value(None, isinstance(value, list), False, root))
        derived = walk_path(base, segments, self.index, path)
        static = derived if isinstance(derived, Value) else Value(None, False, False, path)
        for segment in segments:
            value = _field(value, segment)
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
                value, static = self._read(memory, types, item["from"])
                memory[item["result"]], types[item["result"]] = value, static
                self.trace.append(
                    {"binding": item["from"], "result": item["result"], "depth": depth + 1}
                )
                last = value
                continue
            target = self._target(spec, item["pipe"])
            if "batch_over" in item:
                items, static = self._read(memory, types, item["batch_over"])
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
                self.exposed = {}
                value = self.walk(target, memory, types, depth + 1)
                for name, (branch_value, branch_type) in self.exposed.items():
                    memory[name], types[name] = branch_value, branch_type
                self.exposed = {}
                if (item.get("multiple_output") or "nb_output" in item) and not isinstance(
                    value, list | Absent
                ):
                    value = [value] * int(item.get("nb_output", 1) or 1)
            if isinstance(item.get("result"), str):
                memory[item["result"]] = value
                types[item["result"]] = self._output_type(target, item)
            last = value
        return last

    def _parallel(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        combined: dict[str, Any] = {}
        exposed: dict[str, tuple[Any, Value]] = {}
        for branch in spec.table.get("branches", []):
            target = self._target(spec, branch["pipe"])
            value = self.walk(target, dict(memory), dict(types), depth + 1)
            name = branch.get("result")
            if isinstance(name, str):
                if not isinstance(value, Absent):
                    combined[name] = value
                exposed[name] = (value, self._output_type(target, branch))
        if spec.table.get("add_each_output") is True:
            self.exposed = exposed
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
        candidates = [*outcomes.values(), default]
        pipes = [c for c in candidates if isinstance(c, str) and c not in SPECIAL_OUTCOMES]
        if isinstance(default, str) and default not in SPECIAL_OUTCOMES:
            chosen: str | None = default
        else:
            chosen = pipes[0] if pipes else None
        step["chosen_outcome"] = chosen or default
        step["alternatives"] = [c for c in dict.fromkeys(candidates) if c != step["chosen_outcome"]]
        if chosen is None:
            if default == "fail":
                self.fail(spec, "dry_run_failed", 'every outcome of the condition is "fail"')
            return Absent(f"condition {spec.code!r} continued without running a pipe")
        return self.walk(self._target(spec, chosen), memory, types, depth + 1)

    def _batch(
        self, spec: PipeSpec, memory: dict[str, Any], types: dict[str, Value], depth: int
    ) -> Any:
        target = self._target(spec, spec.table["branch_pipe_code"])
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


def _field(value: Any, segment: str) -> Any:
    """One path segment over a run value: lists map and flatten, missing fields are absent."""
    if isinstance(value, Absent):
        return value
    if isinstance(value, list):
        found = []
        for item in value:
            reached = _field(item, segment)
            if isinstance(reached, list):
                found.extend(reached)
            elif reached is not None and not isinstance(reached, Absent):
                found.append(reached)
        return found
    if isinstance(value, dict):
        reached = value.get(segment)
        return Absent(f"{segment!r} holds nothing") if reached is None else reached
    return Absent(f"{segment!r} cannot be read from a {type(value).__name__}")


__all__ = ["Absent", "DryRun", "DryRunError", "PathError", "dry_run", "render"]
