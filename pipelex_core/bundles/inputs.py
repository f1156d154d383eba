"""The inputs a pipe needs, with an example for each, and the checking of given inputs.

Inputs files take Pipelex's two documented forms: the light form (the bare value, shaped by
the declared concept: a string for a Text, a number for a Number, an object for a structured
concept, a list for ``X[]``) and the explicit envelope ``{"concept": …, "content": …}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.natives import TEXT_NATIVES
from pipelex_core.bundles.pipe_specs import PipeSpec, Slot
from pipelex_core.bundles.refs import Presence, parse_concept_ref
from pipelex_core.bundles.samples import light_example, native_code, to_content
from pipelex_core.errors import PipelexUsageError


@attrs.frozen
class InputSpec:
    name: str
    slot: Slot
    example: Any

    @property
    def concept(self) -> str:
        return str(self.slot.ref)

    @property
    def optional(self) -> bool:
        return self.slot.presence is Presence.OPTIONAL

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "concept": self.concept,
            "optional": self.optional,
            "multiple": self.slot.is_list,
            "example": self.example,
        }


def start_pipe(checked: CheckedLibrary, name: str | None) -> PipeSpec:
    """``--pipe NAME`` (a code, or ``domain.code``), else the library's ``main_pipe``."""
    if name is not None and not name.strip():
        raise PipelexUsageError("--pipe was given an empty name.", "Name a pipe, or omit --pipe.")
    if name is None:
        main = checked.main_pipe()
        if main is None:
            raise PipelexUsageError(
                "The bundle has no main_pipe, so there is no pipe to start from.",
                "Name one with --pipe NAME.",
            )
        return main
    found = checked.find(name)
    if len(found) > 1:
        names = ", ".join(f"{spec.domain}.{spec.code}" for spec in found)
        raise PipelexUsageError(
            f"Several domains define a pipe {name!r}: {names}.", "Name one as domain.code."
        )
    if not found:
        known = ", ".join(checked.pipe_names()) or "none"
        raise PipelexUsageError(f"No pipe named {name!r} in the bundle.", f"Pipes: {known}.")
    return found[0]


def input_specs(checked: CheckedLibrary, spec: PipeSpec) -> list[InputSpec]:
    """The pipe's inputs in declared order, each with a light-form example."""
    specs = []
    for name, slot in spec.inputs.items():
        one = light_example(checked.index, slot.concept, name)
        count = slot.ref.count or 1
        example = [one] * count if slot.is_list else one
        specs.append(InputSpec(name=name, slot=slot, example=example))
    return specs


def match_inputs(
    checked: CheckedLibrary, specs: list[InputSpec], given: Mapping[str, Any], pipe: PipeSpec
) -> dict[str, Any]:
    """Check given inputs against the pipe's; return them in content form, by name.

    An optional input may be left out (it is absent); every other must be given; unknown names,
    ``null`` and values of the wrong shape are usage errors that name the input.
    """
    declared = {spec.name: spec for spec in specs}
    unknown = sorted(set(given) - set(declared))
    missing = sorted(s.name for s in specs if not s.optional and s.name not in given)
    names = ", ".join(f"{s.name} ({s.concept})" for s in specs) or "none"
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(repr(n) for n in missing)}")
        if unknown:
            parts.append(f"not declared by the pipe: {', '.join(repr(n) for n in unknown)}")
        raise PipelexUsageError(
            f"Inputs for pipe {pipe.code!r} do not match: {'; '.join(parts)}.",
            f"The pipe takes: {names}. `pipelex inputs` prints an example file.",
        )
    values: dict[str, Any] = {}
    for name, value in given.items():
        spec = declared[name]
        problem = _shape_problem(checked, spec, value)
        if problem is not None:
            raise PipelexUsageError(
                f"Input {name!r} ({spec.concept}): {problem}.",
                f"`pipelex inputs --pipe {pipe.code}` shows an example value for each input.",
            )
        values[name] = _content(checked, spec, value)
    return values


def _content(checked: CheckedLibrary, spec: InputSpec, value: Any) -> Any:
    key = spec.slot.concept
    if isinstance(value, dict) and "concept" in value and "content" in value:
        value = value["content"]
    if spec.slot.is_list:
        items = value if isinstance(value, list) else [value]
        return [to_content(checked.index, key, item) for item in items]
    return to_content(checked.index, key, value)


