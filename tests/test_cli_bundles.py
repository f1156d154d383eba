"""validate, inputs and run --dry-run through the installed commands, BYOK (row 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import EXAMPLES, Cli

ALL_TYPES = (
    "PipeBatch, PipeCompose, PipeCondition, PipeDocGen, PipeExtract, PipeFunc, PipeImgGen, "
    "PipeJudge, PipeLLM, PipeParallel, PipeSearch, PipeSequence, PipeStructure"
)
VALID = sorted((EXAMPLES / "bundles").glob("*.mthds"))


@pytest.mark.parametrize("bundle", VALID, ids=lambda p: p.stem)
def test_examples_validate_in_byok_both_faces(cli: Cli, bundle: Path) -> None:
    human = cli.run("validate", str(bundle))
    assert human.code == 0, human.stderr
    assert human.stdout.startswith("Valid: ")
    assert "(BYOK)" in human.stdout
    assert human.stderr == ""
    agent = cli.agent("validate", str(bundle))
    assert agent.code == 0
    envelope = agent.envelope
    assert envelope["ok"] is True
    assert envelope["command"] == "validate"
    assert envelope["warnings"] == []
    assert envelope["result"]["valid"] is True
    assert envelope["result"]["remote_config"] is None
    assert set(envelope) == {"ok", "command", "result", "warnings"}


def test_json_flag_is_the_agent_face(cli: Cli) -> None:
    completed = cli.run("--json", "validate", str(VALID[0]))
    assert completed.code == 0
    assert completed.envelope["ok"] is True


def test_directory_is_one_library(cli: Cli) -> None:
    completed = cli.agent("validate", str(EXAMPLES / "bundles"))
    assert completed.code == 0
    assert len(completed.envelope["result"]["files"]) == len(VALID)


def test_invalid_example_lists_every_problem(cli: Cli) -> None:
    bundle = EXAMPLES / "invalid" / "broken.mthds"
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert completed.envelope["ok"] is False
    assert error["type"] == "BundleValidationError"
    assert error["domain"] == "bundle"
    problems = {(p["pipe"], p["message"].split(":")[0]) for p in error["problems"]}
    assert problems == {
        ("BadName", "invalid pipe code"),
        ("typo_type", f"unknown pipe type 'PipeLMM'; expected one of {ALL_TYPES}"),
        ("start", "calls pipe 'missing_step', which does not exist"),
        ("start", "controller cycle"),
        ("unknown_alias", "Unknown alias 'no-such-alias' in model reference 'alias"),
    }
    assert all(p["file"] == str(bundle) for p in error["problems"])
    human = cli.run("validate", str(bundle))
    assert human.code == 1
    assert "Error: 5 problems found" in human.stderr
    assert "Traceback" not in human.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PROBLEM_CASES = {
    "toml-syntax": ('domain = "x"\n[pipe.a\ntype = "PipeLLM"\n', None, "invalid TOML"),
    "missing-type": (
        '[pipe.a]\ndescription = "no type"\n',
        "a",
        "has neither `type` nor `signature_for`",
    ),
    "unknown-type": ('[pipe.a]\ntype = "PipeMagic"\n', "a", "unknown pipe type 'PipeMagic'"),
    "bad-code": ('[pipe.Caps]\ntype = "PipeFunc"\n', "Caps", "invalid pipe code"),
    "main-pipe": (
        'main_pipe = "nope"\n[pipe.a]\ntype = "PipeFunc"\n',
        None,
        "main_pipe 'nope' names no pipe",
    ),
    "sequence-ref": (
        '[pipe.a]\ntype = "PipeSequence"\nsteps = [{ pipe = "ghost" }]\n',
        "a",
        "calls pipe 'ghost', which does not exist",
    ),
    "parallel-ref": (
        '[pipe.a]\ntype = "PipeParallel"\nbranches = [{ pipe = "ghost" }]\n',
        "a",
        "calls pipe 'ghost'",
    ),
    "batch-ref": (
        '[pipe.a]\ntype = "PipeBatch"\nbranch_pipe_code = "ghost"\n',
        "a",
        "calls pipe 'ghost'",
    ),
    "condition-ref": (
        '[pipe.a]\ntype = "PipeCondition"\noutcomes = { yes = "ghost", no = "fail" }\n'
        'default_outcome = "continue"\n',
        "a",
        "calls pipe 'ghost'",
    ),
    "cycle": (
        '[pipe.a]\ntype = "PipeSequence"\nsteps = [{ pipe = "b" }]\n'
        '[pipe.b]\ntype = "PipeParallel"\nbranches = [{ pipe = "a" }]\n',
        "a",
        "controller cycle: a -> b -> a",
    ),
    "unknown-preset": (
        '[pipe.a]\ntype = "PipeLLM"\nmodel = "$nope"\n',
        "a",
        "Unknown preset 'nope'",
    ),
    "unknown-waterfall": (
        '[pipe.a]\ntype = "PipeLLM"\nmodel = { model = "~nope", temperature = 1 }\n',
        "a",
        "Unknown waterfall 'nope'",
    ),
    "signature-alone": (
        '[pipe.a]\nsignature_for = "PipeLLM"\n',
        "a",
        "declares a PipeLLM signature",
    ),
    "bad-steps": (
        '[pipe.a]\ntype = "PipeSequence"\nsteps = "a"\n',
        "a",
        "PipeSequence needs a non-empty",
    ),
}


@pytest.mark.parametrize("case", sorted(PROBLEM_CASES))
def test_each_kind_of_problem(cli: Cli, tmp_path: Path, case: str) -> None:
    text, pipe, fragment = PROBLEM_CASES[case]
    bundle = write(tmp_path, f"{case}.mthds", text)
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1, completed.stdout
    problems = completed.envelope["error"]["problems"]
    assert any(p["pipe"] == pipe and fragment in p["message"] for p in problems), problems
    assert all(p["file"] == str(bundle) for p in problems)


def test_unknown_keys_and_reserved_outcomes_are_accepted(cli: Cli, tmp_path: Path) -> None:
    bundle = write(
        tmp_path,
        "lenient.mthds",
        'domain = "x"\nsystem_prompt = "kept"\nmain_pipe = "route"\n'
        '[concept.Thing]\ndescription = "a thing"\nfuture_field = 1\n'
        '[pipe.route]\ntype = "PipeCondition"\nexpression = "x.kind"\n'
        'outcomes = { a = "work", b = "continue", c = "fail" }\ndefault_outcome = "fail"\n'
        "some_new_option = true\n"
        '[pipe.work]\ntype = "PipeCompose"\ntemplate = "$x"\noutput = "Thing"\n',
    )
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 0, completed.stdout


def test_signature_implemented_in_another_file(cli: Cli, tmp_path: Path) -> None:
    write(tmp_path, "a.mthds", '[pipe.shared]\nsignature_for = "PipeLLM"\noutput = "Text"\n')
    write(tmp_path, "b.mthds", '[pipe.shared]\ntype = "PipeLLM"\noutput = "Text"\n')
    completed = cli.agent("validate", str(tmp_path))
    assert completed.code == 0, completed.stdout


def test_byok_unknown_model_is_a_negative_verdict(cli: Cli, tmp_path: Path) -> None:
    bundle = write(tmp_path, "x.mthds", '[pipe.a]\ntype = "PipeLLM"\nmodel = "gpt-9-imaginary"\n')
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert error["type"] == "UnknownModelError"
    assert error["model"] == "gpt-9-imaginary"
    assert "No enabled BYOK backend serves 'gpt-9-imaginary'" in error["message"]


def test_missing_path_is_a_usage_error_in_both_faces(cli: Cli) -> None:
    agent = cli.agent("validate", "no/such/file.mthds")
    assert agent.code == 2
    assert agent.envelope["ok"] is False
    assert agent.envelope["error"]["type"] == "UsageError"
    assert agent.envelope["warnings"] == []
    human = cli.run("validate", "no/such/file.mthds")
    assert human.code == 2
    assert "does not exist" in human.stderr


def test_inputs_lists_inputs_with_examples(cli: Cli) -> None:
    completed = cli.agent("inputs", str(EXAMPLES / "bundles" / "invoice_extraction.mthds"))
    assert completed.code == 0
    result = completed.envelope["result"]
    assert result["pipe"] == "process_invoice"
    assert result["inputs"] == [
        {
            "name": "invoice",
            "concept": "PDF",
            "optional": False,
            "example": {"url": "https://example.com/example-invoice.pdf"},
        }
    ]
    assert result["example"] == {"invoice": {"url": "https://example.com/example-invoice.pdf"}}
    human = cli.run(
        "inputs",
        str(EXAMPLES / "bundles" / "invoice_extraction.mthds"),
        "--pipe",
        "structure_invoice",
    )
    assert human.code == 0
    assert "pages: Page[]" in human.stdout


def test_inputs_of_an_unknown_pipe_is_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("inputs", str(VALID[0]), "--pipe", "nope")
    assert completed.code == 2
    assert completed.envelope["error"]["type"] == "PipelexUsageError"
    assert "No pipe named 'nope'" in completed.envelope["error"]["message"]


def test_dry_run_walks_with_generated_inputs(cli: Cli) -> None:
    completed = cli.agent(
        "run", str(EXAMPLES / "bundles" / "invoice_extraction.mthds"), "--dry-run"
    )
    assert completed.code == 0
    result = completed.envelope["result"]
    assert result["dry_run"] is True
    assert result["inputs_generated"] is True
    assert [(s["pipe"], s["type"], s.get("model"), s.get("backend")) for s in result["trace"]] == [
        ("process_invoice", "PipeSequence", None, None),
        ("read_pages", "PipeExtract", "mistral-ocr", "mistral"),
        ("structure_invoice", "PipeLLM", "gpt-5.6-luna", "openai"),
    ]
    assert result["output"] == {
        "vendor": "dry-run output of structure_invoice.vendor",
        "total": 0.0,
        "due_date": "2026-01-01",
    }
    assert result["remote_config"] is None


def test_dry_run_with_an_inputs_file(cli: Cli, tmp_path: Path) -> None:
    inputs = write(tmp_path, "in.json", json.dumps({"text": "Once upon a time"}))
    completed = cli.agent("run", str(VALID[-1]), "--dry-run", "--inputs", str(inputs))
    assert completed.code == 0
    assert completed.envelope["result"]["inputs"] == {"text": "Once upon a time"}
    assert completed.envelope["result"]["inputs_generated"] is False


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{}", "missing 'text'"),
        ('{"text": "x", "txet": "y"}', "unknown 'txet'"),
        ("[1]", "must hold a JSON object"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_bad_inputs_file_is_a_usage_error(
    cli: Cli, tmp_path: Path, content: str, fragment: str
) -> None:
    inputs = write(tmp_path, "in.json", content)
    completed = cli.agent("run", str(VALID[-1]), "--dry-run", "--inputs", str(inputs))
    assert completed.code == 2
    assert fragment in completed.envelope["error"]["message"]
    human = cli.run("run", str(VALID[-1]), "--dry-run", "--inputs", str(inputs))
    assert human.code == 2
    assert fragment in human.stderr
    assert "Traceback" not in human.stderr


def test_run_without_dry_run_says_inference_is_not_available(cli: Cli) -> None:
    completed = cli.agent("run", str(VALID[0]))
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "InferenceNotAvailableError"
    human = cli.run("run", str(VALID[0]))
    assert human.code == 3
    assert "Live inference is not available" in human.stderr
    assert "--dry-run" in human.stderr


def test_condition_dry_run_follows_the_default_outcome(cli: Cli, tmp_path: Path) -> None:
    bundle = write(
        tmp_path,
        "cond.mthds",
        'main_pipe = "route"\n'
        '[pipe.route]\ntype = "PipeCondition"\ninputs = { text = "Text" }\n'
        'outcomes = { short = "shorten", long = "expand" }\ndefault_outcome = "expand"\n'
        '[pipe.shorten]\ntype = "PipeLLM"\noutput = "Text"\n'
        '[pipe.expand]\ntype = "PipeLLM"\noutput = "Text"\nmodel = "claude-4.5-haiku"\n',
    )
    completed = cli.agent("run", str(bundle), "--dry-run")
    assert completed.code == 0, completed.stdout
    trace = completed.envelope["result"]["trace"]
    assert trace[0]["chosen_outcome"] == "expand"
    assert trace[0]["alternatives"] == ["shorten"]
    assert trace[1]["pipe"] == "expand"
    assert trace[1]["backend"] == "anthropic"


def test_debug_shows_the_traceback(cli: Cli) -> None:
    completed = cli.run("--debug", "run", str(VALID[0]))
    assert completed.code == 3
    assert "Traceback" in completed.stderr


@pytest.mark.parametrize(
    ("args", "key", "fragment"),
    [
        (("--help",), "help", "Usage: pipelex [OPTIONS] COMMAND"),
        (("validate", "--help"), "help", "Usage: pipelex validate [OPTIONS] PATHS..."),
        (("--version",), "version", "pipelex, version "),
    ],
)
def test_help_and_version_are_one_json_object_in_the_agent_face(
    cli: Cli, args: tuple[str, ...], key: str, fragment: str
) -> None:
    completed = cli.agent(*args)
    assert completed.code == 0
    envelope = completed.envelope
    assert envelope["ok"] is True
    assert envelope["warnings"] == []
    assert fragment in envelope["result"][key]
    human = cli.run(*args)
    assert fragment in human.stdout
