"""Every concept of a library, checked and resolved: natives, declarations, refinements.

Concepts are keyed ``domain.Code``. A bare reference resolves to a native first, then to the
referring bundle's domain; ``domain.Code`` names its domain; ``alias->domain.Code`` names a
dependency's concept, which is opaque offline (accepted wherever a concept is expected).
"""

from __future__ import annotations

import datetime
import keyword
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pipelex_core.bundles.fields import FIELD_TYPES, Field
from pipelex_core.bundles.graphs import describe_cycle, find_cycles
from pipelex_core.bundles.library import Bundle
from pipelex_core.bundles.manifest import Manifest, unresolved_dependency
from pipelex_core.bundles.natives import (
    LEAF_NATIVES,
    NATIVE_CONCEPTS,
    NATIVE_DOMAIN,
    NATIVE_FIELDS,
    OPEN_NATIVES,
)
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import CONCEPT_CODE, ConceptRef, parse_concept_ref

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
        concepts[key] = Concept(key=key, code=code, domain=NATIVE_DOMAIN, fields=table, native=True)
    return concepts


@attrs.define
class ConceptIndex:
    concepts: dict[str, Concept] = attrs.field(factory=_natives)
    manifest: Manifest | None = None

    def lookup(self, ref: ConceptRef, domain: str | None) -> Concept | None:
        """The concept a well-formed reference names from a bundle of ``domain``."""
        if ref.alias is not None:
            key = ref.bare
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
    bundles: Iterable[Bundle], problems: list[Problem], manifest: Manifest | None = None
) -> ConceptIndex:
    """Check every concept declaration and resolve refinements and structure fields."""
    index = ConceptIndex(manifest=manifest)
    pending: list[tuple[Bundle, str, Any]] = []
    for bundle in bundles:
        for code, definition in bundle.concepts.items():
            concept = _declare(bundle, code, definition, index, problems)
            if concept is not None:
                pending.append((bundle, code, definition))
    for bundle, code, definition in pending:
        _complete(bundle, code, definition, index, problems)
    _report_cycles(index, problems)
    _report_holding_cycles(index, problems)
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
                "structure and refines",
            )
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
        refines_key = _resolve_ref(bundle, f"concept {code!r}: `refines`", refines, index, problems)
    fields: dict[str, Field] | None = None
    structure = definition.get("structure")
    if isinstance(structure, dict):
        fields = {}
        for name, blueprint in structure.items():
            field = _field(bundle, code, name, blueprint, index, problems)
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


def _resolve_ref(
    bundle: Bundle, where: str, text: Any, index: ConceptIndex, problems: list[Problem]
) -> str | None:
    ref = parse_concept_ref(text, allow_markers=False)
    if ref.error is not None:
        problems.append(Problem(bundle.file, None, ref.error_code, f"{where}: {ref.error}"))
        return None
    if ref.is_list:
        problems.append(
            Problem(
                bundle.file,
                None,
                "concept_reference_invalid",
                f"{where}: {text!r} names a concept, without multiplicity",
            )
        )
        return None
    concept = index.lookup(ref, bundle.domain)
    if concept is None:
        problems.append(Problem(bundle.file, None, "unknown_concept", unknown_concept(where, ref)))
        return None
    if concept.external:
        message = unresolved_dependency(where, ref.bare, index.manifest)
        problems.append(Problem(bundle.file, None, "unresolved_package_dependency", message))
        return None
    return concept.key


def unknown_concept(where: str, ref: ConceptRef) -> str:
    """The message for a reference that resolves nowhere."""
    if ref.domain is not None:
        return (
            f"{where}: concept {ref.bare!r} is not defined in domain {ref.domain!r}: check the "
            "name, and validate the folder that holds the bundle defining it"
        )
    return (
        f"{where}: concept {ref.code!r} is neither a native concept nor declared in this "
        f'domain: declare it under [concept] ({ref.code} = "…"), or fix the name'
    )


CHOICE_TYPES = frozenset({"text", "integer", "number"})
FIELD_KEYS = frozenset(
    {
        "description",
        "type",
        "required",
        "default_value",
        "choices",
        "key_type",
        "value_type",
        "item_type",
        "concept_ref",
        "item_concept_ref",
        "hints",
    }
)
CONCEPT_KEYS = frozenset({"description", "structure", "refines"})
_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "date": (datetime.date, str),
    "datetime": (datetime.datetime, str),
    "time": (datetime.time, str),
    "list": (list,),
    "dict": (dict,),
}