def _shape_problem(checked: CheckedLibrary, spec: InputSpec, value: Any) -> str | None:
    if value is None:
        return "null is not a value: leave an optional input out instead"
    if isinstance(value, dict) and "concept" in value and "content" in value:
        ref = parse_concept_ref(value["concept"], allow_markers=False)
        wanted = spec.slot.concept
        if ref.error is not None:
            return f"the envelope's concept {value['concept']!r} is not a concept reference"
        concept = checked.index.lookup(ref, None)
        if concept is None and ref.domain is None:
            same_code = [c for c in checked.index.concepts.values() if c.code == ref.code]
            if len(same_code) > 1:
                domains = ", ".join(sorted(c.domain for c in same_code))
                return (
                    f"the envelope's concept {value['concept']!r} is declared in several "
                    f"domains ({domains}): write it as domain.{ref.code}"
                )
            concept = same_code[0] if same_code else None
        if concept is None:
            return f"the envelope's concept {value['concept']!r} is not known"
        if wanted is not None and not checked.index.is_a(concept.key, wanted):
            return f"the envelope's concept {value['concept']!r} is not a {spec.concept}"
        value = value["content"]
    if spec.slot.is_list:
        items = value if isinstance(value, list) else [value]
        count = spec.slot.ref.count
        if count is not None and len(items) != count:
            return f"expects exactly {count} items, got {len(items)}"
        for item in items:
            problem = _item_problem(checked, spec, item)
            if problem is not None:
                return problem
        return None
    if isinstance(value, list):
        return "expects a single value, not a list"
    return _item_problem(checked, spec, value)


def _item_problem(checked: CheckedLibrary, spec: InputSpec, value: Any) -> str | None:
    return value_problem(checked.index, spec.slot.concept, value, depth=0)


#: The content key of each native a light value shapes, and what that value is.
_NATIVE_SHAPES: dict[str, tuple[str, str]] = {
    **{native: ("text", "a string") for native in TEXT_NATIVES},
    "Number": ("number", "a number"),
    "YesNo": ("yes_no", "true or false"),
    "Date": ("date", "an ISO date string"),
    "Time": ("time", "an ISO time string"),
    "Image": ("url", "a URL or a file path"),
    "Document": ("url", "a URL or a file path"),
}
#: Content objects may name a file by ``path`` instead of ``url`` (the cookbook's inputs do).
_CONTENT_KEYS: dict[str, tuple[str, ...]] = {
    "Image": ("url", "path"),
    "Document": ("url", "path"),
}
_FIELD_VALUES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "text": (str, "a string"),
    "choices": (str, "one of its choices"),
    "integer": (int, "a whole number"),
    "number": ((int, float), "a number"),
    "boolean": (bool, "true or false"),
    "date": (str, "an ISO date string"),
    "datetime": (str, "an ISO date-time string"),
    "time": (str, "an ISO time string"),
    "list": (list, "a list"),
    "dict": (dict, "an object"),
}


def value_problem(index: ConceptIndex, concept: str | None, value: Any, depth: int) -> str | None:
    """Why ``value`` cannot be a ``concept``, or None: a light value or its content form."""
    if depth > 32:
        return "is nested too deeply"
    native = native_code(index, concept)
    fields = index.fields_of(concept) if concept else None
    if native is None and fields is not None:  # an empty structure table is an object too
        if not isinstance(value, dict):
            return f"expects an object of the concept's fields, got {json.dumps(value)}"
        return _fields_problem(index, fields, value, depth)
    if native in _NATIVE_SHAPES or (native is None and fields is None):
        key, what = _NATIVE_SHAPES[native or "Text"]
        if isinstance(value, dict):
            keys = _CONTENT_KEYS.get(native or "Text", (key,))
            if any(k in value for k in keys):
                return None
            return f"expects {what}, or an object with {' or '.join(repr(k) for k in keys)}"
        if not _is_light(native or "Text", value):
            return f"expects {what}, got {json.dumps(value)}"
    return None  # the other natives are read by their own shape


def _is_light(native: str, value: Any) -> bool:
    if native == "Number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if native == "YesNo":
        return isinstance(value, bool)
    return isinstance(value, str)


def _fields_problem(
    index: ConceptIndex, fields: Mapping[str, Field], value: Mapping[str, Any], depth: int
) -> str | None:
    for name, field in fields.items():
        item = value.get(name)
        if item is None:
            if field.required:
                return f"field {name!r} is required"
            continue
        problem = _field_value_problem(index, field, item, depth)
        if problem is not None:
            return f"field {name!r} {problem}"
    return None


def _field_value_problem(index: ConceptIndex, field: Field, value: Any, depth: int) -> str | None:
    if field.kind == "concept":
        return value_problem(index, field.concept, value, depth + 1)
    expected, what = _FIELD_VALUES.get(field.kind, (object, "a value"))
    if not isinstance(value, expected) or (field.kind != "boolean" and isinstance(value, bool)):
        return f"expects {what}, got {json.dumps(value)}"
    if field.kind == "choices" and field.choices and value not in field.choices:
        return f"expects one of {', '.join(repr(c) for c in field.choices)}, got {value!r}"
    if field.kind == "list" and field.item_kind == "concept" and isinstance(value, list):
        for item in value:
            problem = value_problem(index, field.item_concept, item, depth + 1)
            if problem is not None:
                return f"item {problem}"
    return None
