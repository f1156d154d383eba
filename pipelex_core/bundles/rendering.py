"""How values print in a real run's templates: Pipelex's formats and the documented filters.

Imported by real runs only (with ``template_sandbox.py``, which loads Jinja2), so
``validate``, ``inputs`` and dry runs keep their start-up cost.

Values reach a template wrapped in :class:`Rendered`: ``{{ x }}`` and ``$x`` print a value as
Pipelex formats it (a Text as its text, a Number as its number, a YesNo as yes or no, a Date
at its stored precision, a structure as ``field: value`` lines, a list one item per line),
``x.field`` reads a field, and ``@x`` wraps the formatted value in the tag style's markers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import jinja2
import jinja2.utils

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.execution import Absent
from pipelex_core.bundles.natives import TEXT_NATIVES
from pipelex_core.bundles.samples import native_code


class TemplateRenderError(Exception):
    """A template that fails at run time; the message says where and why."""


@attrs.frozen
class Style:
    """How ``@x`` tags a value and how ``$x`` formats it."""

    tag_style: str = "xml"
    text_format: str = "plain"

    @classmethod
    def of(cls, value: Any, target_format: Any = None) -> Style:
        text_format = target_format if isinstance(target_format, str) else "plain"
        if isinstance(value, str):
            return cls(tag_style=value, text_format=text_format)
        if isinstance(value, dict):
            return cls(
                tag_style=str(value.get("tag_style", "xml")),
                text_format=str(value.get("text_format", text_format)),
            )
        return cls(text_format=text_format)


class Rendered:
    """A working-memory value as a template sees it."""

    __slots__ = ("_concept", "_index", "_name", "_value")

    def __init__(
        self, value: Any, concept: str | None, index: ConceptIndex, name: str | None = None
    ) -> None:
        self._value = value
        self._concept = concept
        self._index = index
        self._name = name

    @property
    def _stuff_name(self) -> str | None:
        return self._name

    @property
    def _concept_code(self) -> str | None:
        return self._concept

    @property
    def _stuff_code(self) -> str | None:
        """The value's code in working memory: its name there (one value per name here)."""
        return self._name

    @property
    def _content_class(self) -> str:
        if isinstance(self._value, list):
            return "ListContent"
        native = native_code(self._index, self._concept) if self._concept else None
        if native == "ImgGenPrompt":
            return "TextContent"  # documented without a content class of its own: a text
        return f"{native}Content" if native else "StructuredContent"

    def get(self, key: str, default: Any = None) -> Any:
        """``x.get("field")``: a field, or ``default`` when the value has none."""
        if isinstance(self._value, dict) and key in self._value:
            return self._field(key)
        return default

    def iter_keys(self) -> list[str]:
        return list(self._value) if isinstance(self._value, dict) else []

    def iter_values(self) -> list[Any]:
        return [self._field(key) for key in self.iter_keys()]

    def iter_items(self) -> list[tuple[str, Any]]:
        return [(key, self._field(key)) for key in self.iter_keys()]

    def __str__(self) -> str:
        return format_value(self._value, self._concept, self._index, "plain")

    def __bool__(self) -> bool:
        return not isinstance(self._value, Absent) and self._value not in (None, [], "")

    def __len__(self) -> int:
        if isinstance(self._value, Absent):
            return 0
        return len(self._value) if isinstance(self._value, list | dict) else 1

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self._value, Absent):
            return
        items = self._value if isinstance(self._value, list) else [self._value]
        for item in items:
            yield wrap(item, self._concept, self._index)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(self._value, list) and isinstance(key, int):
            return wrap(self._value[key], self._concept, self._index)
        return self._field(str(key))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._field(name)

    def _field(self, name: str) -> Any:
        value = self._value
        if isinstance(value, list):
            return wrap([_get(item, name) for item in value], None, self._index)
        if not isinstance(value, dict) or name not in value:
            return jinja2.ChainableUndefined(name=name)
        concept = None
        fields = self._index.fields_of(self._concept) if self._concept else None
        if fields is not None and name in fields:
            if fields[name].kind == "dict":
                return value[name]  # a plain mapping: .items(), |dictsort, loops work on it
            concept, _ = fields[name].value_concept()
        return wrap(value[name], concept, self._index)


