"""The output an operator's kind fixes (a concept or one refining it, single or a list), or
rules out (Text, for an operator that structures text)."""

from __future__ import annotations

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem


def output_must_be(
    spec: PipeSpec,
    index: ConceptIndex,
    expected: str,
    problems: list[Problem],
    *,
    allow_list: bool,
) -> None:
    """An operator whose output is fixed by its kind: ``expected`` or a refinement of it,
    and a single value unless ``allow_list``."""
    output = spec.output
    if output is None or output.concept is None:
        return
    name = index.display(expected)
    if not index.is_a_strict(output.concept, expected):
        problems.append(
            spec.problem(
                "inadequate_output_concept",
                f"a {spec.type} outputs {name} or a concept refining it, not {output.ref.bare}",
            )
        )
    elif output.is_list and not allow_list:
        problems.append(
            spec.problem(
                "inadequate_output_multiplicity",
                f"a {spec.type} outputs a single {name}, not a list ({output}): remove the "
                "multiplicity",
            )
        )


def text_output(spec: PipeSpec, index: ConceptIndex) -> str | None:
    """The output as written when it is Text or refines it, which an operator that turns
    text into a structure cannot produce; None otherwise."""
    output = spec.output
    if output is None or output.concept is None:
        return None
    return output.ref.bare if index.is_a_strict(output.concept, "native.Text") else None
