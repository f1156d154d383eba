"""PipeSequence: a working memory that grows step by step, and the binding steps that name paths.

The memory starts with the sequence's inputs; each pipe step reads from it and stores its
result, each binding step (``{ from = "a.b", result = "c" }``) stores what a path reaches; the
last step's value must be what the sequence declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, UNTYPED, FlowContext
from pipelex_core.bundles.flow_steps import pipe_step
from pipelex_core.bundles.flow_values import adequate, walk
from pipelex_core.bundles.memory import PATH, Value
from pipelex_core.bundles.pipe_specs import BOUND_PREFIX, PipeSpec, input_name_error
from pipelex_core.bundles.refs import SNAKE

BINDING_FIELDS = frozenset({"from", "result"})


def check_sequence(ctx: FlowContext, spec: PipeSpec) -> None:
    """Each step in order against the growing memory, then the last value against the output."""
    steps = spec.table.get("steps")
    if not isinstance(steps, list) or not steps:
        ctx.report(spec, "pipe_field_missing", "a PipeSequence needs a non-empty `steps` list")
        return
    memory = ctx.memory(spec, "sequence")
    last: Value | None = None
    for number, step in enumerate(steps, start=1):
        where = f"step {number}"
        if not isinstance(step, dict):
            ctx.report(spec, "binding_step_invalid", f"{where} must be a table")
            last = None
            continue
        if "from" in step:
            last = binding_step(ctx, spec, step, memory, where)
        elif "pipe" in step:
            last = pipe_step(ctx, spec, step, memory, where, "sequence")
        else:
            ctx.report(
                spec,
                "binding_step_invalid",
                f"{where} carries neither `pipe` (a pipe step) nor `from` (a binding step)",
            )
            last = None
    if last is not None:
        adequate(ctx, spec, last, "its last step")


def binding_step(
    ctx: FlowContext, spec: PipeSpec, step: Mapping[str, Any], memory: dict[str, Value], where: str
) -> Value | None:
    """Store what a binding step's path reaches under its result; None once reported."""
    faults = []
    if "pipe" in step:
        faults.append("carries both `pipe` and `from`: a step either runs a pipe or binds")
    extra = sorted(set(step) - BINDING_FIELDS - {"pipe"})
    if extra:
        faults.append(
            f"carries {', '.join(extra)}, which only a pipe step has: a binding step is "
            "{ from, result } only"
        )
    path, result = step.get("from"), step.get("result")
    if not isinstance(path, str) or not PATH.match(path):
        faults.append(
            f"`from` {path!r} is not a path: names of letters, digits and underscores "
            "joined by single dots, no subscripts or spaces"
        )
    if result is None:
        faults.append("has no `result`: name the bound value")
    elif isinstance(result, str) and result.startswith(BOUND_PREFIX):  # before the grammar,
        # which the prefix's leading underscore fails: the reserved name is the fault to name
        ctx.report(spec, "invalid_input_name", f"{where}: {input_name_error(result)}")
        memory[result] = UNTYPED
        return None
    elif not isinstance(result, str) or not SNAKE.match(result):
        faults.append(f"`result` {result!r} is not a plain snake_case name")
    if faults:
        ctx.report(spec, "binding_step_invalid", f"{where} (binding): " + "; ".join(faults))
        memory[result if isinstance(result, str) else UNKNOWN_NAMES] = UNTYPED
        if isinstance(result, str) and not SNAKE.match(result):
            memory[UNKNOWN_NAMES] = UNTYPED
        return None
    assert isinstance(path, str)
    assert isinstance(result, str)
    value = walk(ctx, spec, path, memory, where, "sequence")
    if value is None:
        memory[result] = UNTYPED  # reported once, here: later reads are not reported again
        return None
    value = attrs.evolve(value, origin=f'binding step {{ from = "{path}", result = "{result}" }}')
    memory[result] = value
    return value