def _get(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def wrap(value: Any, concept: str | None, index: ConceptIndex, name: str | None = None) -> Any:
    """Scalars stay themselves; content, structures and lists get a :class:`Rendered`."""
    if isinstance(value, dict | list | Absent):
        return Rendered(value, concept, index, name)
    return value


def format_value(value: Any, concept: str | None, index: ConceptIndex, text_format: str) -> str:
    """A value as ``$x`` prints it."""
    if isinstance(value, Rendered):
        return format_value(value._value, value._concept, value._index, text_format)
    if value is None or isinstance(value, Absent):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        parts = [format_value(item, concept, index, text_format) for item in value]
        return "\n".join(part for part in parts if part)
    if not isinstance(value, dict):
        return str(value)
    native = native_code(index, concept) if concept else _guess_native(value)
    text = _format_native(native, value, index, text_format)
    if text is not None:
        return text
    if text_format == "json":
        return json.dumps(value, ensure_ascii=False)
    fields = index.fields_of(concept) if concept else None
    lines = []
    for name, item in value.items():
        if item is None:
            continue
        sub = None
        if fields is not None and name in fields:
            sub, _ = fields[name].value_concept()
        rendered = format_value(item, sub, index, text_format)
        label = f"**{name}**" if text_format == "markdown" else name
        lines.append(f"{label}: {rendered}")
    return "\n".join(lines)


def _guess_native(value: Mapping[str, Any]) -> str | None:
    keys = set(value)
    for native, wanted in (
        ("Text", {"text"}),
        ("Number", {"number"}),
        ("YesNo", {"yes_no"}),
        ("Time", {"time"}),
    ):
        if keys == wanted:
            return native
    return "Date" if keys == {"date", "time"} else None


def _format_native(
    native: str | None, value: Mapping[str, Any], index: ConceptIndex, text_format: str
) -> str | None:
    if (native in TEXT_NATIVES or native in ("Anything", "Dynamic")) and "text" in value:
        return format_value(value["text"], "native.Text", index, text_format)
    if native == "Number" and "number" in value:
        return str(value["number"])
    if native == "YesNo" and "yes_no" in value:
        return "yes" if value["yes_no"] else "no"
    if native == "Date" and "date" in value:
        time = value.get("time")
        return f"{value['date']}T{time}" if time else str(value["date"])
    if native == "Time" and "time" in value:
        return str(value["time"])
    if native in ("Image", "Document") and ("url" in value or "path" in value):
        return str(value["url"] if "url" in value else value["path"])
    if native == "Html" and "inner_html" in value:
        return str(value["inner_html"])
    if native == "JSON" and "json_obj" in value:
        return json.dumps(value["json_obj"], ensure_ascii=False)
    if native == "TextAndImages":
        return format_value(value.get("text"), "native.Text", index, text_format)
    if native == "Page":
        return format_value(
            value.get("text_and_images"), "native.TextAndImages", index, text_format
        )
    if native == "SearchResult":
        lines = [str(value.get("answer", ""))]
        for source in value.get("sources") or []:
            if isinstance(source, dict):
                lines.append(f"- {source.get('title') or source.get('url', '')}")
        return "\n".join(lines)
    if native == "Choice" and "choice" in value:
        return str(value["choice"])
    if native == "Rating" and "level" in value:
        return str(value["level"])
    return None


def tag(text: str, name: str, style: str) -> str:
    """The tag styles Pipelex documents, around an already formatted value."""
    if style == "no_tag":
        return text
    if style == "ticks":
        return f"{name}: ```\n{text}\n```"
    if style == "square_brackets":
        return f"[{name}]\n{text}\n[/{name}]"
    return f"<{name}>\n{text}\n</{name}>"
