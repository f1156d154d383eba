"""Concepts: parse ``domain.Name[]?`` references and make sample values shaped by them.

The same shapes serve as example inputs (``pipelex inputs``) and as dry-run placeholder
outputs, so what one step outputs looks like what the next one takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

NATIVE_CONCEPTS = frozenset(
    {
        "Text",
        "Image",
        "Document",
        "PDF",
        "Page",
        "TextAndImages",
        "Number",
        "ImgGenPrompt",
        "LLMPrompt",
        "JSON",
        "Anything",
        "Dynamic",
        "SearchResult",
    }
)


@attrs.frozen
class ConceptRef:
    name: str
    domain: str | None = None
    is_list: bool = False
    optional: bool = False

    @classmethod
    def parse(cls, text: str) -> ConceptRef:
        text = text.strip()
        optional = text.endswith("?")
        text = text.removesuffix("?").strip()
        is_list = text.endswith("[]")
        text = text.removesuffix("[]").strip()
        domain, _, name = text.rpartition(".")
        return cls(name=name, domain=domain or None, is_list=is_list, optional=optional)


def sample_value(concept: str, concepts: Mapping[str, Any], label: str) -> Any:
    """A value shaped like ``concept``; ``label`` says where it came from."""
    ref = ConceptRef.parse(concept)
    one = _single(ref.name, concepts, label, depth=0)
    return [one] if ref.is_list else one


def _single(name: str, concepts: Mapping[str, Any], label: str, depth: int) -> Any:
    if depth > 8:
        return f"{label}: {name}"
    if name in NATIVE_CONCEPTS:
        return _native(name, label)
    definition = concepts.get(name)
    if isinstance(definition, dict):
        structure = definition.get("structure")
        if isinstance(structure, dict) and structure:
            return {
                field: _field(spec, concepts, f"{label}.{field}", depth)
                for field, spec in structure.items()
            }
        refines = definition.get("refines")
        if isinstance(refines, str):
            return _single(ConceptRef.parse(refines).name, concepts, label, depth + 1)
    return f"{label} ({name})"


def _field(spec: Any, concepts: Mapping[str, Any], label: str, depth: int) -> Any:
    kind = spec.get("type", "text") if isinstance(spec, dict) else spec
    if not isinstance(kind, str):
        kind = "text"
    if kind in ("number", "float"):
        return 0.0
    if kind == "integer":
        return 0
    if kind == "boolean":
        return False
    if kind == "list":
        return []
    if kind == "dict":
        return {}
    if kind == "date":
        return "2026-01-01"
    if kind[:1].isupper():
        return _single(ConceptRef.parse(kind).name, concepts, label, depth + 1)
    return label


def _native(name: str, label: str) -> Any:
    if name == "Number":
        return 0
    if name == "Image":
        return {"url": f"https://example.com/{_slug(label)}.png"}
    if name in ("Document", "PDF"):
        return {"url": f"https://example.com/{_slug(label)}.pdf"}
    if name == "Page":
        return {"text": label, "images": []}
    if name == "TextAndImages":
        return {"text": label, "images": []}
    if name in ("JSON", "Dynamic"):
        return {"value": label}
    if name == "SearchResult":
        return {"answer": label, "sources": []}
    return label


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-") or "item"
