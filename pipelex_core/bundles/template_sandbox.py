"""Run a template in Jinja2's immutable sandbox, within budgets: a bundle is data, not code.

The sandbox refuses private attributes, mutating methods and the bundle's metadata fields;
the budgets bound what a template may produce (its output's size, the integers it builds),
so a hostile or mistaken template fails with a named error instead of exhausting the machine.
How values print inside it is ``rendering.py``'s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jinja2
import jinja2.utils
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.execution import Absent
from pipelex_core.bundles.rendering import (
    Rendered,
    Style,
    TemplateRenderError,
    format_value,
    tag,
)
from pipelex_core.bundles.templates import expand_shorthands

#: Categories whose environment escapes HTML, and those that trim block lines.
AUTOESCAPE = frozenset({"html"})


TRIM_BLOCKS = frozenset({"html", "markdown"})


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
