"""Working memory as the validator sees it: typed values, and the paths that walk into them.

A value knows its concept, whether it is a list, and whether it may be absent at run time.
Walking a binding path derives the concept of what the path reaches from the declared
structures, mapping over lists on the way, exactly as a binding step does when it runs.
"""

from __future__ import annotations

import re

import attrs

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.pipe_specs import Slot

PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


@attrs.frozen
class Value:
    """What a name holds in working memory. ``concept`` None: untyped (cannot be checked)."""

    concept: str | None
    is_list: bool
    maybe_absent: bool
    origin: str
    #: a fixed list's count (``X[3]``), None for a single value or a variable list
    count: int | None = None

    @classmethod
    def of_slot(cls, slot: Slot, origin: str) -> Value:
        optional = slot.ref.optional and not slot.is_list
        return cls(slot.concept, slot.is_list, optional, origin, slot.ref.count)

    def describe(self, index: ConceptIndex) -> str:
        name = index.display(self.concept)
        return f"{name}[]" if self.is_list and self.concept is not None else name


@attrs.frozen
class PathError:
    message: str


def walk_path(
    root: Value, segments: list[str], index: ConceptIndex, path: str
) -> Value | PathError:
    """The value ``root.seg1.seg2…`` reaches; lists met on the way map and flatten."""
    concept = root.concept
    is_list = root.is_list
    maybe_absent = root.maybe_absent
    walked = [path.split(".", 1)[0]]
    for segment in segments:
        if concept is None:
            return Value(None, is_list, False, f"binding {path!r}")
        holder = index.get(concept)
        if holder is None:
            return Value(None, is_list, False, f"binding {path!r}")
        here = ".".join(walked)
        if holder.is_open:
            return Value(None, is_list, False, f"binding {path!r}")
        if holder.is_leaf:
            return PathError(
                f"{here!r} holds a {index.display(concept)}, which holds its value in a "
                f"single field: no segment may follow it, so {segment!r} cannot be read"
            )
        fields = index.fields_of(concept)
        if fields is None:
            return PathError(
                f"{here!r} holds a {index.display(concept)}, which has no structure: bind "
                f"{here!r} itself, or give {index.display(concept)} a structure"
            )
        field = fields.get(segment)
        if field is None:
            known = ", ".join(repr(name) for name in fields) or "none"
            return PathError(
                f"{here!r} holds a {index.display(concept)}, which has no field {segment!r}. "
                f"Its fields are: {known}"
            )
        concept, field_is_list = field.value_concept()
        is_list = is_list or field_is_list
        maybe_absent = maybe_absent or field.may_be_absent
        walked.append(segment)
    return Value(concept, is_list, maybe_absent and not is_list, f"binding {path!r}")


def content_path_error(
    root: Value, name: str, segments: list[str], index: ConceptIndex
) -> str | None:
    """Why a construct ``from`` path cannot reach anything in ``root``'s declared structure.

    Unlike a binding path, it may read a native's own content field (``text.text``,
    ``total.number``, ``page.text_and_images.text.text``); once it reaches a plain value, a
    dict or an untyped value, what follows is not the structure's to say.
    """
    concept = root.concept
    walked = [name]
    for segment in segments:
        holder = index.get(concept)
        if holder is None or holder.is_open:
            return None
        fields = index.fields_of(concept) if concept is not None else None
        if fields is None:
            return None
        field = fields.get(segment)
        here = repr(".".join(walked))
        if field is None:
            known = ", ".join(repr(name) for name in fields) or "none"
            return (
                f"{here} holds a {index.display(concept)}, which has no field {segment!r}. "
                f"Its fields are: {known}"
            )
        if field.kind not in ("concept", "list") or (
            field.kind == "list" and field.item_kind != "concept"
        ):
            return None  # a plain value: its own attributes are not the structure's
        concept, _ = field.value_concept()
        walked.append(segment)
    return None
