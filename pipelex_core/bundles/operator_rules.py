"""The rules of each operator: required and exclusive fields, outputs, and template reads.

A template-reading operator (PipeLLM, PipeImgGen, PipeSearch, PipeCompose, and PipeJudge's
question) must read every variable from a declared input, guard every read of an optional
input, and (all but PipeJudge) read every input it declares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.jinja_scan import Read
from pipelex_core.bundles.memory import PATH, Value, content_path_error
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.templates import SPECIAL_NAMES, jinja_syntax_errors, scan_template

#: How deep a construct's nested tables may go (a structure deeper than that is a mistake).
MAX_CONSTRUCT_DEPTH = 32
COMMON_FIELDS = frozenset({"type", "description", "inputs", "output"})
#: The fields each pipe type has beside the common ones (Pipelex refuses any other).
TYPE_FIELDS: Mapping[str, frozenset[str]] = {
    "PipeLLM": frozenset(
        {
            "prompt",
            "system_prompt",
            "model",
            "model_to_structure",
            "structuring_method",
            "templating_style",
        }
    ),
    "PipeStructure": frozenset({"model"}),
    "PipeFunc": frozenset({"function_name"}),
    "PipeImgGen": frozenset(
        {
            "prompt",
            "negative_prompt",
            "model",
            "aspect_ratio",
            "is_raw",
            "seed",
            "background",
            "output_format",
            "size",
        }
    ),
    "PipeExtract": frozenset(
        {
            "model",
            "max_page_images",
            "page_image_captions",
            "page_views",
            "page_views_dpi",
            "render_js",
            "include_raw_html",
        }
    ),
    "PipeSearch": frozenset(
        {
            "prompt",
            "model",
            "from_date",
            "to_date",
            "include_domains",
            "exclude_domains",
            "max_results",
            "include_images",
            "include_inline_citations",
        }
    ),
    "PipeJudge": frozenset(
        {"question", "prompt", "options", "levels", "criteria", "threshold", "model"}
    ),
    "PipeCompose": frozenset({"template", "construct", "target_format"}),
    "PipeSequence": frozenset({"steps"}),
    "PipeParallel": frozenset({"branches", "add_each_output"}),
    "PipeCondition": frozenset(
        {
            "expression_template",
            "expression",
            "outcomes",
            "default_outcome",
            "add_alias_from_expression_to",
        }
    ),
    "PipeBatch": frozenset({"branch_pipe_code", "input_list_name", "input_item_name"}),
}
ASPECT_RATIOS = frozenset(
    {
        "square",
        "landscape_4_3",
        "landscape_3_2",
        "landscape_16_9",
        "landscape_21_9",
        "portrait_3_4",
        "portrait_2_3",
        "portrait_9_16",
        "portrait_9_21",
        "landscape_4_1",
        "landscape_8_1",
        "portrait_1_4",
        "portrait_1_8",
    }
)
TEMPLATE_CATEGORIES = frozenset(
    {"basic", "expression", "html", "markdown", "mermaid", "llm_prompt", "img_gen_prompt"}
)
STRUCTURING_METHODS = frozenset({"direct", "preliminary_text"})
#: The metadata every stored value carries, which a template may read.
METADATA_FIELDS = frozenset({"_stuff_name", "_content_class", "_concept_code", "_stuff_code"})
TAG_STYLES = frozenset({"no_tag", "ticks", "xml", "square_brackets"})
TEXT_FORMATS = frozenset({"plain", "markdown", "html", "json"})
#: Operators that must read every input they declare.
READ_ALL_INPUTS = frozenset({"PipeLLM", "PipeImgGen", "PipeSearch", "PipeCompose"})


def check_common_fields(spec: PipeSpec, problems: list[Problem]) -> None:
    kind = spec.type or ""
    if not isinstance(spec.table.get("description"), str):
        problems.append(spec.problem("pipe_field_missing", "every pipe needs a `description`"))
    _check_field_shapes(spec, problems)
    allowed = TYPE_FIELDS.get(kind)
    if allowed is None:
        return  # PipeDocGen: its fields are not documented in the language
    extra = sorted(set(spec.table) - COMMON_FIELDS - allowed)
    if extra:
        hints = [_unknown_field_hint(kind, name) for name in extra]
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"a {kind} has no field {', '.join(repr(name) for name in extra)}"
                + "".join(f"; {hint}" for hint in hints if hint)
                + f" (its fields: {', '.join(sorted(COMMON_FIELDS | allowed))})",
            )
        )


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_positive(value: Any) -> bool:
    return _is_count(value) and value >= 1


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_iso_date(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _one_of(*allowed: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in allowed


#: The shape each typed pipe field has, and how to say it.
FIELD_SHAPES: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "add_each_output": (_is_bool, "true or false"),
    "is_raw": (_is_bool, "true or false"),
    "page_views": (_is_bool, "true or false"),
    "page_image_captions": (_is_bool, "true or false"),
    "render_js": (_is_bool, "true or false"),
    "include_raw_html": (_is_bool, "true or false"),
    "include_images": (_is_bool, "true or false"),
    "include_inline_citations": (_is_bool, "true or false"),
    "page_views_dpi": (_is_positive, "a whole number >= 1"),
    "max_page_images": (_is_count, "a whole number >= 0"),
    "max_results": (_is_positive, "a whole number >= 1"),
    "include_domains": (_is_strings, "a list of domain names"),
    "exclude_domains": (_is_strings, "a list of domain names"),
    "from_date": (_is_iso_date, 'a "YYYY-MM-DD" string'),
    "to_date": (_is_iso_date, 'a "YYYY-MM-DD" string'),
    "seed": (lambda v: _is_count(v) or v == "auto", 'a whole number or "auto"'),
    "background": (_one_of("transparent", "opaque", "auto"), "transparent, opaque or auto"),
    "output_format": (_one_of("png", "jpeg", "webp"), "png, jpeg or webp"),
    "target_format": (
        _one_of("plain", "markdown", "html", "json", "mermaid"),
        "plain, markdown, html, json or mermaid",
    ),
    "add_alias_from_expression_to": (lambda v: isinstance(v, str), "a name"),
}


def _check_field_shapes(spec: PipeSpec, problems: list[Problem]) -> None:
    for name, value in spec.table.items():
        shape = FIELD_SHAPES.get(name)
        if shape is not None and not shape[0](value):
            problems.append(
                spec.problem("pipe_field_invalid", f"`{name}` is {shape[1]}, not {value!r}")
            )


def _unknown_field_hint(kind: str, name: str) -> str:
    if name == "category" and kind == "PipeCompose":
        return "the category goes in a `template` table ([pipe.x.template] category = …)"
    if name == "combined_output":
        return "there is no combined_output: the declared `output` is the combination"
    if name == "signature_for":
        return "signature_for belongs on a signature, which has no `type`"
    return ""


def check_operator(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    """The rules of ``spec``'s operator type (controllers are checked by the flow rules)."""
    checker = _CHECKERS.get(spec.type or "")
    if checker is not None:
        checker(spec, index, problems)


