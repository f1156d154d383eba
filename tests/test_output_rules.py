"""The output an operator's kind fixes or rules out: what each refusal says to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelex_core.bundles.check import find_problems
from pipelex_core.bundles.library import load_library
from pipelex_core.models.resolution import ModelResolver, model_resolver
from pipelex_core.settings import Settings
from tests.conformance.runner import CASES


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> ModelResolver:
    home = tmp_path_factory.mktemp("pipelex-home")
    return model_resolver(Settings.load({"PIPELEX_HOME": str(home)}), None)


@pytest.mark.parametrize(
    ("case", "code", "fragments"),
    [
        (
            "operators_docgen_output_not_document",
            "inadequate_output_concept",
            ["a PipeDocGen outputs Document or a concept refining it, not "],
        ),
        (
            "operators_docgen_output_list",
            "inadequate_output_multiplicity",
            ["a PipeDocGen outputs a single Document, not a list (", "remove the multiplicity"],
        ),
        (
            "operators_llm_preliminary_text_text_output",
            "inadequate_output_concept",
            [
                'structuring_method = "preliminary_text"',
                "(Text or a refinement of it): output a structured concept",
            ],
        ),
        (
            "operators_structure_text_output",
            "inadequate_output_concept",
            ["a PipeStructure turns text into a structured concept; its output cannot be "],
        ),
    ],
)
def test_an_output_the_operator_cannot_produce_says_what_it_can(
    resolver: ModelResolver, case: str, code: str, fragments: list[str]
) -> None:
    _checked, problems = find_problems(load_library([Path(CASES / case)]), resolver)
    refused = [problem.message for problem in problems if problem.code == code]
    assert refused
    for message in refused:
        for fragment in fragments:
            assert fragment in message
