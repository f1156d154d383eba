"""Every concept of a library, checked and resolved: natives, declarations, refinements.

Concepts are keyed ``domain.Code``. A bare reference resolves to a native first, then to the
referring bundle's domain; ``domain.Code`` names its domain; ``alias->domain.Code`` names a
concept of a dependency loaded from disk (packages.py), kept under that key; a dependency that
could not be loaded leaves the reference unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pipelex_core.bundles.concept_cycles import report_cycles, report_holding_cycles
from pipelex_core.bundles.concept_fields import (
    resolve_concept_ref,
    structure_field,
)
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.hints import hints_error
from pipelex_core.bundles.library import Bundle
from pipelex_core.bundles.manifest import Manifest
from pipelex_core.bundles.natives import (
    LEAF_NATIVES,
    NATIVE_CONCEPTS,
    NATIVE_DOMAIN,
    NATIVE_FIELDS,
    NATIVE_REFINES,
    OPEN_NATIVES,
)
from pipelex_core.bundles.packages import Package, Packages
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import CONCEPT_CODE, ConceptRef

ANYTHING = "native.Anything"


@attrs.frozen
class Concept:
    key: str
    code: str
    domain: str
    fields: Mapping[str, Field] | None = None
    refines: str | None = None
    file: str | None = None
    native: bool = False
    external: bool = False
    #: the alias of the dependency it belongs to (checked there, not here)
    package: str | None = None

    @property
    def is_open(self) -> bool:
        """Untyped: any field path through it is accepted."""
        return self.external or (self.native and self.code in OPEN_NATIVES)

    @property
    def is_leaf(self) -> bool:
        return self.native and self.code in LEAF_NATIVES


def _accepts_anything(concept: Concept) -> bool:
    """Untyped concepts: a value of one fits anywhere, and anything fits one."""
    return concept.external or concept.key in (ANYTHING, "native.Dynamic")


def _natives() -> dict[str, Concept]:
    concepts = {}
    for code, fields in NATIVE_FIELDS.items():
        key = f"{NATIVE_DOMAIN}.{code}"
        table = None if fields is None else {field.name: field for field in fields}
        parent = NATIVE_REFINES.get(code)
        concepts[key] = Concept(
            key=key,
            code=code,
            domain=NATIVE_DOMAIN,
            fields=table,
            refines=None if parent is None else f"{NATIVE_DOMAIN}.{parent}",
            native=True,
        )
    return concepts


@attrs.define
class ConceptIndex:
    concepts: dict[str, Concept] = attrs.field(factory=_natives)
    manifest: Manifest | None = None
    packages: Packages = attrs.field(factory=dict)

    def lookup(self, ref: ConceptRef, domain: str | None) -> Concept | None:
        """The concept a well-formed reference names from a bundle of ``domain``."""
        if ref.alias is not None:
            key = ref.bare
            found = self.concepts.get(key)
            if found is not None:
                return found
            return Concept(key=key, code=ref.code, domain=ref.domain or "", external=True)
        if ref.domain is not None:
            return self.concepts.get(f"{ref.domain}.{ref.code}")
        native = self.concepts.get(f"{NATIVE_DOMAIN}.{ref.code}")
        if native is not None:
            return native
        return self.concepts.get(f"{domain or ''}.{ref.code}")

    def get(self, key: str | None) -> Concept | None:
        return None if key is None else self.concepts.get(key)

    def lineage(self, key: str) -> list[str]:
        """``key`` then every concept it refines, nearest first (cycles cut)."""
        chain: list[str] = []
        current: str | None = key
        while current is not None and current not in chain:
            chain.append(current)
            concept = self.concepts.get(current)
            current = concept.refines if concept is not None else None
        return chain

    def is_a(self, key: str, other: str) -> bool:
        """True when a ``key`` value may stand where ``other`` is expected."""
        if key == other:
            return True
        concept, wanted = self.concepts.get(key), self.concepts.get(other)
        if concept is None or wanted is None:
            return True  # the unresolved side is reported where it is referenced
        if _accepts_anything(wanted) or _accepts_anything(concept):
            return True
        return other in self.lineage(key)

    def is_a_strict(self, key: str, other: str) -> bool:
        """True when ``key`` is ``other`` or refines it: no untyped leniency."""
        return other in self.lineage(key)

    def fields_of(self, key: str) -> Mapping[str, Field] | None:
        """The structure a value of ``key`` has: its own, or the one it inherits."""
        for ancestor in self.lineage(key):
            concept = self.concepts.get(ancestor)
            if concept is not None and (concept.fields is not None or concept.is_open):
                return concept.fields
        return None

    def display(self, key: str | None) -> str:
        if key is None:
            return "an untyped value"
        return key.removeprefix(f"{NATIVE_DOMAIN}.")


def build_concept_index(
    bundles: Iterable[Bundle],
    problems: list[Problem],
    manifest: Manifest | None = None,
    packages: Packages | None = None,
) -> ConceptIndex:
    """Check every concept declaration and resolve refinements and structure fields.

    The concepts of loaded dependencies come first, already checked, under their own keys.
    """
    index = ConceptIndex(manifest=manifest, packages=packages or {})
    for package in index.packages.values():
        if isinstance(package, Package):
            index.concepts.update(package.concepts)
    pending: list[tuple[Bundle, str, Any]] = []
    for bundle in bundles:
        for code, definition in bundle.concepts.items():
            concept = _declare(bundle, code, definition, index, problems)
            if concept is not None:
                pending.append((bundle, code, definition))
    for bundle, code, definition in pending:
        _complete(bundle, code, definition, index, problems)
    report_cycles(index, problems)
    report_holding_cycles(index, problems)
    return index


def _declare(
    bundle: Bundle, code: str, definition: Any, index: ConceptIndex, problems: list[Problem]
) -> Concept | None:
    def bad(kind: str, message: str) -> None:
        problems.append(Problem(bundle.file, None, kind, f"concept {code!r}: {message}"))

    if not CONCEPT_CODE.match(code):
        bad("concept_code_invalid", "a concept code is PascalCase ([A-Z][a-zA-Z0-9]*)")
        return None
    if code in NATIVE_CONCEPTS:
        bad(
            "native_concept_redeclared",
            f"{code} is a native concept, always available: remove this declaration, or "
            "give your concept another name",
        )
        return None
    if isinstance(definition, dict):
        if not isinstance(definition.get("description"), str):
            bad("concept_definition_invalid", "a concept table needs a string `description`")
        unknown = sorted(set(definition) - CONCEPT_KEYS)
        if unknown:
            bad(
                "concept_definition_invalid",
                f"unknown key(s) {', '.join(unknown)}: a concept table takes description, "
                "structure, refines and hints",
            )
        if "hints" in definition:
            error = hints_error(definition["hints"])
            if error is not None:
                bad("concept_definition_invalid", error)
        if "structure" in definition and "refines" in definition:
            bad(
                "concept_definition_invalid",
                "`refines` and `structure` are exclusive: a concept either refines another "
                "or defines its own structure",
            )
    elif not isinstance(definition, str):
        bad(
            "concept_definition_invalid",
            'write `Code = "description"` or a [concept.Code] table with a description',
        )
        return None
    domain = bundle.domain or ""
    key = f"{domain}.{code}"
    existing = index.concepts.get(key)
    if existing is not None:
        bad("duplicate_concept", f"is already defined in domain {domain!r} ({existing.file})")
        return None
    concept = Concept(key=key, code=code, domain=domain, file=bundle.file)
    index.concepts[key] = concept
    return concept


def _complete(
    bundle: Bundle, code: str, definition: Any, index: ConceptIndex, problems: list[Problem]
) -> None:
    key = f"{bundle.domain or ''}.{code}"
    if not isinstance(definition, dict):
        return
    refines_key: str | None = None
    refines = definition.get("refines")
    if refines is not None:
        refines_key = resolve_concept_ref(
            bundle, f"concept {code!r}: `refines`", refines, index, problems
        )
    fields: dict[str, Field] | None = None
    structure = definition.get("structure")
    if isinstance(structure, dict):
        fields = {}
        for name, blueprint in structure.items():
            field = structure_field(bundle, code, name, blueprint, index, problems)
            if field is not None:
                fields[name] = field
    elif structure is not None and not isinstance(structure, str):
        problems.append(
            Problem(
                bundle.file,
                None,
                "concept_definition_invalid",
                f"concept {code!r}: `structure` is a table of fields (or a description string)",
            )
        )
    index.concepts[key] = attrs.evolve(index.concepts[key], fields=fields, refines=refines_key)


CONCEPT_KEYS = frozenset({"description", "structure", "refines", "hints"})