def _templates(
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


def _llm(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    templates = _templates(spec, ("prompt", "system_prompt"), problems)
    check_reads(spec, templates, problems, must_read_all=True)
    _check_templating_style(spec, spec.table.get("templating_style"), problems)
    method = spec.table.get("structuring_method")
    if method is not None and str(method) not in STRUCTURING_METHODS:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"structuring_method {method!r} is not one of "
                + ", ".join(sorted(STRUCTURING_METHODS)),
            )
        )
    output = spec.output
    if (
        output is not None
        and output.concept is not None
        and index.is_a_strict(output.concept, "native.Image")
    ):
        problems.append(
            spec.problem(
                "llm_output_cannot_be_image",
                f"a PipeLLM writes text or structures, never an image ({output}): generate "
                "images with a PipeImgGen",
            )
        )


def _check_templating_style(spec: PipeSpec, style: Any, problems: list[Problem]) -> None:
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


def _img_gen(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    if "prompt" not in spec.table:
        problems.append(
            spec.problem(
                "pipe_field_missing",
                'a PipeImgGen needs a `prompt`, even a passthrough such as prompt = "$description"',
            )
        )
    check_reads(
        spec,
        _templates(spec, ("prompt", "negative_prompt"), problems),
        problems,
        must_read_all=True,
    )
    if "size" in spec.table and "aspect_ratio" in spec.table:
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "`size` gives the exact dimensions and `aspect_ratio` a shape: set one of them",
            )
        )
    ratio = spec.table.get("aspect_ratio")
    if ratio is not None and str(ratio) not in ASPECT_RATIOS:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"aspect_ratio {ratio!r} is not one of {', '.join(sorted(ASPECT_RATIOS))}",
            )
        )
    _output_must_be(spec, index, "native.Image", problems, allow_list=True)


