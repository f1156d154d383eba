"""Each pipe type's fields: which it may have, the shape of each typed one, and the
documented values of the enumerated ones. A field a type does not have is refused, with a
hint when the mistake is a common one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem

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
    "PipeDocGen": frozenset({"format", "template", "template_file", "filename"}),
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

#: PipeImgGen `size` tiers: a pixel class that composes with `aspect_ratio` (`0.5k` is reserved).
SIZE_TIERS = frozenset({"1k", "2k", "4k"})

#: A PipeImgGen exact `size`, width by height in pixels: it implies its own ratio.
EXACT_SIZE = re.compile(r"[1-9][0-9]*x[1-9][0-9]*")


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
        return  # a signature (no type) or an unknown type: reported elsewhere
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
