"""PipeParallel: branches that each read the same memory, combined into one output.

Each branch is a pipe step on a copy of the parallel's inputs; their results must be unique
names, and the declared output must be a concept with a field per result (or Composite).
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.flow_context import FlowContext
from pipelex_core.bundles.flow_steps import pipe_step
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.natives import NATIVE_DOMAIN
from pipelex_core.bundles.pipe_specs import PipeSpec


def check_parallel(ctx: FlowContext, spec: PipeSpec) -> None:
    """Each branch on its own copy of the inputs, then the results against the output."""
    branches = spec.table.get("branches")
    if not isinstance(branches, list) or not branches:
        ctx.report(spec, "pipe_field_missing", "a PipeParallel needs a non-empty `branches` list")
        return
    memory = ctx.memory(spec, "parallel")
    produced: dict[str, Value] = {}
    for number, branch in enumerate(branches, start=1):
        where = f"branch {number}"
        if not isinstance(branch, dict):
            ctx.report(spec, "binding_step_invalid", f"{where} must be a table")
            continue
        if "from" in branch:
            ctx.report(
                spec,
                "binding_step_invalid",
                f"{where} is a binding step, but only a sequence's steps bind: bind the "
                "value in a sequence step before the PipeParallel, and have the branch read "
                "that name",
            )
            continue
        if "pipe" not in branch:
            ctx.report(spec, "pipe_field_missing", f"{where} needs the `pipe` it runs")
            continue
        value = pipe_step(ctx, spec, branch, dict(memory), where, "parallel")
        result = branch.get("result")
        if isinstance(result, str) and result in produced:
            ctx.report(
                spec,
                "pipe_field_invalid",
                f"{where}: another branch already stores its result as {result!r}: each "
                "branch's result name is unique within the PipeParallel",
            )
        if value is not None and isinstance(result, str):
            produced[result] = value
    _parallel_output(ctx, spec, produced)


def _parallel_output(ctx: FlowContext, spec: PipeSpec, produced: Mapping[str, Value]) -> None:
    """The output must be one value with a field for each branch result."""
    output = spec.output
    if output is None or output.concept is None:
        return
    if output.is_list:
        ctx.report(
            spec,
            "inadequate_output_multiplicity",
            f"a PipeParallel combines its branches into one value: output {output} takes "
            "no brackets",
        )
        return
    fields, why_not = _combination_fields(ctx, output.concept)
    if why_not is not None:
        ctx.report(
            spec,
            "inadequate_output_concept",
            f"a PipeParallel combines its branches into its output, and "
            f'{output.ref.bare} {why_not}: declare output = "Composite", or a concept '
            "whose structure has a field per branch result",
        )
        return
    if fields is None:
        return
    for name in produced:
        if name not in fields:
            known = ", ".join(repr(f) for f in fields)
            ctx.report(
                spec,
                "inadequate_output_concept",
                f"branch result {name!r} is not a field of {output.ref.bare} (its fields: "
                f"{known}): name each branch's result after the field it fills",
            )
    for name, field in fields.items():
        value = produced.get(name)
        if value is None:
            if field.required:
                ctx.report(
                    spec,
                    "inadequate_output_concept",
                    f"output {output.ref.bare} has a required field {name!r} that no "
                    f'branch produces: add a branch with result = "{name}"',
                )
            continue
        wanted, wanted_list = field.value_concept()
        if (
            value.concept is not None
            and wanted is not None
            and not ctx.index.is_a(value.concept, wanted)
        ) or (value.concept is not None and wanted is not None and value.is_list != wanted_list):
            ctx.report(
                spec,
                "inadequate_output_concept",
                f"branch result {name!r} produces {value.describe(ctx.index)} but field "
                f"{name!r} of {output.ref.bare} holds "
                f"{ctx.index.display(wanted)}{'[]' if wanted_list else ''}",
            )
        elif value.maybe_absent and field.required:
            ctx.report(
                spec,
                "optional_branch_required_field",
                f"branch result {name!r} may be absent ({value.origin}) but field {name!r} "
                f"of {output.ref.bare} is required: make the field optional, or make the "
                "branch always produce a value",
            )


def _combination_fields(
    ctx: FlowContext, key: str
) -> tuple[Mapping[str, Field] | None, str | None]:
    """The fields a parallel combines into (None: untyped, anything goes), or why ``key``
    cannot hold a combination: a native other than Composite (scalars, Anything, Dynamic),
    or a concept with no structure of its own or inherited."""
    for ancestor in ctx.index.lineage(key):
        concept = ctx.index.get(ancestor)
        if concept is None or concept.external:
            return None, None  # reported where it is referenced, or checked by its package
        if concept.native:
            if concept.key == f"{NATIVE_DOMAIN}.Composite":
                return None, None
            native = "a native concept that holds no named results"
            if ancestor == key:
                return None, f"is {native}"
            return None, f"refines {ctx.index.display(ancestor)}, {native}"
        if concept.fields is not None:
            return concept.fields, None
    return None, "has no structure"
