"""PipeCondition: an expression that picks one of several pipes, each fed the same memory.

The expression (or Jinja template) may read only declared inputs, guarding optional ones;
every outcome pipe takes its inputs from the condition's memory (plus the expression's alias)
and must produce the declared output; "continue" leaves the output absent.
"""

from __future__ import annotations

from typing import Any

from pipelex_core.bundles.flow_context import FlowContext
from pipelex_core.bundles.flow_targets import SPECIAL_OUTCOMES
from pipelex_core.bundles.flow_values import adequate, feed, output_value
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.templates import SPECIAL_NAMES, jinja_syntax_errors, scan_template


def check_condition(ctx: FlowContext, spec: PipeSpec) -> None:
    """The expression, the outcomes and the default, each outcome pipe fed from memory."""
    table = spec.table
    has_template, has_expression = "expression_template" in table, "expression" in table
    if has_template and has_expression:
        ctx.report(
            spec,
            "pipe_field_conflict",
            "`expression_template` and `expression` are exclusive: keep one",
        )
    elif not has_template and not has_expression:
        ctx.report(
            spec,
            "pipe_field_missing",
            "a PipeCondition needs an `expression_template` (Jinja2) or an `expression`",
        )
    _condition_reads(ctx, spec)
    outcomes = table.get("outcomes")
    if not isinstance(outcomes, dict) or not outcomes:
        ctx.report(spec, "pipe_field_missing", "a PipeCondition needs a non-empty `outcomes` table")
        outcomes = {}
    targets: list[tuple[str, Any]] = [
        (f"outcome {key!r}", value) for key, value in outcomes.items()
    ]
    if "default_outcome" not in table:
        ctx.report(
            spec,
            "pipe_field_missing",
            'a PipeCondition needs a `default_outcome` (a pipe, "fail" or "continue"), '
            "even when its outcomes look exhaustive",
        )
    else:
        targets.append(("default_outcome", table["default_outcome"]))
    memory = ctx.memory(spec, "condition")
    alias = table.get("add_alias_from_expression_to")
    if isinstance(alias, str):  # stored once the expression is evaluated: outcomes see it
        memory[alias] = Value("native.Text", False, False, f"the expression of {spec.code!r}")
    can_continue = False
    for where, reference in targets:
        if isinstance(reference, str) and reference in SPECIAL_OUTCOMES:
            can_continue = can_continue or reference == "continue"
            continue
        target = ctx.target(spec, reference, where)
        if not isinstance(target, PipeSpec):
            continue
        lifted = feed(ctx, spec, target, memory, where, "condition")
        value = output_value(target, {}, f"{where} (pipe {target.code!r})", lifted)
        adequate(ctx, spec, value, f"{where} (pipe {target.code!r})")
    output = spec.output
    if can_continue and output is not None and not output.ref.optional and not output.is_list:
        ctx.report(
            spec,
            "optional_output_required",
            'can resolve to "continue", which leaves its output absent, but its output '
            f'{output} is not optional: declare output = "{output.ref.bare}?"',
        )


def _condition_reads(ctx: FlowContext, spec: PipeSpec) -> None:
    """The expression reads only declared inputs, and optional ones under a guard."""
    texts = []
    template = spec.table.get("expression_template")
    if isinstance(template, str):
        texts.append(("expression_template", template))
    expression = spec.table.get("expression")
    if isinstance(expression, str):
        texts.append(("expression", "{{ " + expression + " }}"))
    elif expression is not None:
        ctx.report(spec, "pipe_field_invalid", "`expression` is a string")
    for field, text in texts:
        scan = scan_template(text)
        for error in [*scan.errors, *jinja_syntax_errors(text)]:
            ctx.report(spec, "template_invalid", f"`{field}`: {error}")
        for read in scan.input_reads(spec.declared):
            root = read.root
            ctx.read.add(root)
            if root.startswith("_") or root in SPECIAL_NAMES:
                continue
            if root not in spec.declared:
                ctx.report(
                    spec,
                    "missing_input_variable",
                    f"the expression reads {root!r}, which is not a declared input: add it "
                    "to `inputs`",
                )
            elif root in spec.inputs and spec.inputs[root].ref.optional and not read.guarded:
                ctx.report(
                    spec,
                    "optional_input_unguarded",
                    f"the expression reads optional input {root!r} without a guard: "
                    f'test it first, e.g. {{{{ {root}.text if {root} else "" }}}}',
                )