def _field(
    bundle: Bundle,
    code: str,
    name: str,
    blueprint: Any,
    index: ConceptIndex,
    problems: list[Problem],
) -> Field | None:
    where = f"concept {code!r}, field {name!r}"
    found: list[str] = []
    if name.startswith("_"):
        found.append("field names starting with `_` are reserved")
    elif not name.isidentifier() or keyword.iskeyword(name):
        found.append("a field name is an identifier (letters, digits, `_`), never a keyword")
    elif name.startswith("model_"):
        found.append("field names starting with `model_` are reserved by the structure's model")
    if isinstance(blueprint, str):
        if found:
            _report_field(bundle, where, found, problems)
            return None
        return Field(name=name, kind="text", required=True)
    if not isinstance(blueprint, dict):
        _report_field(bundle, where, ["write a field table or a description string"], problems)
        return None
    kind = blueprint.get("type")
    choices = blueprint.get("choices")
    required = blueprint.get("required", False)
    has_default = "default_value" in blueprint
    default = blueprint.get("default_value")
    if not isinstance(blueprint.get("description"), str):
        found.append("needs a string `description`")
    unknown = sorted(set(blueprint) - FIELD_KEYS)
    if unknown:
        found.append(
            f"unknown key(s) {', '.join(unknown)} (a field takes {', '.join(sorted(FIELD_KEYS))})"
        )
    if not isinstance(required, bool):
        found.append("`required` is true or false")
        required = False
    if kind is None:
        if not (isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices)):
            found.append("needs a `type` (text, integer, number, …) or a non-empty `choices` list")
        elif has_default and default not in choices:
            found.append(f"`default_value` {default!r} is not one of its choices")
        kind = "choices"
    elif not isinstance(kind, str) or kind not in FIELD_TYPES:
        found.append(f"unknown type {kind!r}; use one of {', '.join(sorted(FIELD_TYPES))}")
    elif choices is not None and str(kind) not in CHOICE_TYPES:
        # text, integer or number beside choices says what the values are: accepted
        found.append(
            f"`choices` go with no `type`, or with text, integer or number, not with {kind!r}"
        )
    if has_default and required:
        found.append("`default_value` never goes with `required = true`")
    concept_key: str | None = None
    item_kind = blueprint.get("item_type")
    item_concept: str | None = None
    if kind == "concept":
        if has_default:
            found.append("a `concept` field cannot have a `default_value`")
        if "concept_ref" not in blueprint:
            found.append('`type = "concept"` needs `concept_ref`')
    elif "concept_ref" in blueprint:
        found.append('`concept_ref` goes only with `type = "concept"`')
    if kind == "dict" and not (blueprint.get("key_type") and blueprint.get("value_type")):
        found.append('`type = "dict"` needs both `key_type` and `value_type`')
    elif kind == "dict" and blueprint.get("key_type") not in ("text", "str"):
        found.append('a dict\'s keys are text: write key_type = "text"')
    if item_kind is not None and kind != "list":
        found.append('`item_type` goes only with `type = "list"`')
    if item_kind is not None and str(item_kind) not in FIELD_TYPES - {"list"}:
        found.append(f"unknown item_type {item_kind!r}")
    if item_kind == "concept" and "item_concept_ref" not in blueprint:
        found.append('`item_type = "concept"` needs `item_concept_ref`')
    if item_kind != "concept" and "item_concept_ref" in blueprint:
        found.append('`item_concept_ref` goes only with `item_type = "concept"`')
    if has_default and isinstance(kind, str) and kind in _DEFAULT_TYPES:
        allowed = _DEFAULT_TYPES[kind]
        if not isinstance(default, allowed) or (kind != "boolean" and isinstance(default, bool)):
            found.append(f"`default_value` {default!r} is not a {kind}")
    if found:
        _report_field(bundle, where, found, problems)
        return None
    if kind == "concept":
        concept_key = _resolve_ref(bundle, where, blueprint["concept_ref"], index, problems)
    if item_kind == "concept":
        item_concept = _resolve_ref(bundle, where, blueprint["item_concept_ref"], index, problems)
    return Field(
        name=name,
        kind=kind,
        required=required,
        has_default=has_default,
        concept=concept_key,
        item_kind=item_kind if isinstance(item_kind, str) else None,
        item_concept=item_concept,
        choices=tuple(str(c) for c in choices) if isinstance(choices, list) else (),
        default=_plain_default(default),
    )


def _plain_default(value: Any) -> Any:
    """A TOML default as JSON holds it (dates and times as ISO strings)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _report_field(bundle: Bundle, where: str, found: list[str], problems: list[Problem]) -> None:
    problems.append(
        Problem(bundle.file, None, "concept_field_invalid", f"{where}: {'; '.join(found)}")
    )


def _report_holding_cycles(index: ConceptIndex, problems: list[Problem]) -> None:
    """A concept may not hold itself, directly or through others: its value would never end."""
    holds: dict[str, list[str]] = {}
    for key, concept in index.concepts.items():
        if concept.native or not concept.fields:
            continue
        held = []
        for field in concept.fields.values():
            target = field.concept if field.kind == "concept" else field.item_concept
            if target is not None and target in index.concepts:
                held.append(target)
        holds[key] = held
    for cycle in find_cycles(holds):
        concept = index.concepts[cycle[0]]
        problems.append(
            Problem(
                concept.file or "",
                None,
                "concept_field_invalid",
                "concepts hold each other in a circle through their fields: "
                + describe_cycle([index.concepts[key].code for key in cycle])
                + "; break it (hold an identifier instead, or a list of another concept)",
            )
        )


def _report_cycles(index: ConceptIndex, problems: list[Problem]) -> None:
    reported: set[str] = set()
    for key, concept in list(index.concepts.items()):
        if concept.refines is None or key in reported:
            continue
        chain = index.lineage(key)
        last = index.concepts.get(chain[-1])
        if last is not None and last.refines is not None and last.refines in chain:
            cycle = chain[chain.index(last.refines) :]
            reported.update(cycle)
            problems.append(
                Problem(
                    concept.file or "",
                    None,
                    "concept_refinement_cycle",
                    "concepts refine each other in a circle: "
                    + describe_cycle([*cycle, cycle[0]])
                    + "; one of them must refine something else, or nothing",
                )
            )
