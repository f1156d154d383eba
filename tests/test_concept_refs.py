"""The concept-reference grammar at its edges: ``[alias->][domain.]Code[[]|[N]][?|!]``.

The conformance cases exercise references inside whole bundles; these pin the grammar's
bounds and messages one reference at a time (found missing by the mutation run,
docs/testing.md).
"""

from __future__ import annotations

import pytest

from pipelex_core.bundles.refs import Presence, parse_concept_ref

#: text -> (code, domain, is_list, count, presence) of a reference that parses
VALID = {
    "Text": ("Text", None, False, None, Presence.PLAIN),
    "legal.Contract[]": ("Contract", "legal", True, None, Presence.PLAIN),
    "Text[1]": ("Text", None, False, None, Presence.PLAIN),  # a count of one is a single value
    "Text[1]?": ("Text", None, False, None, Presence.OPTIONAL),
    "Text[2]": ("Text", None, True, 2, Presence.PLAIN),
    "Text[10000]": ("Text", None, True, 10_000, Presence.PLAIN),  # the largest fixed count
    "Text?": ("Text", None, False, None, Presence.OPTIONAL),
    "Text!": ("Text", None, False, None, Presence.FORCE),  # an input's marker by default
    "  Text  ": ("Text", None, False, None, Presence.PLAIN),
}


@pytest.mark.parametrize("text", sorted(VALID))
def test_a_reference_in_the_grammar_parses(text: str) -> None:
    ref = parse_concept_ref(text, allow_markers=True)
    assert ref.error is None, ref.error
    assert (ref.code, ref.domain, ref.is_list, ref.count, ref.presence) == VALID[text]


#: text -> (error code, message fragment)
INVALID = {
    "": ("concept_reference_invalid", "'' is not a concept reference"),
    "   ": ("concept_reference_invalid", "'   ' is not a concept reference"),
    "Text[0]": ("concept_reference_invalid", "a list count is a whole number >= 1"),
    "Text[x]": ("concept_reference_invalid", "a list count is a whole number >= 1"),
    "Text[10001]": ("concept_reference_invalid", "a fixed list holds at most 10,000 items"),
    "Text[99999999999999999999]": ("concept_reference_invalid", "holds at most 10,000 items"),
    "Text[][]": ("concept_reference_invalid", "lists never nest"),
    "Text??": ("optional_marker_invalid", "at most one presence marker"),
    "Text!?": ("optional_marker_invalid", "at most one presence marker"),
    "Text x": ("concept_reference_invalid", "'Text x' is not a concept reference"),
    "9Text": ("concept_reference_invalid", "'9Text' is not a concept reference"),
    "my_concept": (
        "concept_reference_invalid",
        "'my_concept' is not a concept code (PascalCase, e.g. 'MyConcept')",
    ),
    "Text[]?": ("optional_marker_invalid", "never combines with a list"),
}


@pytest.mark.parametrize("text", sorted(INVALID))
def test_a_reference_outside_the_grammar_says_why(text: str) -> None:
    ref = parse_concept_ref(text, allow_markers=True)
    code, fragment = INVALID[text]
    assert ref.error is not None
    assert fragment in ref.error
    assert ref.error_code == code
    assert ref.is_list is False or text == "Text[]?"  # a malformed reference is not a list


def test_markers_belong_on_pipe_slots_and_force_on_inputs_only() -> None:
    assert "belong on pipe inputs and outputs only" in str(
        parse_concept_ref("Text?", allow_markers=False).error
    )
    output = parse_concept_ref("Text!", allow_markers=True, is_output=True)
    assert output.error_code == "optional_marker_invalid"
    assert "`!` is for inputs only" in str(output.error)
    assert parse_concept_ref("Text?", allow_markers=True, is_output=True).error is None


@pytest.mark.parametrize(
    ("text", "bare", "shown"),
    [
        ("Text", "Text", "Text"),
        ("legal.Contract[]", "legal.Contract", "legal.Contract[]"),
        ("lib->legal.Contract[3]", "lib->legal.Contract", "lib->legal.Contract[3]"),
        ("Text?", "Text", "Text?"),
    ],
)
def test_a_reference_is_shown_as_written(text: str, bare: str, shown: str) -> None:
    ref = parse_concept_ref(text, allow_markers=True)
    assert (ref.bare, str(ref)) == (bare, shown)


def test_a_non_string_is_an_error_not_a_crash() -> None:
    ref = parse_concept_ref(3, allow_markers=True)
    assert ref.error == "must be a concept reference string, not 3"
