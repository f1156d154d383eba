"""Walk the pipes from a start pipe without inference: placeholder outputs and a trace.

Controllers are followed as they would run: a sequence in order, every parallel branch,
a batch's branch once (its output a one-item list), and a condition's ``default_outcome``
(else its first outcome that is a pipe), the alternatives noted in the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pipelex_core.bundles.check import (
    CONTROLLERS,
    RESERVED_OUTCOMES,
    CheckedLibrary,
    ModelUse,
    controller_targets,
)
from pipelex_core.bundles.concepts import sample_value
from pipelex_core.bundles.library import Pipe


@attrs.frozen
class DryRun:
    pipe: str
    inputs: Mapping[str, Any]
    output: Any
    trace: tuple[Mapping[str, Any], ...]


def dry_run(checked: CheckedLibrary, start: Pipe, inputs: Mapping[str, Any]) -> DryRun:
    walker = _Walker(checked)
    memory = dict(inputs)
    output = walker.walk(start, memory, depth=0)
    return DryRun(pipe=start.code, inputs=dict(inputs), output=output, trace=tuple(walker.trace))


class _Walker:
    def __init__(self, checked: CheckedLibrary) -> None:
        self.pipes = checked.pipes
        self.concepts = checked.library.concepts
        self.models: dict[str, ModelUse] = {use.pipe.code: use for use in checked.model_uses}
        self.trace: list[dict[str, Any]] = []

    def walk(self, pipe: Pipe, memory: dict[str, Any], depth: int) -> Any:
        step: dict[str, Any] = {"pipe": pipe.code, "type": pipe.type, "depth": depth}
        self.trace.append(step)
        if pipe.type not in CONTROLLERS:
            use = self.models.get(pipe.code)
            if use is not None:
                step["model"] = use.resolved.handle
                step["backend"] = use.resolved.backend
                step["model_reference"] = use.reference
            missing = [name for name in pipe.inputs if name not in memory]
            if missing:
                step["unbound_inputs"] = missing
            step["output_concept"] = pipe.output or "Text"
            return sample_value(
                pipe.output or "Text", self.concepts, f"dry-run output of {pipe.code}"
            )
        if pipe.type == "PipeCondition":
            return self._condition(pipe, memory, depth, step)
        if pipe.type == "PipeBatch":
            return [self.walk(self.pipes[controller_targets(pipe)[0]], memory, depth + 1)]
        items = pipe.table.get("steps" if pipe.type == "PipeSequence" else "branches", [])
        results: dict[str, Any] = {}
        last: Any = None
        for item in items:
            target = self.pipes[item["pipe"]]
            last = self.walk(target, memory, depth + 1)
            name = item.get("result") if isinstance(item.get("result"), str) else target.code
            memory[name] = last
            results[name] = last
        return last if pipe.type == "PipeSequence" else results

    def _condition(
        self, pipe: Pipe, memory: dict[str, Any], depth: int, step: dict[str, Any]
    ) -> Any:
        default = pipe.table.get("default_outcome")
        candidates = controller_targets(pipe)
        chosen = default if isinstance(default, str) and default not in RESERVED_OUTCOMES else None
        chosen = chosen or (candidates[0] if candidates else None)
        step["chosen_outcome"] = chosen
        step["alternatives"] = [c for c in dict.fromkeys(candidates) if c != chosen]
        if chosen is None:
            return None
        return self.walk(self.pipes[chosen], memory, depth + 1)
