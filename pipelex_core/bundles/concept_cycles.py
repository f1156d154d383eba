"""Cycles among concepts: a concept refining itself through others, or holding itself
(directly or through its fields' concepts), whose value would never end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex_core.bundles.graphs import describe_cycle, find_cycles
from pipelex_core.bundles.problems import Problem

if TYPE_CHECKING:
    from pipelex_core.bundles.concept_index import ConceptIndex


def report_holding_cycles(index: ConceptIndex, problems: list[Problem]) -> None:
    """A concept may not hold itself, directly or through others: its value would never end."""
    holds: dict[str, list[str]] = {}
    for key, concept in index.concepts.items():
        if concept.native or concept.package is not None or not concept.fields:
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


def report_cycles(index: ConceptIndex, problems: list[Problem]) -> None:
    reported: set[str] = set()
    for key, concept in list(index.concepts.items()):
        if concept.refines is None or concept.package is not None or key in reported:
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
