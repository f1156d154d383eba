"""Example values shaped by concepts: the light form ``inputs`` prints, and content for dry runs.

Two shapes of one value. The *light* form is what a person writes in an inputs file (a string
for a Text, a number for a Number, an object for a structured concept). The *content* form is
what a value holds in working memory and what an output prints: a native as its content
fields (``{"text": …}``, ``{"url": …}``), a structured concept as its fields. Placeholders
follow Pipelex's documented ones: ``"text_value"``, ``1``, ``"<field>_value"``, ``0.0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.natives import TEXT_NATIVES

SAMPLE_DATE = "2026-01-01"
SAMPLE_TIME = "12:00:00"
#: Natives a light value cannot shape: an example gives them as an explicit envelope.
EXPLICIT_NATIVES = frozenset(
    {"Html", "JSON", "Page", "TextAndImages", "SearchResult", "Choice", "Rating"}
)
_MAX_DEPTH = 6


def native_code(index: ConceptIndex, key: str | None) -> str | None:
    """The native a concept is or refines (nearest first), if any."""
    if key is None:
        return None
    for ancestor in index.lineage(key):
        concept = index.get(ancestor)
        if concept is not None and concept.native:
            return concept.code
    return None


def light_example(index: ConceptIndex, key: str | None, name: str) -> Any:
    """What to write for an input of concept ``key`` in an inputs file."""
    native = native_code(index, key)
    fields = index.fields_of(key) if key is not None else None
    if native is None and fields is not None:
        return {f.name: _light_field(index, f, 1) for f in fields.values()}
    if native in EXPLICIT_NATIVES or native in ("Anything", "Dynamic", "Composite"):
        concept = "native.Text" if native in ("Anything", "Dynamic", "Composite") else key
        return {"concept": concept, "content": content_sample(index, key, name)}
    return _light_native(native, name)


def _light_native(native: str | None, name: str) -> Any:
    if native == "Number":
        return 1
    if native == "YesNo":
        return True
    if native == "Date":
        return SAMPLE_DATE
    if native == "Time":
        return SAMPLE_TIME
    if native == "Image":
        return f"https://example.com/{_slug(name)}.png"
    if native == "Document":
        return f"https://example.com/{_slug(name)}.pdf"
    return "text_value"


def _light_field(index: ConceptIndex, field: Field, depth: int) -> Any:
    if field.kind == "concept":
        if depth >= _MAX_DEPTH:
            return None
        sub = index.fields_of(field.concept) if field.concept else None
        if sub and native_code(index, field.concept) is None:
            return {f.name: _light_field(index, f, depth + 1) for f in sub.values()}
        return content_sample(index, field.concept, field.name, depth + 1)
    if field.kind == "list":
        if field.item_kind == "concept" and field.item_concept is not None:
            if depth >= _MAX_DEPTH:
                return []
            item = Field(name=field.name, kind="concept", concept=field.item_concept)
            return [_light_field(index, item, depth + 1)]
        return [_plain_sample(field.item_kind or "text", field.name)]
    if field.choices:  # an allowed value, so a condition routing on it takes a real branch
        first = field.choices[0]
        if field.kind in ("integer", "number"):
            try:
                return int(first) if field.kind == "integer" else float(first)
            except ValueError:
                return _plain_sample(field.kind, field.name, field)
        return first
    return _plain_sample(field.kind, field.name, field)


def _plain_sample(kind: str, name: str, field: Field | None = None) -> Any:
    if kind == "choices" and field is not None and field.choices:
        return field.choices[0]
    return {
        "integer": 0,
        "number": 0.0,
        "boolean": False,
        "date": SAMPLE_DATE,
        "datetime": f"{SAMPLE_DATE}T{SAMPLE_TIME}",
        "time": SAMPLE_TIME,
        "dict": {},
        "list": [],
    }.get(kind, f"{name}_value")


def content_sample(index: ConceptIndex, key: str | None, label: str, depth: int = 0) -> Any:
    """A content-form value of concept ``key`` (a native's fields, a structure's fields)."""
    native = native_code(index, key)
    fields = index.fields_of(key) if key is not None else None
    if native is None and fields is not None:
        return {f.name: _light_field(index, f, depth + 1) for f in fields.values()}
    return _native_content(native, label)


def _native_content(native: str | None, label: str) -> Any:
    slug = _slug(label)
    if native == "Number":
        return {"number": 1}
    if native == "YesNo":
        return {"yes_no": True}
    if native == "Date":
        return {"date": SAMPLE_DATE, "time": None}
    if native == "Time":
        return {"time": SAMPLE_TIME}
    if native == "Image":
        return {"url": f"https://example.com/{slug}.png"}
    if native == "Document":
        return {"url": f"https://example.com/{slug}.pdf"}
    if native == "Html":
        return {"inner_html": f"<p>{label}</p>", "css_class": None}
    if native == "JSON":
        return {"json_obj": {"value": label}}
    if native == "TextAndImages":
        return {"text": {"text": label}, "images": [], "raw_html": None}
    if native == "Page":
        return {"text_and_images": {"text": {"text": label}, "images": []}, "page_view": None}
    if native == "SearchResult":
        return {"answer": label, "sources": [{"url": "https://example.com/source"}]}
    if native == "Choice":
        return {"choice": "option"}
    if native == "Rating":
        return {"level": 0}
    return {"text": label}


def to_content(index: ConceptIndex, key: str | None, value: Any) -> Any:
    """A light-form value (from an inputs file) in content form, for working memory."""
    native = native_code(index, key)
    if isinstance(value, dict) or native is None:
        return value
    if (native in TEXT_NATIVES or native in ("Anything", "Dynamic")) and isinstance(value, str):
        return {"text": value}
    if native == "Number" and isinstance(value, int | float):
        return {"number": value}
    if native == "YesNo" and isinstance(value, bool):
        return {"yes_no": value}
    if native == "Date" and isinstance(value, str):
        date, _, time = value.partition("T")
        return {"date": date, "time": time or None}
    if native == "Time" and isinstance(value, str):
        return {"time": value}
    if native in ("Image", "Document") and isinstance(value, str):
        return {"url": value}
    return value


def plain_to_content(concept: str | None, value: Any) -> Any:
    """A plain field value reached by a path, stored as the native its field type derives."""
    if isinstance(value, dict) or value is None:
        return value
    wrap = {
        "native.Text": "text",
        "native.Number": "number",
        "native.YesNo": "yes_no",
        "native.Time": "time",
        "native.JSON": "json_obj",
    }.get(concept or "")
    if wrap is not None:
        return {wrap: value}
    if concept == "native.Date":
        return {"date": value, "time": None}
    return value


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-") or "item"


def fit_field(value: Any, field: Field | None) -> Any:
    """A value copied into a field: a native copied into a plain field becomes its plain value."""
    if field is None or field.kind == "concept" or value is None:
        return value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and len(value) <= 2:
        for key in ("text", "number", "yes_no", "time", "json_obj"):
            if set(value) == {key}:
                return value[key]
        if set(value) == {"date", "time"}:
            return f"{value['date']}T{value['time']}" if value.get("time") else value["date"]
    return value


def with_defaults(value: dict[str, Any], fields: Mapping[str, Field] | None) -> dict[str, Any]:
    """A structured value with each missing field that declares a default set to it."""
    if not fields:
        return value
    filled = dict(value)
    for name, field in fields.items():
        if filled.get(name) is None and field.has_default:
            filled[name] = field.default
    return filled
