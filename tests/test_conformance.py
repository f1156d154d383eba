"""The MTHDS conformance suite: one folder per case under ``tests/conformance/cases``.

Each case was written from Pipelex's documentation: a library, the reference's verdict, and
for an invalid one the exact set of problem codes. A valid case must also list the inputs it
names and dry-run. Adding a case is adding a folder; ``tests/conformance/README.md`` says how.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelex_core.bundles.check import CheckedLibrary, find_problems
from pipelex_core.bundles.dry_run import dry_run
from pipelex_core.bundles.inputs import input_specs, match_inputs, start_pipe
from pipelex_core.bundles.library import load_library
from pipelex_core.bundles.problems import CODES
from pipelex_core.models.resolution import ModelResolver, model_resolver
from pipelex_core.settings import Settings
from tests.conformance.runner import Case, load_cases

CASES = load_cases()
FAMILIES = ("concepts", "operators", "controllers", "models", "libraries")


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> ModelResolver:
    home = tmp_path_factory.mktemp("pipelex-home")
    return model_resolver(Settings.load({"PIPELEX_HOME": str(home)}), None)


def _check(case: Case, resolver: ModelResolver) -> tuple[CheckedLibrary, list[str]]:
    allow = bool(case.raw.get("allow_signatures", False))
    checked, problems = find_problems(load_library([case.target]), resolver, allow_signatures=allow)
    return checked, [f"[{p.code}] {p.message}" for p in problems]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_verdict(case: Case, resolver: ModelResolver) -> None:
    _checked, problems = _check(case, resolver)
    codes = {line[1 : line.index("]")] for line in problems}
    if case.valid:
        assert problems == [], f"{case.rule}\n" + "\n".join(problems)
    else:
        assert codes == case.codes, f"{case.rule}\n" + "\n".join(problems)


@pytest.mark.parametrize("case", [c for c in CASES if c.valid], ids=lambda case: case.name)
def test_valid_case_lists_inputs_and_dry_runs(case: Case, resolver: ModelResolver) -> None:
    checked, _ = _check(case, resolver)
    assert case.pipe is not None or checked.main_pipe() is not None, (
        "a valid case dry-runs: give the bundle a main_pipe, or expected.toml a `pipe`"
    )
    start = start_pipe(checked, case.pipe)
    specs = input_specs(checked, start)
    if case.inputs is not None:
        assert tuple(spec.name for spec in specs) == case.inputs
    values = match_inputs(checked, specs, {s.name: s.example for s in specs}, start)
    outcome = dry_run(checked, start, values)
    assert outcome.trace[0]["pipe"] == start.code


RUN_CASES = [c for c in CASES if (c.folder / "output.json").exists()]


@pytest.mark.parametrize("case", RUN_CASES, ids=lambda case: case.name)
def test_run_case_output(case: Case, resolver: ModelResolver) -> None:
    from pipelex_core.bundles.real_run import blocking_pipes, real_run

    checked, problems = _check(case, resolver)
    assert problems == []
    start = start_pipe(checked, case.pipe)
    assert blocking_pipes(checked, start) == []
    specs = input_specs(checked, start)
    values = match_inputs(checked, specs, case.run_inputs or {}, start)
    outcome = real_run(checked, start, values)
    expected = case.expected_output
    if isinstance(expected, dict) and expected.get("absent") is True:
        assert outcome.output["absent"] is True
    else:
        assert outcome.output == expected


def test_cases_use_known_codes_only() -> None:
    unknown = {code for case in CASES for code in case.codes} - set(CODES)
    assert unknown == set()


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_valid_and_invalid_cases(family: str) -> None:
    kinds = {case.valid for case in CASES if case.name.startswith(f"{family}_")}
    assert kinds == {True, False}


def test_adding_a_case_is_adding_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cases" / "concepts_extra"
    folder.mkdir(parents=True)
    (folder / "bundle.mthds").write_text('domain = "x"\n', encoding="utf-8")
    (folder / "expected.toml").write_text("valid = true\n", encoding="utf-8")
    loaded = load_cases(tmp_path / "cases")
    assert [case.name for case in loaded] == ["concepts_extra"]
