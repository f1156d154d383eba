"""PipeLLM's ``with_images`` filter: it pulls the images nested in a structured value.

A prompt sends an ``Image`` input (or a list of them) as it is; ``{{ page | with_images }}``
is how images nested in a structure (a Page, a Document, a concept with an Image field) reach
the model. Pipelex refuses the filter when the pipe is created on a value given directly as
an Image, and on a value whose concept holds no image anywhere: both are ``template_invalid``.
Only a plain input read straight into the filter is typed; a path, or another filter before
``with_images``, is left to the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.jinja_scan import BLOCK, SEGMENT
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem

_FILTERED = re.compile(rf"^\s*(?P<name>{SEGMENT})\s*\|\s*with_images\b")
#: Concepts a value of which may carry images the filter can reach (Pipelex's page lists the
#: Document beside the Page, though no documented Document field is an image).
_IMAGE_CARRIERS = ("native.Image", "native.Document")


def check_with_images(
    spec: PipeSpec,
    templates: Iterable[tuple[str, str]],
    index: ConceptIndex,
    problems: list[Problem],
) -> None:
    for field, text in templates:
        for match in BLOCK.finditer(text):
            expression = match["expr"]
            found = None if expression is None else _FILTERED.match(expression)
            if found is None:
                continue
            name = found["name"]
            slot = spec.inputs.get(name)
            if slot is None or slot.concept is None:
                continue  # undeclared or unresolved: reported where it is
            error = _filter_error(name, slot.concept, slot.is_list, index)
            if error is not None:
                problems.append(spec.problem("template_invalid", f"`{field}`: {error}"))


def _filter_error(name: str, concept: str, is_list: bool, index: ConceptIndex) -> str | None:
    shown = index.display(concept)
    if index.is_a_strict(concept, "native.Image"):
        if is_list:
            return None  # not stated for a list of images: left to the run
        return (
            f"`{name} | with_images`: {name!r} is an Image, which the prompt sends as it is; "
            f"write ${name} (with_images extracts images nested in a structure)"
        )
    if _may_hold_images(concept, index, set()):
        return None
    return (
        f"`{name} | with_images`: {name!r} is {shown}, which holds no image field; "
        f"remove `| with_images` and write ${name}"
    )


def _may_hold_images(concept: str | None, index: ConceptIndex, seen: set[str]) -> bool:
    """True when a value of ``concept`` may carry an image somewhere inside it."""
    if concept is None:
        return True  # an untyped list: anything may be in it
    lineage = [index.get(key) for key in index.lineage(concept)]
    if any(found is None or found.is_open for found in lineage):
        return True  # unresolved, or untyped (Anything, Dynamic, a dependency's concept)
    if any(index.is_a_strict(concept, carrier) for carrier in _IMAGE_CARRIERS):
        return True
    if concept in seen:
        return False
    seen.add(concept)
    fields = index.fields_of(concept)
    if fields is None:
        return False  # a text-like concept: no structure, so no image
    return any(
        _may_hold_images(field.value_concept()[0], index, seen)
        for field in fields.values()
        if field.kind in ("concept", "list")
    )
