"""Render Pipelex templates for real: shorthands, a sandboxed Jinja2, and the documented filters.

Imported by real runs only (it loads Jinja2), so ``validate``, ``inputs`` and dry runs keep
their start-up cost. A bundle is data, not code: templates run in Jinja2's immutable sandbox,
which refuses private attributes, mutating methods and oversized ranges.

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
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.execution import Absent
from pipelex_core.bundles.samples import native_code
from pipelex_core.bundles.templates import expand_shorthands

#: Categories whose environment escapes HTML, and those that trim block lines.
AUTOESCAPE = frozenset({"html"})
TRIM_BLOCKS = frozenset({"html", "markdown"})


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
    if native in ("Text", "Anything", "Dynamic") and "text" in value:
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
    if native in ("Image", "Document") and "url" in value:
        return str(value["url"])
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


#: The most a render may produce or compute: text, a repeated string or list, an integer.
MAX_OUTPUT_CHARS = 16 * 1024 * 1024
MAX_INT_BITS = 64
#: Metadata a template may read on a working-memory value.
METADATA = frozenset({"_stuff_name", "_content_class", "_concept_code", "_stuff_code"})


class TemplateBudgetError(SecurityError):
    """A template asked for more than a render may produce or compute."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with the limits a bundle's templates live under."""

    intercepted_binops = frozenset({"*", "**", "+", "<<"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and (right > MAX_INT_BITS or abs(left).bit_length() * max(right, 0) > MAX_INT_BITS)
        ):
            raise TemplateBudgetError(f"{left} ** {right} is wider than {MAX_INT_BITS} bits")
        if operator == "<<":
            raise TemplateBudgetError("bit shifts are not available to templates")
        if operator == "*" and isinstance(right, int) and isinstance(left, str | list | tuple):
            left, right = right, left
        if (
            operator == "*"
            and isinstance(left, int)
            and isinstance(right, str | list | tuple)
            and left * len(right) > MAX_OUTPUT_CHARS
        ):
            raise TemplateBudgetError("a repeated value would exceed the render budget")
        result = super().call_binop(context, operator, left, right)
        if (
            isinstance(result, int)
            and not isinstance(result, bool)
            and result.bit_length() > MAX_INT_BITS
        ):
            raise TemplateBudgetError(f"an integer wider than {MAX_INT_BITS} bits")
        if isinstance(result, str | list | tuple) and len(result) > MAX_OUTPUT_CHARS:
            raise TemplateBudgetError("a value would exceed the render budget")
        return result

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, Rendered) and attr in METADATA:
            return True
        if attr in ("encode", "format", "format_map"):
            return False  # no byte strings, no str.format reaching attributes by name
        return bool(super().is_safe_attribute(obj, attr, value))

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # a refusal is an error, never an empty string
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__} is unsafe"
        )


def _namespace(**values: Any) -> Any:
    if any(callable(value) and not isinstance(value, Rendered) for value in values.values()):
        raise SecurityError("a namespace cannot hold a callable")
    return jinja2.utils.Namespace(**values)


def environment(category: str, style: Style, index: ConceptIndex) -> jinja2.Environment:
    env = _Sandbox(
        autoescape=category in AUTOESCAPE,
        trim_blocks=category in TRIM_BLOCKS,
        lstrip_blocks=category in TRIM_BLOCKS,
        undefined=jinja2.ChainableUndefined,
    )

    def format_filter(value: Any, text_format: str | None = None) -> str:
        return format_value(value, None, index, text_format or style.text_format)

    def tag_filter(value: Any, tag_name: str | None = None) -> str:
        name = tag_name or (value._name if isinstance(value, Rendered) else None) or "data"
        return tag(format_value(value, None, index, style.text_format), name, style.tag_style)

    def escape_script_tag(value: Any) -> str:
        return str(value).replace("</script", "<\\/script")

    env.filters["format"] = format_filter
    env.filters["tag"] = tag_filter
    env.filters["escape_script_tag"] = escape_script_tag
    env.globals["namespace"] = _namespace
    env.policies["json.dumps_function"] = _dumps
    return env


def _dumps(value: Any, **kwargs: Any) -> str:
    """``|tojson``: a working-memory value as the JSON of its content."""
    return json.dumps(value, default=_plain_json, **kwargs)


def _plain_json(value: Any) -> Any:
    if isinstance(value, Rendered):
        return None if isinstance(value._value, Absent) else value._value
    raise TypeError(f"{type(value).__name__} is not JSON")


def render_template(
    text: str,
    context: Mapping[str, Any],
    *,
    index: ConceptIndex,
    category: str = "basic",
    style: Style | None = None,
    names: frozenset[str] | None = None,
) -> str:
    """Render ``text`` (shorthands first) against ``context`` (working-memory values)."""
    style = style or Style()
    env = environment(category, style, index)
    try:
        known = frozenset(context) if names is None else names
        template = env.from_string(expand_shorthands(text, known))
        parts: list[str] = []
        size = 0
        for part in template.generate(**dict(context)):
            size += len(part)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateBudgetError("the rendered text would exceed the render budget")
            parts.append(part)
        return "".join(parts)
    except TemplateBudgetError as exc:
        raise TemplateRenderError(f"Jinja2TemplateBudgetError: {exc}") from None
    except SecurityError as exc:
        raise TemplateRenderError(f"Jinja2TemplateSecurityError: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(f"Jinja2TemplateRenderError: {exc}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # a template is data: whatever it computes and fails at is its failure, not ours
        raise TemplateRenderError(f"Jinja2TemplateRenderError: {exc}") from None
