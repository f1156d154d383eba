"""The native concepts of MTHDS and the content fields each one carries.

Binding paths, construct ``from`` paths and template paths walk these fields, so they are
written down exactly as the language documents them. A path ends on ``Text``, ``Markdown``,
``ImgGenPrompt``, ``Number``, ``Time`` and ``JSON``: each holds its value in a single field.

``Markdown`` and ``ImgGenPrompt`` are texts (Pipelex documents no fields of their own): each
holds a ``text`` and refines ``Text``, so one fits wherever a Text is expected.
"""

from __future__ import annotations

from types import MappingProxyType

from pipelex_core.bundles.fields import Field

NATIVE_DOMAIN = "native"

#: Natives whose fields are not declared anywhere: any path through them is accepted, untyped.
OPEN_NATIVES = frozenset({"Anything", "Dynamic", "Composite"})

#: Natives whose value is a text in one ``text`` field: a string in an inputs file, printed as is.
TEXT_NATIVES = frozenset({"Text", "Markdown", "ImgGenPrompt"})

#: Natives whose value is one field: no path segment may follow one.
LEAF_NATIVES = TEXT_NATIVES | {"Number", "Time", "JSON"}

#: Natives that refine another native: their values fit where the parent is expected.
NATIVE_REFINES: MappingProxyType[str, str] = MappingProxyType(
    {"Markdown": "Text", "ImgGenPrompt": "Text"}
)


def _text(name: str, *, required: bool = False) -> Field:
    return Field(name=name, kind="text", required=required)


def _concept(name: str, code: str, *, required: bool = False) -> Field:
    return Field(name=name, kind="concept", required=required, concept=f"native.{code}")


def _concepts(name: str, code: str, *, required: bool = False) -> Field:
    return Field(
        name=name,
        kind="list",
        required=required,
        item_kind="concept",
        item_concept=f"native.{code}",
    )


_IMAGE = (
    _text("url", required=True),
    _text("public_url"),
    _text("source_prompt"),
    _text("source_negative_prompt"),
    _text("caption"),
    _text("mime_type"),
    Field(name="width", kind="integer"),
    Field(name="height", kind="integer"),
    _text("filename"),
)
_PROBABILITIES = Field(name="probabilities", kind="dict")
_DOCUMENT = (
    _text("url", required=True),
    _text("public_url"),
    _text("mime_type"),
    _text("filename"),
    _text("title"),
    _text("snippet"),
)

#: Each native concept and its content fields (``None``: a leaf or an open native).
NATIVE_FIELDS: MappingProxyType[str, tuple[Field, ...] | None] = MappingProxyType(
    {
        "Dynamic": None,
        "Text": (_text("text", required=True),),
        "Markdown": (_text("text", required=True),),
        "ImgGenPrompt": (_text("text", required=True),),
        "Image": _IMAGE,
        "Document": _DOCUMENT,
        "Html": (_text("inner_html", required=True), _text("css_class")),
        "TextAndImages": (
            _concept("text", "Text"),
            _concepts("images", "Image"),
            _text("raw_html"),
        ),
        "Number": (Field(name="number", kind="number", required=True),),
        "YesNo": (
            Field(name="yes_no", kind="boolean", required=True),
            Field(name="probability", kind="number"),
        ),
        "Choice": (
            _text("choice", required=True),
            Field(name="confidence", kind="number"),
            _PROBABILITIES,
        ),
        "Rating": (
            Field(name="level", kind="integer", required=True),
            Field(name="confidence", kind="number"),
            _PROBABILITIES,
            Field(name="position", kind="number"),
        ),
        "Date": (Field(name="date", kind="date", required=True), Field(name="time", kind="time")),
        "Time": (Field(name="time", kind="time", required=True),),
        "Page": (
            _concept("text_and_images", "TextAndImages", required=True),
            _concept("page_view", "Image"),
        ),
        "JSON": (Field(name="json_obj", kind="dict", required=True),),
        "SearchResult": (
            _text("answer", required=True),
            _concepts("sources", "Document", required=True),
        ),
        "Anything": None,
        "Composite": None,
    }
)

NATIVE_CONCEPTS = frozenset(NATIVE_FIELDS)
