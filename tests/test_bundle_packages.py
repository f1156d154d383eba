"""Dependencies loaded from disk: a local ``path`` or ``.mthds/methods/<alias>/``, real folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelex_core.bundles.check import find_problems
from pipelex_core.bundles.library import load_library
from pipelex_core.bundles.problems import Problem
from pipelex_core.models.resolution import ModelResolver, model_resolver
from pipelex_core.settings import Settings
from tests.cli_runner import Cli
from tests.conformance.runner import CASES

SEQUENCE_CASE = CASES / "libraries_local_path_dependency_pipe_in_sequence_valid"


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> ModelResolver:
    home = tmp_path_factory.mktemp("pipelex-home")
    return model_resolver(Settings.load({"PIPELEX_HOME": str(home)}), None)


def manifest(address: str, dependencies: str = "", exports: str = "") -> str:
    text = f'[package]\naddress = "{address}"\nversion = "1.0.0"\ndescription = "Methods"\n'
    if dependencies:
        text += f"[dependencies]\n{dependencies}\n"
    return text + exports


def package(folder: Path, manifest_text: str, bundle: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "METHODS.toml").write_text(manifest_text, encoding="utf-8")
    (folder / "bundle.mthds").write_text(bundle, encoding="utf-8")
    return folder


def llm(domain: str, code: str, output: str = "Text", extra: str = "") -> str:
    return (
        f'domain = "{domain}"\n{extra}'
        f'[pipe.{code}]\ntype = "PipeLLM"\ndescription = "Answer"\n'
        f'inputs = {{ question = "Text" }}\noutput = "{output}"\nprompt = "Answer: $question"\n'
    )


def caller(domain: str, target: str) -> str:
    return (
        f'domain = "{domain}"\nmain_pipe = "ask"\n'
        '[pipe.ask]\ntype = "PipeSequence"\ndescription = "Ask the dependency"\n'
        'inputs = { question = "Text" }\noutput = "Text"\n'
        f'steps = [{{ pipe = "{target}", result = "answer" }}]\n'
    )


def check(folder: Path, resolver: ModelResolver) -> list[Problem]:
    _checked, problems = find_problems(load_library([folder]), resolver)
    return problems


DEP = 'lib = { address = "github.com/org/lib", version = "^1.0"'
EXPORTS = '[exports.qa]\npipes = ["answer"]\n'


def test_a_dependencys_domain_never_merges_with_the_consumers(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    """Both packages declare domain qa with a pipe `answer` and a concept `Note`: no conflict."""
    note = '[concept.Note]\ndescription = "A note"\n'
    package(tmp_path / "lib", manifest("github.com/org/lib", exports=EXPORTS), llm("qa", "answer"))
    (tmp_path / "lib" / "note.mthds").write_text(f'domain = "qa"\n{note}', encoding="utf-8")
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "../lib" }}'),
        caller("qa", "lib->qa.answer")
        + note.replace("[concept", "\n[concept")
        + '[pipe.answer]\ntype = "PipeLLM"\ndescription = "Local"\n'
        'inputs = { question = "Text" }\noutput = "Note"\nprompt = "Note: $question"\n',
    )
    assert check(app, resolver) == []


def test_a_dependencys_own_problems_are_reported_as_its_own(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    broken = llm("qa", "answer").replace("$question", "$query")
    lib = package(tmp_path / "lib", manifest("github.com/org/lib", exports=EXPORTS), broken)
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "../lib" }}'),
        caller("support", "lib->qa.answer"),
    )
    problems = check(app, resolver)
    assert {p.code for p in problems} == {"missing_input_variable", "extraneous_input_variable"}
    assert all(p.file == str(lib / "bundle.mthds") for p in problems)
    assert all(p.message.startswith("in dependency 'lib': ") for p in problems)


def test_a_path_without_a_manifest_says_to_point_at_the_package_folder(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    (tmp_path / "lib").mkdir()
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "../lib" }}'),
        caller("support", "lib->qa.answer"),
    )
    [problem] = check(app, resolver)
    assert problem.code == "unresolved_package_dependency"
    assert "holds no METHODS.toml" in problem.message
    assert "point `path` at the dependency's package folder" in problem.message


@pytest.mark.parametrize(
    "entry", [f'{DEP}, path = "" }}', '{ address = "github.com/org/lib", version = ["^1"] }']
)
def test_a_declared_but_malformed_dependency_is_not_called_undeclared(
    entry: str, tmp_path: Path, resolver: ModelResolver
) -> None:
    """The manifest's problem says what is wrong with the entry; the reference says to fix
    that entry, never to declare an alias that is declared."""
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f"lib = {entry.removeprefix('lib = ')}"),
        caller("support", "lib->qa.answer"),
    )
    codes = {problem.code: problem.message for problem in check(app, resolver)}
    assert set(codes) == {"manifest_invalid", "unresolved_package_dependency"}
    message = codes["unresolved_package_dependency"]
    assert "does not declare" not in message
    assert "entry under [dependencies] is invalid" in message


def test_an_absolute_path_is_taken_as_it_is(tmp_path: Path, resolver: ModelResolver) -> None:
    lib = package(
        tmp_path / "lib", manifest("github.com/org/lib", exports=EXPORTS), llm("qa", "answer")
    )
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "{lib.as_posix()}" }}'),
        caller("support", "lib->qa.answer"),
    )
    assert check(app, resolver) == []


def test_a_remote_dependency_says_how_to_make_it_loadable(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f"{DEP} }}"),
        caller("support", "lib->qa.answer"),
    )
    [problem] = check(app, resolver)
    assert problem.code == "unresolved_package_dependency"
    assert "not installed, and validation never fetches" in problem.message
    assert ".mthds/methods/lib/" in problem.message


def test_a_missing_pipe_of_a_loaded_dependency_is_named(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    package(tmp_path / "lib", manifest("github.com/org/lib", exports=EXPORTS), llm("qa", "answer"))
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "../lib" }}'),
        caller("support", "lib->qa.reply"),
    )
    [problem] = check(app, resolver)
    assert problem.code == "unresolved_package_dependency"
    assert "defines no pipe 'reply' in domain 'qa'" in problem.message


def test_local_paths_are_not_followed_through_a_dependency(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    """Only the root package's paths are honoured: the dependency's own path is not."""
    package(
        tmp_path / "leaf", manifest("github.com/org/leaf", exports=EXPORTS), llm("qa", "answer")
    )
    leaf_dep = 'leaf = { address = "github.com/org/leaf", version = "^1.0", path = "../leaf" }'
    package(
        tmp_path / "lib",
        manifest("github.com/org/lib", leaf_dep, '[exports.mid]\npipes = ["ask"]\n'),
        caller("mid", "leaf->qa.answer"),
    )
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "../lib" }}'),
        caller("support", "lib->mid.ask"),
    )
    [problem] = check(app, resolver)
    assert problem.code == "unresolved_package_dependency"
    assert problem.message.startswith("in dependency 'lib': ")
    assert "local paths are honoured for the package being validated only" in problem.message


def test_a_vendored_dependency_resolves_its_own_vendored_dependency(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    """The cache is found walking up from each package: a dependency reaches the shared one."""
    cache = tmp_path / "app" / ".mthds" / "methods"
    package(cache / "leaf", manifest("github.com/org/leaf", exports=EXPORTS), llm("qa", "answer"))
    package(
        cache / "lib",
        manifest(
            "github.com/org/lib",
            'leaf = { address = "github.com/org/leaf", version = "^1.0" }',
            '[exports.mid]\npipes = ["ask"]\n',
        ),
        caller("mid", "leaf->qa.answer"),
    )
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f"{DEP} }}"),
        caller("support", "lib->mid.ask"),
    )
    assert check(app, resolver) == []


def test_a_dependency_cycle_is_refused_not_followed(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    cache = tmp_path / "app" / ".mthds" / "methods"
    back = 'app = { address = "github.com/org/app", version = "^1.0" }'
    package(cache / "lib", manifest("github.com/org/lib", back, EXPORTS), llm("qa", "answer"))
    (cache / "lib" / "back.mthds").write_text(caller("back", "app->support.ask"), encoding="utf-8")
    (cache / "app").symlink_to(tmp_path / "app", target_is_directory=True)
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f"{DEP} }}", '[exports.support]\npipes = ["ask"]\n'),
        caller("support", "lib->qa.answer"),
    )
    problems = check(app, resolver)
    assert [p.code for p in problems] == ["unresolved_package_dependency"]
    assert "in a circle" in problems[0].message


def test_inputs_and_dry_run_reach_the_dependency_through_the_commands(cli: Cli) -> None:
    app = str(SEQUENCE_CASE / "app")
    inputs = cli.agent("inputs", app)
    assert inputs.code == 0, inputs.stdout
    assert [i["name"] for i in inputs.envelope["result"]["inputs"]] == ["item"]
    run = cli.agent("run", "--dry-run", "--inputs", '{"item": "a red bike"}', app)
    assert run.code == 0, run.stdout
    trace = [(step["pipe"], step["depth"]) for step in run.envelope["result"]["trace"]]
    assert trace == [("analyze_item", 0), ("compute_weighted_score", 1), ("summarize_score", 1)]


def test_a_package_nested_in_the_scanned_package_is_its_own_not_the_consumers(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    """A folder below the package holding its own METHODS.toml is another package: a path
    dependency kept inside the consumer's folder is loaded as the dependency only, so its
    pipes are not also the consumer's (which made `answer` a duplicate)."""
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", f'{DEP}, path = "vendor_lib" }}'),
        caller("qa", "lib->qa.answer")
        + '\n[pipe.answer]\ntype = "PipeLLM"\ndescription = "Local"\n'
        'inputs = { question = "Text" }\noutput = "Text"\nprompt = "Local: $question"\n',
    )
    package(
        app / "vendor_lib", manifest("github.com/org/lib", exports=EXPORTS), llm("qa", "answer")
    )
    assert check(app, resolver) == []