def _extract(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    if len(spec.declared) != 1:
        problems.append(
            spec.problem(
                "pipe_inputs_invalid",
                f"a PipeExtract takes exactly one input (a Document or an Image), not "
                f"{len(spec.declared)}",
            )
        )
    for name, slot in spec.inputs.items():
        if slot.concept is not None and not (
            index.is_a(slot.concept, "native.Document") or index.is_a(slot.concept, "native.Image")
        ):
            problems.append(
                spec.problem(
                    "pipe_inputs_invalid",
                    f"a PipeExtract reads a Document or an Image (or a concept refining one); "
                    f"input {name!r} is {slot.ref.bare}",
                )
            )
    output = spec.output
    if output is not None and output.concept is not None:
        if output.concept != "native.Page":
            problems.append(
                spec.problem(
                    "inadequate_output_concept",
                    f'a PipeExtract outputs "Page[]", not {str(output)!r}',
                )
            )
        elif not output.is_list or output.ref.count is not None:
            problems.append(
                spec.problem(
                    "inadequate_output_multiplicity",
                    f'a PipeExtract outputs a list of pages: write "Page[]", not {str(output)!r}',
                )
            )
    for slot in spec.inputs.values():
        if slot.concept is not None and index.is_a_strict(slot.concept, "native.Image"):
            page_only = [
                name
                for name in ("page_views", "page_image_captions")
                if spec.table.get(name) is True
            ] + [name for name in ("page_views_dpi", "max_page_images") if name in spec.table]
            if page_only:
                problems.append(
                    spec.problem(
                        "pipe_field_invalid",
                        f"{', '.join(page_only)} describe a document's pages and do not apply "
                        "to an Image input: remove them",
                    )
                )


def _search(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    if "prompt" not in spec.table:
        problems.append(spec.problem("pipe_field_missing", "a PipeSearch needs a `prompt` query"))
    check_reads(spec, _templates(spec, ("prompt",), problems), problems, must_read_all=True)
    _output_must_be(spec, index, "native.SearchResult", problems, allow_list=False)


def _judge(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    table = spec.table
    has_question, has_prompt = "question" in table, "prompt" in table
    if has_question and has_prompt:
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "a PipeJudge takes `question` or `prompt`, not both: keep `question`",
            )
        )
    elif not has_question and not has_prompt:
        problems.append(
            spec.problem(
                "pipe_field_missing",
                "a PipeJudge needs the `question` it asks of its inputs (or a `prompt`)",
            )
        )
    check_reads(
        spec, _templates(spec, ("question", "prompt"), problems), problems, must_read_all=False
    )
    options, levels = table.get("options"), table.get("levels")
    expected = "native.YesNo"
    if options is not None and levels is not None:
        problems.append(
            spec.problem("pipe_field_conflict", "`options` and `levels` are exclusive: keep one")
        )
        expected = ""  # which output fits is unknown until one is kept
    elif options is not None:
        expected = "native.Choice"
        if not isinstance(options, dict) or len(options) < 2 or not all(options):
            problems.append(
                spec.problem(
                    "pipe_field_invalid",
                    "`options` is a table of at least two named options",
                )
            )
    elif levels is not None:
        expected = "native.Rating"
        if (
            not isinstance(levels, list)
            or len(levels) < 2
            or not all(isinstance(level, str) and level for level in levels)
        ):
            problems.append(
                spec.problem("pipe_field_invalid", "`levels` is a list of at least two names")
            )
    criteria, threshold = table.get("criteria"), table.get("threshold")
    if (criteria is not None or threshold is not None) and (
        options is not None or levels is not None
    ):
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "`criteria` and `threshold` apply to a yes/no judgment, not beside "
                "`options` or `levels`",
            )
        )
    if criteria is not None and (
        not isinstance(criteria, dict) or not set(criteria) <= {"yes", "no"}
    ):
        problems.append(
            spec.problem("pipe_field_invalid", "`criteria` takes only the keys `yes` and `no`")
        )
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 1
    ):
        problems.append(
            spec.problem("pipe_field_invalid", "`threshold` is a number strictly between 0 and 1")
        )
    if expected:
        _output_must_be(spec, index, expected, problems, allow_list=False)


def _compose(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
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
        _check_templating_style(spec, template.get("templating_style"), problems)
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


def _structure(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    slots = list(spec.inputs.values())
    if len(spec.declared) != 1 or (
        slots and slots[0].concept is not None and not index.is_a(slots[0].concept, "native.Text")
    ):
        problems.append(
            spec.problem(
                "pipe_inputs_invalid",
                "a PipeStructure takes exactly one input, of Text or a concept refining Text",
            )
        )
    output = spec.output
    if (
        output is not None
        and output.concept is not None
        and index.is_a_strict(output.concept, "native.Text")
    ):
        problems.append(
            spec.problem(
                "inadequate_output_concept",
                f"a PipeStructure turns text into a structured concept; its output cannot be "
                f"{output.ref.bare} (Text or a refinement of it)",
            )
        )


def _func(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    name = spec.table.get("function_name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            spec.problem("pipe_field_missing", "a PipeFunc needs the `function_name` it calls")
        )


def _output_must_be(
    spec: PipeSpec,
    index: ConceptIndex,
    expected: str,
    problems: list[Problem],
    *,
    allow_list: bool,
) -> None:
    output = spec.output
    if output is None or output.concept is None:
        return
    name = index.display(expected)
    if not index.is_a_strict(output.concept, expected):
        problems.append(
            spec.problem(
                "inadequate_output_concept",
                f"a {spec.type} outputs {name} or a concept refining it, not {output.ref.bare}",
            )
        )
    elif output.is_list and not allow_list:
        problems.append(
            spec.problem(
                "inadequate_output_multiplicity",
                f"a {spec.type} outputs a single {name}, not a list ({output})",
            )
        )


_CHECKERS = {
    "PipeLLM": _llm,
    "PipeImgGen": _img_gen,
    "PipeExtract": _extract,
    "PipeSearch": _search,
    "PipeJudge": _judge,
    "PipeCompose": _compose,
    "PipeStructure": _structure,
    "PipeFunc": _func,
}
