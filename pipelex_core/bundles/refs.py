"""The grammar of concept references: ``[alias->][domain.]Code[[]|[N]][?|!]``.

Parsing never raises: a reference outside the grammar comes back with ``error`` set and the
code to report, so that one bad reference is one problem among all the others.
"""

from __future__ import annotations

import enum
import functools
import re

import attrs

CONCEPT_CODE = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
DOMAIN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_REFERENCE = re.compile(
    r"^(?:(?P<alias>[a-z][a-z0-9_]*)->)?"
    r"(?:(?P<domain>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.)?"
    r"(?P<code>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?P<many>\[(?P<count>[^\]]*)\])?"
    r"(?P<rest>.*)$"
)
#: The largest fixed count (``X[N]``): beyond it a placeholder list could not even be built.
MAX_LIST_COUNT = 10_000
RESERVED_DOMAINS = frozenset({"native", "mthds", "pipelex"})


class Presence(enum.Enum):
    """The presence marker of a pipe's input or output slot."""

    PLAIN = ""
    OPTIONAL = "?"
    FORCE = "!"


@attrs.frozen
class ConceptRef:
    """A parsed concept reference; ``error`` (with its ``error_code``) when it is malformed."""

    text: str
    code: str = ""
    domain: str | None = None
    alias: str | None = None
    is_list: bool = False
    count: int | None = None
    presence: Presence = Presence.PLAIN
    error: str | None = None
    error_code: str = "concept_reference_invalid"

    @property
    def optional(self) -> bool:
        return self.presence is Presence.OPTIONAL

    @property
    def bare(self) -> str:
        """The reference without multiplicity or marker: ``domain.Code`` or ``Code``."""
        prefix = f"{self.alias}->" if self.alias else ""
        return f"{prefix}{self.domain}.{self.code}" if self.domain else f"{prefix}{self.code}"

    def multiplicity_text(self) -> str:
        if not self.is_list:
            return ""
        return f"[{self.count}]" if self.count is not None else "[]"

    def __str__(self) -> str:
        return f"{self.bare}{self.multiplicity_text()}{self.presence.value}"


def parse_concept_ref(text: object, *, allow_markers: bool, is_output: bool = False) -> ConceptRef:
    """Parse ``text``; markers are allowed only on pipe inputs and outputs, ``!`` only on inputs."""
    if isinstance(text, str):
        return _parse_text(text, allow_markers, is_output)
    return ConceptRef(str(text), error=f"must be a concept reference string, not {text!r}")


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str, allow_markers: bool, is_output: bool) -> ConceptRef:
    """Cached: a library names the same few concepts thousands of times."""
    if not isinstance(text, str):
        return ConceptRef(str(text), error=f"must be a concept reference string, not {text!r}")
    stripped = text.strip()
    match = _REFERENCE.match(stripped)
    if match is None or not stripped:
        return ConceptRef(text, error=f"{text!r} is not a concept reference")
    code, rest = match["code"], match["rest"]
    if not CONCEPT_CODE.match(code):
        return ConceptRef(
            text,
            error=f"{text!r}: {code!r} is not a concept code (PascalCase, e.g. {_pascal(code)!r})",
        )
    count: int | None = None
    if match["many"] is not None:
        raw = match["count"]
        if raw != "":
            if not raw.isdigit() or int(raw) < 1:
                return ConceptRef(
                    text, error=f"{text!r}: a list count is a whole number >= 1, as in Text[3]"
                )
            if len(raw) > 5 or int(raw) > MAX_LIST_COUNT:
                return ConceptRef(
                    text,
                    error=f"{text!r}: a fixed list holds at most {MAX_LIST_COUNT:,} items; "
                    f"write {code}[] for a list of any length",
                )
            count = int(raw)
    presence = Presence.PLAIN
    if rest in ("?", "!"):
        presence = Presence(rest)
    elif rest:
        if rest.startswith("[") or rest.startswith("?") or rest.startswith("!"):
            return ConceptRef(
                text,
                error=f"{text!r}: a reference takes at most one multiplicity and one marker "
                "(lists never nest)"
                if rest.startswith("[")
                else f"{text!r}: at most one presence marker",
                error_code="concept_reference_invalid"
                if rest.startswith("[")
                else "optional_marker_invalid",
            )
        return ConceptRef(text, error=f"{text!r} is not a concept reference")
    # `X[1]` is the same slot as `X`, its count written out: a single value, never a list.
    is_list = match["many"] is not None and count != 1
    parsed = ConceptRef(
        text,
        code=code,
        domain=match["domain"],
        alias=match["alias"],
        is_list=is_list,
        count=count if is_list else None,
        presence=presence,
    )
    marker_error = _marker_error(parsed, allow_markers=allow_markers, is_output=is_output)
    if marker_error is not None:
        return attrs.evolve(parsed, error=marker_error, error_code="optional_marker_invalid")
    return parsed


def _marker_error(ref: ConceptRef, *, allow_markers: bool, is_output: bool) -> str | None:
    if ref.presence is Presence.PLAIN:
        return None
    if not allow_markers:
        return (
            f"{ref.text!r}: presence markers (`?`, `!`) belong on pipe inputs and outputs only, "
            "never on concept definitions, `refines` or structure fields"
        )
    if ref.is_list:
        return (
            f"{ref.text!r}: a presence marker never combines with a list: a plural slot that "
            f"received nothing is an empty list. Write {ref.bare}{ref.multiplicity_text()!s}"
        )
    if is_output and ref.presence is Presence.FORCE:
        return (
            f"{ref.text!r}: `!` is for inputs only, a pipe cannot force its own result; "
            f"write {ref.bare} or {ref.bare}?"
        )
    return None


def _pascal(code: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", code) if part)
