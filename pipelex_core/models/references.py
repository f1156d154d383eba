"""Parse a model reference: ``$preset``, ``@alias``, ``~waterfall`` or a bare handle.

The long forms ``preset:``, ``alias:``, ``waterfall:`` and ``handle:`` mean the same.
"""

from __future__ import annotations

import enum

import attrs


class ReferenceKind(enum.Enum):
    PRESET = "preset"
    ALIAS = "alias"
    WATERFALL = "waterfall"
    HANDLE = "handle"


_SIGILS = {"$": ReferenceKind.PRESET, "@": ReferenceKind.ALIAS, "~": ReferenceKind.WATERFALL}
_PREFIXES = {f"{kind.value}:": kind for kind in ReferenceKind}


@attrs.frozen
class ModelReference:
    kind: ReferenceKind
    name: str

    @classmethod
    def parse(cls, text: str) -> ModelReference:
        text = text.strip()
        if text[:1] in _SIGILS:
            return cls(_SIGILS[text[0]], text[1:].strip())
        for prefix, kind in _PREFIXES.items():
            if text.startswith(prefix):
                return cls(kind, text[len(prefix) :].strip())
        return cls(ReferenceKind.HANDLE, text)

    def __str__(self) -> str:
        if self.kind is ReferenceKind.HANDLE:
            return self.name
        return f"{self.kind.value}:{self.name}"
