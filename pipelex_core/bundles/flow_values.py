"""Values in working memory meeting what pipes take and what controllers declare.

Every controller reads values the same way: a path walked from a name in memory, a called
pipe's inputs fed from memory (concept, count, multiplicity), the value a step leaves behind,
and that value held against the controller's declared output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, FlowContext
from pipelex_core.bundles.memory import PathError, Value, walk_path
from pipelex_core.bundles.pipe_specs import PipeSpec, Slot
from pipelex_core.bundles.refs import Presence
from pipelex_core.bundles.registry import External


def walk(
    ctx: FlowContext, spec: PipeSpec, path: str, memory: Mapping[str, Value], where: str, owner: str
) -> Value | None:
    """What ``path`` reaches in ``memory``; None once reported."""
    root, *segments = path.split(".")
    base = memory.get(root, memory.get(UNKNOWN_NAMES))
    ctx.mark(root, base)
    if base is None:
        ctx.report(
            spec,
            "missing_input_variable",
            f"{where}: path {path!r} starts at {root!r}, which nothing in working memory "
            f"holds: declare {root!r} in the {owner}'s `inputs`, or store it in an "
            "earlier step",
        )
        return None
    walked = walk_path(base, segments, ctx.index, path)
    if isinstance(walked, PathError):
        ctx.report(spec, "binding_path_unresolved", f"{where}: path {path!r}: {walked.message}")
        return None
    return walked


def feed(
    ctx: FlowContext,
    spec: PipeSpec,
    target: PipeSpec,
    memory: Mapping[str, Value],
    where: str,
    owner: str,
) -> bool:
    """Check ``target``'s inputs against ``memory``; True when a plain input may be absent."""
    lifted = False
    for name, slot in target.inputs.items():
        value = memory.get(name, memory.get(UNKNOWN_NAMES))
        ctx.mark(name, value)
        if value is None and slot.ref.optional:
            continue  # an optional input nothing provides is absent, which it accepts
        if value is None:
            ctx.report(
                spec,
                "missing_input_variable",
                f"{where}: pipe {target.code!r} needs input {name!r} ({slot}), which "
                f"nothing in working memory provides: declare {name!r} in the {owner}'s "
                "`inputs`, produce it in an earlier step (result = "
                f'"{name}"), or bind it ({{ from = "…", result = "{name}" }})',
            )
            continue
        compatible(ctx, spec, value, slot, f"{where}: input {name!r} of pipe {target.code!r}")
        if value.maybe_absent and slot.presence is Presence.PLAIN:
            lifted = True
    return lifted


def compatible(ctx: FlowContext, spec: PipeSpec, value: Value, slot: Slot, where: str) -> None:
    """``value`` must suit ``slot``: concept, then fixed count, then multiplicity."""
    if value.concept is None:
        return  # untyped: nothing to check before the run
    if slot.concept is not None and not ctx.index.is_a(value.concept, slot.concept):
        ctx.report(
            spec,
            "input_stuff_spec_mismatch",
            f"{where} expects {slot.ref.bare} but receives {value.describe(ctx.index)} "
            f"({value.origin}): hand it a {slot.ref.bare} (or a concept refining it), "
            "or change the input's concept",
        )
        return
    if value.count is not None and slot.ref.count is not None and value.count != slot.ref.count:
        ctx.report(
            spec,
            "input_stuff_spec_mismatch",
            f"{where} expects exactly {slot.ref.count} items ({slot}) but receives "
            f"{value.count} ({value.origin})",
        )
        return
    if value.is_list != slot.is_list:
        wanted = "a list" if slot.is_list else "a single value"
        got = "a list" if value.is_list else "a single value"
        ctx.report(
            spec,
            "input_stuff_spec_mismatch",
            f"{where} expects {wanted} ({slot}) but receives {got} "
            f"({value.describe(ctx.index)}, {value.origin}): match the multiplicity, or "
            "batch over the list",
        )


def adequate(ctx: FlowContext, spec: PipeSpec, value: Value, what: str) -> None:
    """The controller's declared output must be adequate for ``value``."""
    output = spec.output
    if output is None or output.concept is None:
        return
    if value.concept is not None and not ctx.index.is_a(value.concept, output.concept):
        ctx.report(
            spec,
            "inadequate_output_concept",
            f"declares output {output.ref.bare} but {what} produces "
            f"{value.describe(ctx.index)}: declare output = "
            f'"{value.describe(ctx.index)}", or make {what} produce a {output.ref.bare}',
        )
        return
    if (
        value.is_list != output.is_list
        and output.concept != "native.Anything"  # Anything stands for differing outcomes
        and value.concept is not None
    ):
        ctx.report(
            spec,
            "inadequate_output_multiplicity",
            f"declares output {output} but {what} produces "
            f"{'a list' if value.is_list else 'a single value'} "
            f"({value.describe(ctx.index)}): "
            + ("add `[]` to the output" if value.is_list else "remove `[]` from the output"),
        )
        return
    if value.count is not None and output.ref.count is not None and value.count != output.ref.count:
        ctx.report(
            spec,
            "inadequate_output_multiplicity",
            f"declares output {output} but {what} produces exactly {value.count} items: "
            f'declare output = "{output.ref.bare}[{value.count}]"',
        )
        return
    if value.maybe_absent and not output.ref.optional:
        ctx.report(
            spec,
            "optional_not_handled",
            f"{what} may be absent ({value.origin}) but the output {output} is not "
            f'optional: declare output = "{output.ref.bare}?", read it through an '
            "optional input with a guard, or mark the field it comes from `required`",
        )


def output_value(
    target: PipeSpec | External | None, step: Mapping[str, Any], origin: str, lifted: bool
) -> Value:
    """What a step running ``target`` produces, shaped by its output and batch fields.

    A step with only one of ``batch_over`` and ``batch_as`` (already reported) is still a
    batch: it makes a list, so the outputs that read it are not reported a second time.
    """
    batched = bool(step.get("batch_over") or step.get("batch_as"))
    if not isinstance(target, PipeSpec) or target.output is None:
        return Value(None, batched, False, origin)
    output = target.output
    is_list = output.is_list or bool(step.get("multiple_output")) or "nb_output" in step
    count = output.ref.count
    if isinstance(step.get("nb_output"), int):
        count = step["nb_output"]
    elif step.get("multiple_output"):
        count = None
    if batched:
        is_list, count = True, None
    absent = (output.ref.optional or lifted) and not is_list
    return Value(output.concept, is_list, absent, origin, count)
