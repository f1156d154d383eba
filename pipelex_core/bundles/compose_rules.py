"""PipeCompose: a template, or a construct whose fields are templates, fixed values and paths
into the working memory, each checked against the inputs it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.jinja_scan import Read
from pipelex_core.bundles.memory import PATH, Value, content_path_error
from pipelex_core.bundles.operator_fields import TEMPLATE_CATEGORIES
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.template_reads import check_reads, check_templating_style

#: How deep a construct's nested tables may go (a structure deeper than that is a mistake).
MAX_CONSTRUCT_DEPTH = 32


def check_compose(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    table = spec.table
    template, construct = table.get("template"), table.get("construct")
    if template is not None and construct is not None:
        problems.append(
            spec.problem(
                "pipe_field_conflict", "a PipeCompose has a `template` or a `construct`, not both"
            )
        )
    elif template is None and construct is None:
        problems.append(
            spec.problem("pipe_field_missing", "a PipeCompose needs a `template` or a `construct`")
        )
    templates: list[tuple[str, str]] = []
    reads: list[Read] = []
    context: frozenset[str] = frozenset()
    if isinstance(template, str):
        templates.append(("template", template))
    elif isinstance(template, dict):
        body, category = template.get("template"), template.get("category")
        if not isinstance(body, str):
            problems.append(
                spec.problem("pipe_field_missing", "a `template` table needs a `template` string")
            )
        else:
            templates.append(("template", body))
        if category is None:
            problems.append(
                spec.problem(
                    "pipe_field_missing",
                    "a `template` table needs a `category` ("
                    + ", ".join(sorted(TEMPLATE_CATEGORIES))
                    + "); a plain string template is `basic`",
                )
            )
        elif str(category) not in TEMPLATE_CATEGORIES:
            problems.append(
                spec.problem(
                    "pipe_field_invalid",
                    f"template category {category!r} is not one of "
                    + ", ".join(sorted(TEMPLATE_CATEGORIES)),
                )
            )
        check_templating_style(spec, template.get("templating_style"), problems)
        extra = template.get("extra_context")
        if isinstance(extra, dict):
            context = frozenset(extra)
        elif extra is not None:
            problems.append(spec.problem("pipe_field_invalid", "`extra_context` is a table"))
    elif template is not None:
        problems.append(spec.problem("pipe_field_invalid", "`template` is a string or a table"))
    if isinstance(construct, dict):
        _construct(spec, construct, "construct", templates, reads, problems)
        _check_from_paths(spec, index, reads, problems)
    elif construct is not None:
        problems.append(spec.problem("pipe_field_invalid", "`construct` is a table of fields"))
    check_reads(spec, templates, problems, extra_reads=reads, must_read_all=True, context=context)
    output = spec.output
    if output is not None and output.is_list:
        problems.append(
            spec.problem(
                "inadequate_output_multiplicity",
                f"a PipeCompose outputs one value, not a list ({output}): remove the brackets, "
                "or batch the compose pipe over a list",
            )
        )


def _construct(
    spec: PipeSpec,
    construct: Mapping[str, Any],
    where: str,
    templates: list[tuple[str, str]],
    reads: list[Read],
    problems: list[Problem],
    depth: int = 0,
) -> None:
    if depth > MAX_CONSTRUCT_DEPTH:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"`{where.split('.', 1)[0]}` nests tables more than {MAX_CONSTRUCT_DEPTH} deep",
            )
        )
        return
    for name, value in construct.items():
        here = f"{where}.{name}"
        if not isinstance(value, dict):
            continue  # a literal
        has_from, has_template = "from" in value, "template" in value
        if has_from and has_template:
            problems.append(
                spec.problem(
                    "pipe_field_conflict", f"`{here}` takes `from` or `template`, not both"
                )
            )
        if has_from:
            path = value["from"]
            if not isinstance(path, str) or not path:
                problems.append(spec.problem("pipe_field_invalid", f"`{here}.from` is a path"))
                continue
            if not PATH.match(path):
                problems.append(
                    spec.problem(
                        "pipe_field_invalid",
                        f"`{here}.from` {path!r} is not a path: names joined by single dots, "
                        "no subscripts or spaces",
                    )
                )
                root_match = re.search(r"[A-Za-z_][A-Za-z0-9_]*", path)
                if root_match is not None:  # the input it meant to read is read: no cascade
                    reads.append(Read(root_match.group(), (), True, "from", 0))
                continue
            root, *rest = path.split(".")
            reads.append(Read(root, tuple(rest), False, "from", 0))
        if has_template:
            body = value["template"]
            if isinstance(body, str):
                templates.append((here, body))
            else:
                problems.append(
                    spec.problem("pipe_field_invalid", f"`{here}.template` is a string")
                )
        if not has_from and not has_template:
            _construct(spec, value, here, templates, reads, problems, depth + 1)


def _check_from_paths(
    spec: PipeSpec, index: ConceptIndex, reads: Iterable[Read], problems: list[Problem]
) -> None:
    """A construct copies what its paths reach: each must exist in the declared structures."""
    for read in reads:
        slot = spec.inputs.get(read.root)
        if slot is None or not read.path:
            continue
        root = Value.of_slot(slot, read.root)
        error = content_path_error(root, read.root, list(read.path), index)
        if error is not None:
            problems.append(
                spec.problem(
                    "binding_path_unresolved", f"construct `from = {read.dotted!r}`: {error}"
                )
            )
