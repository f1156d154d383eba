"""A concept's declaration, field by field: its structure's fields (type, choices, default,
required) and the concept references it makes (``refines``, a field's ``concept_ref``).

Each reference resolves the way every reference in a bundle does (a native first, then the
bundle's domain, then ``domain.Code``; ``alias->domain.Code`` in a loaded dependency).
"""

from __future__ import annotations

import datetime
import keyword
from typing import TYPE_CHECKING, Any

from pipelex_core.bundles.fields import FIELD_TYPES, Field
from pipelex_core.bundles.hints import hints_error
from pipelex_core.bundles.library import Bundle
from pipelex_core.bundles.packages import unresolved_dependency
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import ConceptRef, parse_concept_ref

if TYPE_CHECKING:
    from pipelex_core.bundles.concept_index import ConceptIndex


def resolve_concept_ref(
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
        message = unresolved_dependency(where, ref.bare, index.manifest, index.packages)
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


def structure_field(
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
    if "hints" in blueprint:
        error = hints_error(blueprint["hints"])
        if error is not None:
            found.append(error)
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
        concept_key = resolve_concept_ref(bundle, where, blueprint["concept_ref"], index, problems)
    if item_kind == "concept":
        item_concept = resolve_concept_ref(
            bundle, where, blueprint["item_concept_ref"], index, problems
        )
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
