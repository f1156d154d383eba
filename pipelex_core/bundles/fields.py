"""A concept's structure field, and what a value at that field is as a concept.

Deriving a field's concept is how a binding step, a construct ``from`` or a template path
learns the type of what it reaches.
"""

from __future__ import annotations

from typing import Any

import attrs

#: The plain field types and the native concept a value of each one is.
PLAIN_FIELD_CONCEPTS = {
    "text": "native.Text",
    "choices": "native.Text",
    "integer": "native.Number",
    "number": "native.Number",
    "boolean": "native.YesNo",
    "date": "native.Date",
    "datetime": "native.Date",
    "time": "native.Time",
    "dict": "native.JSON",
}
FIELD_TYPES = frozenset({*PLAIN_FIELD_CONCEPTS, "list", "concept"}) - {"choices"}


@attrs.frozen
class Field:
    """One field of a structure, already checked; ``concept`` keys are ``domain.Code``."""

    name: str
    kind: str
    required: bool = False
    has_default: bool = False
    concept: str | None = None
    item_kind: str | None = None
    item_concept: str | None = None
    choices: tuple[str, ...] = ()
    #: the declared ``default_value`` (meaningful when ``has_default``)
    default: Any = attrs.field(default=None, eq=False, hash=False)

    @property
    def may_be_absent(self) -> bool:
        return not self.required and not self.has_default

    def value_concept(self) -> tuple[str | None, bool]:
        """The concept key of a value at this field and whether it is a list.

        ``None`` means untyped (a list of unspecified items): any use of it is accepted.
        """
        if self.kind == "concept":
            return self.concept, False
        if self.kind == "list":
            if self.item_kind == "concept":
                return self.item_concept, True
            return PLAIN_FIELD_CONCEPTS.get(self.item_kind or ""), True
        return PLAIN_FIELD_CONCEPTS.get(self.kind), False