def test_a_plain_folder_of_packages_is_still_scanned_whole(tmp_path: Path) -> None:
    """Only a package skips the packages nested in it: a folder without METHODS.toml holds
    whatever it holds, as before."""
    package(tmp_path / "one", manifest("github.com/org/one"), llm("qa", "first"))
    package(tmp_path / "two", manifest("github.com/org/two"), llm("qa", "second"))
    files = sorted(bundle.file for bundle in load_library([tmp_path]).bundles)
    assert [Path(file).parent.name for file in files] == ["one", "two"]


def test_a_package_two_dependencies_share_is_loaded_and_reported_once(
    tmp_path: Path, resolver: ModelResolver
) -> None:
    """A diamond (app -> left, right -> leaf): the shared leaf is read and checked once, and a
    fault in it is one problem, not one per path that reaches it."""
    cache = tmp_path / "app" / ".mthds" / "methods"
    package(
        cache / "leaf",
        manifest("github.com/org/leaf", exports=EXPORTS),
        llm("qa", "answer", output="Missing"),
    )
    leaf_dep = 'leaf = { address = "github.com/org/leaf", version = "^1.0" }'
    for side in ("left", "right"):
        package(
            cache / side,
            manifest(f"github.com/org/{side}", leaf_dep, f'[exports.{side}]\npipes = ["ask"]\n'),
            caller(side, "leaf->qa.answer"),
        )
    sides = (
        'left = { address = "github.com/org/left", version = "^1.0" }\n'
        'right = { address = "github.com/org/right", version = "^1.0" }'
    )
    app = package(
        tmp_path / "app",
        manifest("github.com/org/app", sides),
        caller("support", "left->left.ask").replace(
            "steps = [", 'steps = [{ pipe = "right->right.ask", result = "other" }, '
        ),
    )
    unknown = [p for p in check(app, resolver) if p.code == "unknown_concept"]
    assert len(unknown) == 1, unknown
    assert unknown[0].message.startswith("in dependency 'left': in dependency 'leaf': ")
