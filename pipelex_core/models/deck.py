"""The model deck: aliases, presets, waterfalls and the choice defaults of each operator kind.

``$PIPELEX_HOME/deck.toml`` replaces the kit's deck as a whole. Resolving a reference gives
its candidate handles in order: one for a handle, alias or preset; several for a waterfall,
which passes if any candidate exists on its backend.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from pipelex_core.errors import ConfigurationError, UnknownModelError
from pipelex_core.kit import home_or_kit
from pipelex_core.models.references import ModelReference, ReferenceKind
from pipelex_core.settings import read_toml

DECK_FILE = "deck.toml"


#: The operator kinds a deck may give references of their own (``[img_gen.aliases]``, …).
KINDS = ("llm", "img_gen", "extract", "search", "judge")


@attrs.frozen
class Deck:
    aliases: Mapping[str, str]
    presets: Mapping[str, Mapping[str, Any]]
    waterfalls: Mapping[str, tuple[str, ...]]
    choice_defaults: Mapping[str, str]
    path: Path | None = None
    #: per operator kind, the same three tables: they win over the shared ones for that kind
    by_kind: Mapping[str, Deck] = attrs.field(factory=dict)

    @classmethod
    def load(cls, home: Path) -> Deck:
        path = home_or_kit(home, DECK_FILE)
        return cls.from_document(read_toml(path), path)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], path: Path | None = None) -> Deck:
        deck = cls._tables(document, path, "")
        by_kind = {}
        for kind in KINDS:
            section = document.get(kind)
            if section is None:
                continue
            if not isinstance(section, dict):
                raise ConfigurationError(
                    f"{path or 'deck'}: invalid deck: [{kind}] must be a table",
                    f"Fix {path or 'deck'}.",
                    path=path,
                )
            by_kind[kind] = cls._tables(section, path, f"{kind}.")
        return attrs.evolve(deck, by_kind=types.MappingProxyType(by_kind))

    @classmethod
    def _tables(cls, document: Mapping[str, Any], path: Path | None, prefix: str) -> Deck:
        problems: list[str] = []

        def table(key: str) -> Mapping[str, Any]:
            value = document.get(key, {})
            if not isinstance(value, dict):
                problems.append(f"[{prefix}{key}] must be a table")
                return {}
            return value

        aliases = {k: v for k, v in table("aliases").items() if _is_ref(k, v, "aliases", problems)}
        choice_defaults = {
            k: v
            for k, v in table("choice_defaults").items()
            if _is_ref(k, v, "choice_defaults", problems)
        }
        presets: dict[str, Mapping[str, Any]] = {}
        for name, preset in table("presets").items():
            if not isinstance(preset, dict) or not isinstance(preset.get("model"), str):
                problems.append(f"presets.{name} must be a table with a string `model`")
            else:
                presets[name] = types.MappingProxyType(preset)
        waterfalls: dict[str, tuple[str, ...]] = {}
        for name, candidates in table("waterfalls").items():
            if (
                not isinstance(candidates, list)
                or not candidates
                or not all(isinstance(c, str) for c in candidates)
            ):
                problems.append(f"waterfalls.{name} must be a non-empty list of strings")
            else:
                waterfalls[name] = tuple(candidates)
        if problems:
            where = str(path) if path else "deck"
            raise ConfigurationError(
                f"{where}: invalid deck: " + "; ".join(problems),
                f"Fix {where}.",
                path=path,
            )
        return cls(
            aliases=types.MappingProxyType(aliases),
            presets=types.MappingProxyType(presets),
            waterfalls=types.MappingProxyType(waterfalls),
            choice_defaults=types.MappingProxyType(choice_defaults),
            path=path,
        )

    def resolve(self, reference: str, kind: str | None = None) -> tuple[str, ...]:
        """The candidate handles of a reference, in order; an unknown name is an error.

        With ``kind``, that kind's own tables are searched first (an ``@default-premium`` of
        image generation is not the LLM one).
        """
        deck = self._for_kind(kind)
        return deck._resolve(ModelReference.parse(reference), ())

    def _for_kind(self, kind: str | None) -> Deck:
        own = self.by_kind.get(kind) if kind else None
        if own is None:
            return self
        return attrs.evolve(
            self,
            aliases=types.MappingProxyType({**self.aliases, **own.aliases}),
            presets=types.MappingProxyType({**self.presets, **own.presets}),
            waterfalls=types.MappingProxyType({**self.waterfalls, **own.waterfalls}),
            choice_defaults=types.MappingProxyType({**self.choice_defaults, **own.choice_defaults}),
            by_kind={},
        )

    def preset_kind(self, reference: str, kind: str | None = None) -> str | None:
        """The operator kind a ``$preset`` declares (its ``kind`` key), if it declares one."""
        ref = ModelReference.parse(reference)
        if ref.kind is not ReferenceKind.PRESET:
            return None
        preset = self._for_kind(kind).presets.get(ref.name)
        value = preset.get("kind") if preset is not None else None
        return value if isinstance(value, str) else None

    def _resolve(self, ref: ModelReference, seen: tuple[ModelReference, ...]) -> tuple[str, ...]:
        if ref in seen:
            chain = " -> ".join(str(r) for r in (*seen, ref))
            raise ConfigurationError(f"Model reference cycle in the deck: {chain}.", path=self.path)
        seen = (*seen, ref)
        if ref.kind is ReferenceKind.HANDLE:
            if not ref.name:
                raise UnknownModelError("Empty model reference.", model="")
            return (ref.name,)
        if ref.kind is ReferenceKind.ALIAS:
            target = self._named(self.aliases, ref)
            return self._resolve(ModelReference.parse(target), seen)
        if ref.kind is ReferenceKind.PRESET:
            preset = self._named(self.presets, ref)
            return self._resolve(ModelReference.parse(preset["model"]), seen)
        candidates: list[str] = []
        for candidate in self._named(self.waterfalls, ref):
            for handle in self._resolve(ModelReference.parse(candidate), seen):
                if handle not in candidates:
                    candidates.append(handle)
        return tuple(candidates)

    def _named(self, table: Mapping[str, Any], ref: ModelReference) -> Any:
        try:
            return table[ref.name]
        except KeyError:
            known = ", ".join(sorted(table)) or "none"
            raise UnknownModelError(
                f"Unknown {ref.kind.value} {ref.name!r} in model reference {str(ref)!r}.",
                f"Define it in {self.path or DECK_FILE} ([{ref.kind.value}s]); known: {known}.",
                model=str(ref),
            ) from None


def _is_ref(key: str, value: object, section: str, problems: list[str]) -> bool:
    if isinstance(value, str) and value.strip():
        return True
    problems.append(f"{section}.{key} must be a non-empty string")
    return False
