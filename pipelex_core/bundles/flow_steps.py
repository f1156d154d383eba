"""A pipe step, as a sequence's steps and a parallel's branches share it.

A step names the pipe it runs, may store its result under a name, may ask for several outputs,
and may batch the pipe over a list in memory (``batch_over`` / ``batch_as``, a name or, in a
sequence, a dotted path). Running it also leaves in memory what the pipe stores in its caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, UNTYPED, FlowContext
from pipelex_core.bundles.flow_stored_names import stored_names
from pipelex_core.bundles.flow_values import feed, output_value, walk
from pipelex_core.bundles.memory import PATH, Value
from pipelex_core.bundles.pipe_specs import BOUND_PREFIX, PipeSpec, input_name_error

PIPE_STEP_FIELDS = frozenset(
    {"pipe", "result", "nb_output", "multiple_output", "batch_over", "batch_as"}
)


def pipe_step(
    ctx: FlowContext,
    spec: PipeSpec,
    step: Mapping[str, Any],
    memory: dict[str, Value],
    where: str,
    owner: str,
) -> Value | None:
    """Check a pipe step (or a branch), store what it leaves in ``memory``, return its value."""
    in_parallel = owner == "parallel"
    extra = sorted(set(step) - PIPE_STEP_FIELDS)
    if extra:
        hint = (
            "steps have no `inputs`: each step sees the working memory by name"
            if "inputs" in extra
            else "a pipe step takes pipe, result, nb_output, multiple_output, batch_over, batch_as"
        )
        ctx.report(
            spec,
            "binding_step_invalid",
            f"{where}: unknown field(s) {', '.join(extra)}: {hint}",
        )
    nb_output = step.get("nb_output")
    if nb_output is not None and (
        isinstance(nb_output, bool) or not isinstance(nb_output, int) or nb_output < 1
    ):
        ctx.report(spec, "pipe_field_invalid", f"{where}: `nb_output` is a whole number >= 1")
    if "multiple_output" in step and not isinstance(step["multiple_output"], bool):
        ctx.report(spec, "pipe_field_invalid", f"{where}: `multiple_output` is true or false")
    if "nb_output" in step and "multiple_output" in step:
        ctx.report(
            spec,
            "pipe_field_conflict",
            f"{where}: `nb_output` and `multiple_output` are exclusive",
        )
    result = step.get("result")
    if result is not None:
        error = input_name_error(result) if isinstance(result, str) else "not a string"
        if error is not None:
            ctx.report(
                spec,
                "invalid_input_name",
                f"{where}: `result` names what the step stores, a plain input name: {error}",
            )
            memory[UNKNOWN_NAMES] = UNTYPED
            result = None
    target = ctx.target(spec, step.get("pipe"), f"{where}")
    if not isinstance(target, PipeSpec):
        # reported above: what it would have stored is unknown, so later reads are not
        memory[UNKNOWN_NAMES] = UNTYPED
    local = dict(memory)
    batch_over, batch_as = step.get("batch_over"), step.get("batch_as")
    batch_ok = True
    if (batch_over is None) != (batch_as is None):
        ctx.report(
            spec,
            "pipe_field_missing",
            f"{where}: `batch_over` and `batch_as` go together (the list, and the name of "
            "each item): "
            + (
                "add `batch_over` naming the list to batch over"
                if batch_over is None
                else "add `batch_as` naming each item, as the pipe's input reads it"
            ),
        )
        batch_ok = False
    elif batch_over is not None:
        item = batch_item(ctx, spec, batch_over, batch_as, memory, where, owner, in_parallel)
        batch_ok = item is not None
        if item is not None and isinstance(batch_as, str):
            local[batch_as] = item
    lifted = False
    if isinstance(target, PipeSpec) and batch_ok:
        lifted = feed(ctx, spec, target, local, where, owner)
    value = output_value(target, step, f"{where} (pipe {step.get('pipe')!r})", lifted)
    if isinstance(result, str):
        memory[result] = value
    if isinstance(target, PipeSpec) and not batch_over:
        memory.update(stored_names(ctx, target))
        if isinstance(result, str):
            memory[result] = value
    return value


def batch_item(
    ctx: FlowContext,
    spec: PipeSpec,
    batch_over: Any,
    batch_as: Any,
    memory: Mapping[str, Value],
    where: str,
    owner: str,
    in_parallel: bool,
) -> Value | None:
    """The value each item of an inline batch holds; None once reported."""
    if not isinstance(batch_as, str):
        ctx.report(spec, "binding_step_invalid", f"{where}: `batch_as` {batch_as!r} is not a name")
        return None
    name_error = input_name_error(batch_as)
    if name_error is not None:  # batch_as is a stored name, held to the input-name grammar
        ctx.report(
            spec,
            "invalid_input_name",
            f"{where}: `batch_as` names what each item is stored under, a plain input name: "
            + (name_error if batch_as.startswith(BOUND_PREFIX) else f"{batch_as!r} is not one")
            + " (snake_case, [a-z][a-z0-9_]*): rename it, with the input that reads it",
        )
        return None
    if isinstance(batch_over, str) and batch_over.startswith(BOUND_PREFIX):  # before the path
        # grammar, which the prefix's leading underscore fails: the reserved name is the fault
        ctx.report(spec, "invalid_input_name", f"{where}: {input_name_error(batch_over)}")
        return None
    if not isinstance(batch_over, str) or not PATH.match(batch_over):
        ctx.report(
            spec,
            "binding_step_invalid",
            f"{where}: `batch_over` {batch_over!r} is not a name or a path",
        )
        return None
    if batch_as == batch_over:
        ctx.report(
            spec,
            "batch_item_name_collision",
            f"{where}: `batch_as` and `batch_over` are both {batch_as!r}: name the item in "
            "the singular and the list in the plural",
        )
        return None
    if batch_as in spec.declared:
        ctx.report(
            spec,
            "batch_item_name_collision",
            f"{where}: `batch_as` {batch_as!r} is also an input of the {owner}: each item "
            "would hide it; name the item after the list's items instead",
        )
        return None
    if "." in batch_over and in_parallel:
        ctx.report(
            spec,
            "binding_step_invalid",
            f"{where}: a PipeParallel branch cannot batch over the dotted path "
            f"{batch_over!r}: only a sequence's steps bind. Bind it in a sequence step "
            "before the parallel, and batch over the bound name",
        )
        return None
    value = walk(ctx, spec, batch_over, memory, where, owner)
    if value is None:
        return None
    if not value.is_list and value.concept is not None:
        ctx.report(
            spec,
            "input_stuff_spec_mismatch",
            f"{where}: `batch_over` {batch_over!r} holds a single "
            f"{value.describe(ctx.index)}, not a list: batch over a list",
        )
        return None
    return Value(value.concept, False, False, f"item {batch_as!r} of {batch_over!r}")
