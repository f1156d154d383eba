"""PipeDocGen's rules: its format, its template or template file, its file name, its output.

A PipeDocGen calls no model: it lays its inputs out (or fills a template with them) and
prints one file. Which engine prints a format is the runtime's business, so validation
checks only what the bundle says, never which engines are installed.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.memory import Value, content_path_error
from pipelex_core.bundles.output_rules import output_must_be
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.template_reads import check_reads, templates_of
from pipelex_core.bundles.templates import scan_template

#: Each format, and the suffix its template file has.
TEMPLATE_SUFFIXES = {"pdf": ".html", "xlsx": ".xlsx", "docx": ".docx", "pptx": ".pptx"}


def check_docgen(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    table = spec.table
    fmt = table.get("format")
    if fmt is None:
        problems.append(
            spec.problem(
                "pipe_field_missing",
                "a PipeDocGen needs the `format` it prints: pdf, xlsx, docx or pptx",
            )
        )
    elif not isinstance(fmt, str) or fmt not in TEMPLATE_SUFFIXES:  # a list is unhashable
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"`format` {fmt!r} is not one of pdf, xlsx, docx, pptx",
            )
        )
        fmt = None
    _check_template(spec, fmt, problems)
    templates = templates_of(spec, ("template", "filename"), problems)
    check_reads(spec, templates, problems, must_read_all=False)
    _check_paths(spec, index, templates, problems)
    output_must_be(spec, index, "native.Document", problems, allow_list=False)


def _check_paths(
    spec: PipeSpec, index: ConceptIndex, templates: list[tuple[str, str]], problems: list[Problem]
) -> None:
    """A PipeDocGen renders strictly: each field a template names must exist in its input."""
    for field, text in templates:
        for read in scan_template(text).reads:
            slot = spec.inputs.get(read.root)
            if slot is None or not read.path or read.how in ("local", "global"):
                continue
            error = content_path_error(
                Value.of_slot(slot, read.root), read.root, list(read.path), index
            )
            if error is not None:
                problems.append(
                    spec.problem(
                        "binding_path_unresolved",
                        f"`{field}` reads {read.dotted!r}, which a strict render cannot find: "
                        f"{error}",
                    )
                )


def _check_template(spec: PipeSpec, fmt: object, problems: list[Problem]) -> None:
    table = spec.table
    template_file = table.get("template_file")
    if "template" in table and template_file is not None:
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "`template` and `template_file` are exclusive: write the template inline, or "
                "name its file",
            )
        )
    if "template" in table and fmt not in (None, "pdf"):
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"an inline `template` is HTML, for a pdf only; format {fmt!r} is filled "
                f"from a `template_file` ({TEMPLATE_SUFFIXES[str(fmt)]})",
            )
        )
    if fmt == "pptx" and template_file is None:
        problems.append(
            spec.problem(
                "pipe_field_missing",
                "a pptx is printed from a template: name it with `template_file` (.pptx)",
            )
        )
    if template_file is None:
        return
    if not isinstance(template_file, str) or not template_file.strip():
        problems.append(
            spec.problem("pipe_field_invalid", "`template_file` is a path beside the bundle")
        )
        return
    suffix = PurePosixPath(template_file).suffix.lower()
    if isinstance(fmt, str) and suffix != TEMPLATE_SUFFIXES[fmt]:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"`template_file` {template_file!r} is not a {TEMPLATE_SUFFIXES[fmt]} file, "
                f"which format {fmt!r} is printed from",
            )
        )
