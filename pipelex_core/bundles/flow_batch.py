"""PipeBatch: one branch pipe mapped over a declared list input, item by item.

The list must be a declared list input, the item a fresh name; the branch pipe reads the item
and the batch's other inputs, and the batch outputs the list of its single results.
"""

from __future__ import annotations

from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, UNTYPED, FlowContext
from pipelex_core.bundles.flow_values import feed, output_value
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.pipe_specs import PipeSpec, input_name_error


def check_batch(ctx: FlowContext, spec: PipeSpec) -> None:
    """The list and item names, then the branch pipe against the item and the output."""
    table = spec.table
    missing = [
        name
        for name in ("branch_pipe_code", "input_list_name", "input_item_name")
        if name not in table
    ]
    if missing:
        ctx.report(spec, "pipe_field_missing", f"a PipeBatch needs {', '.join(missing)}")
    list_name, item_name = table.get("input_list_name"), table.get("input_item_name")
    item: Value | None = UNTYPED
    for field, name in (("input_list_name", list_name), ("input_item_name", item_name)):
        if name is not None and not isinstance(name, str):
            ctx.report(spec, "pipe_field_invalid", f"`{field}` is a name, not {name!r}")
    item_given = isinstance(item_name, str)  # the marker below is no name a bundle gives
    if not isinstance(item_name, str):
        item_name = UNKNOWN_NAMES
    if isinstance(list_name, str):
        error = input_name_error(list_name)
        if error is not None:
            ctx.report(spec, "invalid_input_name", f"input_list_name {error}")
        elif list_name not in spec.declared:
            ctx.report(
                spec,
                "missing_input_variable",
                f"input_list_name {list_name!r} is not one of the batch's `inputs`: declare "
                f'{list_name} = "<Item>[]"',
            )
        elif list_name in spec.inputs:
            ctx.read.add(list_name)
            slot = spec.inputs[list_name]
            if not slot.is_list:
                ctx.report(
                    spec,
                    "input_stuff_spec_mismatch",
                    f"input_list_name {list_name!r} is declared {slot}, not a list: declare "
                    f'{list_name} = "{slot.ref.bare}[]"',
                )
            item = Value(slot.concept, False, False, f"an item of {list_name!r}")
    if "input_item_name" in table and item_given:
        if not item_name:
            ctx.report(spec, "pipe_field_missing", "input_item_name must not be empty")
            item, item_name = UNTYPED, UNKNOWN_NAMES
        elif input_name_error(item_name) is not None:
            ctx.report(spec, "invalid_input_name", f"input_item_name {input_name_error(item_name)}")
            item, item_name = UNTYPED, UNKNOWN_NAMES
        elif item_name == list_name or item_name in spec.declared:
            ctx.report(
                spec,
                "batch_item_name_collision",
                f"input_item_name {item_name!r} collides with "
                + ("input_list_name" if item_name == list_name else "an input of the batch")
                + ": name the item in the singular of the list (e.g. documents -> document)",
            )
            item, item_name = UNTYPED, UNKNOWN_NAMES
    target = None
    if "branch_pipe_code" in table:
        target = ctx.target(spec, table["branch_pipe_code"], "branch_pipe_code")
    if not isinstance(target, PipeSpec):
        return
    memory = {name: value for name, value in ctx.memory(spec, "batch").items() if name != list_name}
    if item is not None and isinstance(item_name, str):
        memory[item_name] = item
    lifted = feed(ctx, spec, target, memory, "branch_pipe_code", "batch")
    output = spec.output
    branch = output_value(target, {}, f"branch pipe {target.code!r}", lifted)
    if output is None or output.concept is None:
        return
    if not output.is_list:
        ctx.report(
            spec,
            "inadequate_output_multiplicity",
            f"a PipeBatch outputs the list of its branch's results: declare output = "
            f'"{output.ref.bare}[]"',
        )
    elif branch.is_list:
        ctx.report(
            spec,
            "inadequate_output_multiplicity",
            f"branch pipe {target.code!r} outputs a list, and lists never nest: batch a "
            "pipe that outputs one value",
        )
    elif branch.concept is not None and not ctx.index.is_a(branch.concept, output.concept):
        ctx.report(
            spec,
            "inadequate_output_concept",
            f"declares output {output} but its branch pipe {target.code!r} produces "
            f"{branch.describe(ctx.index)}: declare output = "
            f'"{branch.describe(ctx.index)}[]"',
        )
