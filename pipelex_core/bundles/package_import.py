"""A checked dependency, seen from the package that uses it: every key carries its alias.

The dependency was checked as a library of its own; here its concepts and pipes are re-keyed
``alias->domain…`` (natives stay shared) so that they sit beside the consumer's without ever
merging with a domain of the same name, and every flow rule reads them like any other pipe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from pipelex_core.bundles.concept_index import Concept, ConceptIndex
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.model_uses import ModelUse
from pipelex_core.bundles.packages import Package, foreign_key
from pipelex_core.bundles.pipe_specs import PipeSpec, Slot
from pipelex_core.bundles.registry import PipeRegistry


def import_package(
    alias: str,
    root: Path,
    index: ConceptIndex,
    registry: PipeRegistry,
    public: Iterable[tuple[str, str]],
    model_uses: Iterable[ModelUse],
    domains: Iterable[str],
) -> Package:
    """The dependency ``alias`` at ``root`` as its consumer reaches it."""

    def key(value: str | None) -> str | None:
        return None if value is None else foreign_key(alias, value)

    def field(item: Field) -> Field:
        return attrs.evolve(item, concept=key(item.concept), item_concept=key(item.item_concept))

    def fields(table: Mapping[str, Field] | None) -> Mapping[str, Field] | None:
        return None if table is None else {name: field(f) for name, f in table.items()}

    def concept(item: Concept) -> Concept:
        return attrs.evolve(
            item,
            key=foreign_key(alias, item.key),
            domain=foreign_key(alias, item.domain),
            refines=key(item.refines),
            fields=fields(item.fields),
            package=alias,
        )

    def slot(item: Slot) -> Slot:
        return Slot(item.ref, key(item.concept))

    def spec(item: PipeSpec) -> PipeSpec:
        return attrs.evolve(
            item,
            domain=foreign_key(alias, item.domain),
            inputs={name: slot(s) for name, s in item.inputs.items()},
            output=None if item.output is None else slot(item.output),
        )

    pipes = {
        (foreign_key(alias, d), c): spec(s)
        for (d, c), s in [*registry.by_key.items(), *registry.foreign.items()]
    }
    concepts = {
        foreign_key(alias, k): concept(c) for k, c in index.concepts.items() if not c.native
    }
    return Package(
        alias=alias,
        root=root,
        domains=frozenset(domains),
        pipes=pipes,
        concepts=concepts,
        exported=frozenset((foreign_key(alias, d), c) for d, c in public),
        model_uses=tuple(
            attrs.evolve(use, pipe=pipes[(foreign_key(alias, use.pipe.domain), use.pipe.code)])
            for use in model_uses
            if (foreign_key(alias, use.pipe.domain), use.pipe.code) in pipes
        ),
    )
