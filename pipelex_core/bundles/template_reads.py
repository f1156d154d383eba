"""A template-reading operator's reads, checked against its inputs.

A template-reading operator (PipeLLM, PipeImgGen, PipeSearch, PipeCompose, and PipeJudge's
question) must read every variable from a declared input, guard every read of an optional
input, and (all but PipeJudge) read every input it declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelex_core.bundles.jinja_scan import Read
from pipelex_core.bundles.operator_fields import METADATA_FIELDS, TAG_STYLES, TEXT_FORMATS
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.templates import SPECIAL_NAMES, jinja_syntax_errors, scan_template


def templates_of(
    spec: PipeSpec, fields: Iterable[str], problems: list[Problem]
) -> list[tuple[str, str]]:
    found = []
    for field in fields:
        value = spec.table.get(field)
        if value is None:
            continue
        if isinstance(value, str):
            found.append((field, value))
        else:
            problems.append(spec.problem("pipe_field_invalid", f"`{field}` is a template string"))
    return found


def check_reads(
    spec: PipeSpec,
    templates: Iterable[tuple[str, str]],
    problems: list[Problem],
    *,
    extra_reads: Iterable[Read] = (),
    must_read_all: bool,
    context: frozenset[str] = frozenset(),
) -> None:
    """Reads against declarations: missing, extraneous, unguarded optional, malformed."""
    reads: list[tuple[str, Read]] = [("construct", read) for read in extra_reads]
    for field, text in templates:
        scan = scan_template(text)
        for error in [*scan.errors, *jinja_syntax_errors(text)]:
            problems.append(spec.problem("template_invalid", f"`{field}`, {error}"))
        for read in scan.reads:
            if read.inline_block:
                if read.root not in spec.declared:
                    continue  # not a variable: an e-mail address, a CSS at-rule, plain text
                problems.append(
                    spec.problem(
                        "template_invalid",
                        f"`{field}`, line {read.line}: `@{read.dotted}` inserts a block, so it "
                        f"stands alone on its own line; write `${read.dotted}` to insert the "
                        "value inline",
                    )
                )
            reads.append((field, read))
    for field, read in reads:
        private = [segment for segment in read.path if segment.startswith("_")]
        if private and not set(private) <= METADATA_FIELDS:
            problems.append(
                spec.problem(
                    "template_private_name",
                    f"`{field}` reads {read.dotted!r}: names starting with `_` are private and "
                    "templates cannot read them",
                )
            )
    # loop variables, and Jinja globals no input is named after: never inputs
    reads = [
        (field, read)
        for field, read in reads
        if read.how != "local" and (read.how != "global" or read.root in spec.declared)
    ]
    missing: dict[str, str] = {}
    dotted_inputs = {name for name in spec.declared if "." in name}  # reported as invalid names
    for field, read in reads:
        if read.root.startswith("_") or read.root in SPECIAL_NAMES or read.root in context:
            continue
        if any(name.split(".", 1)[0] == read.root for name in dotted_inputs):
            continue
        if read.root not in spec.declared:
            missing.setdefault(read.root, field)
    for name, field in missing.items():
        problems.append(
            spec.problem(
                "missing_input_variable",
                f"`{field}` reads {name!r}, which is not a declared input: add "
                f'{name} = "<its concept>" to `inputs`, or fix the name',
            )
        )
    read_roots = {read.root for _, read in reads} | {
        name for name in dotted_inputs if name.split(".", 1)[0] in {r.root for _, r in reads}
    }
    if must_read_all:
        unread = [name for name in spec.inputs if name not in read_roots]
        unread += [name for name in spec.declared - set(spec.inputs) if name not in read_roots]
        if unread:
            names = ", ".join(repr(name) for name in dict.fromkeys(unread))
            problems.append(
                spec.problem(
                    "extraneous_input_variable",
                    f"declares {names} but never reads "
                    f"{'them' if len(unread) > 1 else 'it'}: reference each input in the "
                    "prompt or template ($name inline, @name as a block), or remove it from "
                    "`inputs`",
                )
            )
    unguarded = sorted(
        {
            read.root
            for _, read in reads
            if read.root in spec.inputs and spec.inputs[read.root].ref.optional and not read.guarded
        }
    )
    for name in unguarded:
        problems.append(
            spec.problem(
                "optional_input_unguarded",
                f"input {name!r} is optional but read without a guard: write @?{name} on its "
                f"own line, wrap the read in {{% if {name} %}}…{{% endif %}}, or use "
                f'{{{{ {name} if {name} else "" }}}}',
            )
        )


def check_templating_style(spec: PipeSpec, style: Any, problems: list[Problem]) -> None:
    if style is None or (isinstance(style, str) and style in TAG_STYLES):
        return
    if isinstance(style, dict):
        tag, text_format = style.get("tag_style"), style.get("text_format", "plain")
        if (
            str(tag) in TAG_STYLES
            and str(text_format) in TEXT_FORMATS
            and set(style)
            <= {
                "tag_style",
                "text_format",
            }
        ):
            return
    problems.append(
        spec.problem(
            "pipe_field_invalid",
            f"templating_style {style!r}: write a tag style ("
            + ", ".join(sorted(TAG_STYLES))
            + ") or { tag_style = …, text_format = "
            + " | ".join(sorted(TEXT_FORMATS))
            + " }",
        )
    )
