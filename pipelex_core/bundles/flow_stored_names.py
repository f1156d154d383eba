"""What running a pipe leaves in its caller's working memory besides its output.

A module of its own because it is not a check: it reads the tables of nested controllers
(sequences, conditions, parallels with ``add_each_output``) and reports nothing, since each
of them is checked where it is defined. Pipe steps use it to grow their caller's memory.
"""

from __future__ import annotations

from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, UNTYPED, FlowContext
from pipelex_core.bundles.flow_targets import SPECIAL_OUTCOMES
from pipelex_core.bundles.flow_values import output_value
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.pipe_specs import PipeSpec

#: How deep nested sequences are followed for what they store in their caller's memory.
MAX_NESTING = 64


def stored_names(ctx: FlowContext, target: PipeSpec) -> dict[str, Value]:
    """What running ``target`` leaves in its caller's working memory besides its output.

    A nested sequence's steps and a condition's outcome store into the caller's memory, and
    a PipeParallel with ``add_each_output`` stores each branch result under its name.
    Computed once per pipe (a chain of sequences calling each other twice stays linear);
    a pipe reached again while its own names are being worked out (a cycle, reported
    elsewhere) or nested too deep stores unknown names, so later reads are not reported.
    """
    key = (target.domain, target.code)
    if key in ctx.stored:
        return ctx.stored[key]
    if key in ctx.storing or len(ctx.storing) > MAX_NESTING:
        return {UNKNOWN_NAMES: UNTYPED}
    ctx.storing.add(key)
    try:
        stored = _stored_by(ctx, target)
    finally:
        ctx.storing.discard(key)
    ctx.stored[key] = stored
    return stored


def _stored_by(ctx: FlowContext, target: PipeSpec) -> dict[str, Value]:
    if target.type == "PipeParallel":
        if target.table.get("add_each_output") is True:
            return branch_values(ctx, target)
        return {}
    stored: dict[str, Value] = {}
    if target.type == "PipeCondition":
        alias = target.table.get("add_alias_from_expression_to")
        if isinstance(alias, str):
            stored[alias] = Value("native.Text", False, False, f"the expression of {target.code!r}")
        outcomes = target.table.get("outcomes")
        references = list(outcomes.values()) if isinstance(outcomes, dict) else []
        references.append(target.table.get("default_outcome"))
        for reference in references:
            if not isinstance(reference, str) or reference in SPECIAL_OUTCOMES:
                continue
            inner = ctx.registry.resolve(reference, target.domain)
            if isinstance(inner, PipeSpec):
                stored.update(stored_names(ctx, inner))
        return stored
    if target.type != "PipeSequence":
        return {}
    steps = target.table.get("steps")
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        result = step.get("result")
        if "from" in step:
            if isinstance(result, str):
                stored[result] = UNTYPED  # its type was checked where it binds
            continue
        inner = ctx.registry.resolve(str(step.get("pipe")), target.domain)
        if not isinstance(inner, PipeSpec):
            # reported where the step is: what it would store is unknown
            stored[UNKNOWN_NAMES] = UNTYPED
            continue
        if not step.get("batch_over"):
            stored.update(stored_names(ctx, inner))
        if isinstance(result, str):
            origin = f"step result {result!r} of {target.code!r}"
            stored[result] = output_value(inner, step, origin, False)
    return stored


def branch_values(ctx: FlowContext, parallel: PipeSpec) -> dict[str, Value]:
    """What a PipeParallel with ``add_each_output`` adds to its caller's working memory."""
    values: dict[str, Value] = {}
    branches = parallel.table.get("branches")
    for branch in branches if isinstance(branches, list) else []:
        if not isinstance(branch, dict) or not isinstance(branch.get("result"), str):
            continue
        target = ctx.registry.resolve(str(branch.get("pipe")), parallel.domain)
        origin = f"branch {branch['result']!r} of {parallel.code!r}"
        values[branch["result"]] = output_value(target, branch, origin, False)
    return values
