"""The rules of each operator: required and exclusive fields, outputs, and template reads.

Each operator type has its checker here; the fields every type may have are in
``operator_fields.py``, the check of template reads in ``template_reads.py``, and
PipeCompose's constructs in ``compose_rules.py``, PipeDocGen's in ``docgen_rules.py``.
"""

from __future__ import annotations

from pipelex_core.bundles.compose_rules import check_compose
from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.docgen_rules import check_docgen
from pipelex_core.bundles.image_filter import check_with_images
from pipelex_core.bundles.judge_rules import check_judge
from pipelex_core.bundles.operator_fields import (
    ASPECT_RATIOS,
    EXACT_SIZE,
    SIZE_TIERS,
    STRUCTURING_METHODS,
)
from pipelex_core.bundles.output_rules import output_must_be, text_output
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.template_reads import check_reads, check_templating_style, templates_of


def check_operator(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    """The rules of ``spec``'s operator type (controllers are checked by the flow rules)."""
    checker = _CHECKERS.get(spec.type or "")
    if checker is not None:
        checker(spec, index, problems)


def _llm(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    templates = templates_of(spec, ("prompt", "system_prompt"), problems)
    check_reads(spec, templates, problems, must_read_all=True)
    check_with_images(spec, templates, index, problems)
    check_templating_style(spec, spec.table.get("templating_style"), problems)
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
    if method == "preliminary_text":
        _preliminary_text_output(spec, index, problems)


def _preliminary_text_output(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    """``preliminary_text`` drafts text, then structures it: Text is no structure to reach."""
    written = text_output(spec, index)
    if written is not None:
        problems.append(
            spec.problem(
                "inadequate_output_concept",
                f'structuring_method = "preliminary_text" drafts text, then structures it '
                f"into the output, which cannot be {written} (Text or a refinement "
                "of it): output a structured concept, or remove structuring_method",
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
        templates_of(spec, ("prompt", "negative_prompt"), problems),
        problems,
        must_read_all=True,
    )
    _img_gen_size(spec, problems)
    ratio = spec.table.get("aspect_ratio")
    if ratio is not None and str(ratio) not in ASPECT_RATIOS:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"aspect_ratio {ratio!r} is not one of {', '.join(sorted(ASPECT_RATIOS))}",
            )
        )
    output_must_be(spec, index, "native.Image", problems, allow_list=True)


def _img_gen_size(spec: PipeSpec, problems: list[Problem]) -> None:
    """A size tier composes with `aspect_ratio`; an exact size implies its own ratio."""
    if "size" not in spec.table:
        return
    size = spec.table["size"]
    if isinstance(size, str) and size in SIZE_TIERS:
        return
    if not (isinstance(size, str) and EXACT_SIZE.fullmatch(size)):
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"size {size!r} is neither a size tier ({', '.join(sorted(SIZE_TIERS))}) nor "
                'an exact pixel size such as "2048x1152"',
            )
        )
    elif "aspect_ratio" in spec.table:
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                f"the exact size {size!r} implies its own ratio, so it cannot go with "
                "`aspect_ratio`: drop one, or give a size tier (1k, 2k, 4k) with the ratio",
            )
        )


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
    check_reads(spec, templates_of(spec, ("prompt",), problems), problems, must_read_all=True)
    output_must_be(spec, index, "native.SearchResult", problems, allow_list=False)


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
    written = text_output(spec, index)
    if written is not None:
        problems.append(
            spec.problem(
                "inadequate_output_concept",
                f"a PipeStructure turns text into a structured concept; its output cannot be "
                f"{written} (Text or a refinement of it)",
            )
        )


def _func(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    name = spec.table.get("function_name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            spec.problem("pipe_field_missing", "a PipeFunc needs the `function_name` it calls")
        )


_CHECKERS = {
    "PipeLLM": _llm,
    "PipeImgGen": _img_gen,
    "PipeExtract": _extract,
    "PipeSearch": _search,
    "PipeJudge": check_judge,
    "PipeCompose": check_compose,
    "PipeStructure": _structure,
    "PipeFunc": _func,
    "PipeDocGen": check_docgen,
}
