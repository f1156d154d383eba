"""validate, inputs and run --dry-run through the installed commands, BYOK (row 1)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from tests.bundle_text import llm_bundle
from tests.cli_runner import EXAMPLES, Cli
from tests.conformance.runner import CASES

VALID = sorted((EXAMPLES / "bundles").glob("*.mthds"))
SUMMARIZE = EXAMPLES / "bundles" / "summarize.mthds"
STORY = EXAMPLES / "bundles" / "illustrated_story.mthds"
ANNOUNCE = EXAMPLES / "bundles" / "train_announcement.mthds"


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
    assert list(envelope) == ["schema_version", "ok", "command", "result", "warnings"]
    assert envelope["schema_version"] == 1


def test_json_flag_is_the_agent_face(cli: Cli) -> None:
    completed = cli.run("--json", "validate", str(STORY))
    assert completed.code == 0
    assert completed.envelope["ok"] is True


def test_directory_is_one_library(cli: Cli) -> None:
    completed = cli.agent("validate", str(EXAMPLES / "bundles"))
    assert completed.code == 0
    assert len(completed.envelope["result"]["files"]) == len(VALID)


def test_invalid_example_lists_every_problem_with_its_code(cli: Cli) -> None:
    bundle = EXAMPLES / "invalid" / "broken.mthds"
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert completed.envelope["ok"] is False
    assert error["type"] == "BundleValidationError"
    assert error["domain"] == "bundle"
    problems = {(p["pipe"], p["code"]) for p in error["problems"]}
    assert problems == {
        ("BadName", "invalid_pipe_code_syntax"),
        ("BadName", "missing_input_variable"),
        ("typo_type", "pipe_type_unknown"),
        ("start", "binding_path_unresolved"),
        ("start", "unknown_pipe"),
        ("start", "circular_dependency_error"),
        ("unknown_alias", "unknown_concept"),
        ("unknown_alias", "unknown_model"),
    }
    assert all(p["file"] == str(bundle) for p in error["problems"])
    assert all(set(p) == {"file", "pipe", "code", "message"} for p in error["problems"])
    human = cli.run("validate", str(bundle))
    assert human.code == 1
    assert "Error: 8 problems found" in human.stderr
    assert "[binding_path_unresolved]" in human.stderr
    assert "Its fields are: 'total'" in human.stderr
    assert "Traceback" not in human.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_toml_is_a_problem_beside_the_others(cli: Cli, tmp_path: Path) -> None:
    write(tmp_path, "broken.mthds", 'domain = "x"\n[pipe.a\n')
    write(tmp_path, "fine.mthds", 'domain = "y"\n[concept]\nBadly_named = "x"\n')
    completed = cli.agent("validate", str(tmp_path))
    assert completed.code == 1
    codes = sorted(p["code"] for p in completed.envelope["error"]["problems"])
    assert codes == ["concept_code_invalid", "toml_invalid"]


@pytest.mark.parametrize(
    "case",
    [
        "controllers_binding_pipe_and_from",
        "concepts_marker_plural_optional",
        "operators_llm_prompt_undeclared_variable",
        "models_llm_unknown_preset",
        "libraries_bare_pipe_ref_other_domain",
    ],
)
def test_conformance_cases_through_the_installed_command(cli: Cli, case: str) -> None:
    folder = CASES / case
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    completed = cli.agent("validate", str(folder))
    assert completed.code == 1, completed.stdout
    codes = {p["code"] for p in completed.envelope["error"]["problems"]}
    assert codes == set(expected["codes"])


def test_a_binding_step_validates_and_dry_runs(cli: Cli, tmp_path: Path) -> None:
    bundle = write(
        tmp_path,
        "ack.mthds",
        'domain = "billing"\nmain_pipe = "acknowledge"\n'
        '[concept.Invoice]\ndescription = "An invoice"\n'
        "[concept.Invoice.structure]\n"
        'total = { type = "number", description = "Amount due", required = true }\n'
        '[pipe.acknowledge]\ntype = "PipeSequence"\ndescription = "Acknowledge"\n'
        'inputs = { invoice = "Invoice" }\noutput = "Text"\n'
        'steps = [{ from = "invoice.total", result = "total_amount" },'
        ' { pipe = "receipt", result = "receipt" }]\n'
        '[pipe.receipt]\ntype = "PipeCompose"\ndescription = "Receipt"\n'
        'inputs = { total_amount = "Number" }\noutput = "Text"\n'
        'template = "Received: $total_amount euros"\n',
    )
    assert cli.agent("validate", str(bundle)).code == 0
    given = write(tmp_path, "in.json", json.dumps({"invoice": {"total": 42.5}}))
    completed = cli.agent("run", str(bundle), "--dry-run", "--inputs", str(given))
    assert completed.code == 0, completed.stdout
    trace = completed.envelope["result"]["trace"]
    assert trace[1] == {"binding": "invoice.total", "result": "total_amount", "depth": 1}
    assert trace[2]["pipe"] == "receipt"


def test_byok_unknown_model_is_a_problem_beside_the_others(cli: Cli, tmp_path: Path) -> None:
    text = llm_bundle("gpt-9-imaginary").replace('domain = "testing"', 'main_pipe = "nowhere"')
    bundle = write(tmp_path, "x.mthds", text)
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert error["type"] == "BundleValidationError"
    problems = {p["code"]: p["message"] for p in error["problems"]}
    assert set(problems) == {"unknown_model", "domain_invalid", "main_pipe_unresolved"}
    assert "no enabled BYOK backend serves 'gpt-9-imaginary'" in problems["unknown_model"]


def test_missing_path_is_a_usage_error_in_both_faces(cli: Cli) -> None:
    agent = cli.agent("validate", "no/such/file.mthds")
    assert agent.code == 2
    assert agent.envelope["ok"] is False
    assert agent.envelope["error"]["type"] == "UsageError"
    assert agent.envelope["warnings"] == []
    human = cli.run("validate", "no/such/file.mthds")
    assert human.code == 2
    assert "does not exist" in human.stderr


def test_a_folder_scan_skips_the_folders_discovery_excludes(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "methods").mkdir()
    (tmp_path / "methods" / "bundle.mthds").write_text(llm_bundle("@default-general"))
    for hidden in (".venv/lib", "__pycache__", ".git", "results/run_1", ".mthds/methods/kit"):
        (tmp_path / hidden).mkdir(parents=True)
        (tmp_path / hidden / "left.mthds").write_text('domain = "Not A Domain"\n')
    completed = cli.agent("validate", str(tmp_path))
    assert completed.code == 0, completed.stdout
    assert completed.envelope["result"]["files"] == [str(tmp_path / "methods" / "bundle.mthds")]
    # a folder named explicitly is scanned, whatever its name
    assert cli.agent("validate", str(tmp_path / "results")).code == 1
    (tmp_path / "methods" / "bundle.mthds").unlink()
    empty = cli.agent("validate", str(tmp_path / "methods"))
    assert empty.envelope["error"]["problems"][0]["code"] == "bundle_not_found"
    only_hidden = cli.agent("validate", str(tmp_path))
    (problem,) = only_hidden.envelope["error"]["problems"]
    assert problem["code"] == "bundle_not_found"
    assert "those under .env, .git, .mthds, .mypy_cache" in problem["message"]


def test_inputs_lists_inputs_with_examples(cli: Cli) -> None:
    completed = cli.agent("inputs", str(EXAMPLES / "bundles" / "invoice_extraction.mthds"))
    assert completed.code == 0
    result = completed.envelope["result"]
    assert result["pipe"] == "process_invoice"
    assert result["inputs"] == [
        {
            "name": "invoice",
            "concept": "Document",
            "optional": False,
            "multiple": False,
            "example": "https://example.com/invoice.pdf",
        }
    ]
    assert result["example"] == {"invoice": "https://example.com/invoice.pdf"}
    human = cli.run(
        "inputs",
        str(EXAMPLES / "bundles" / "invoice_extraction.mthds"),
        "--pipe",
        "structure_invoice",
    )
    assert human.code == 0
    assert "pages: Page[]" in human.stdout


def test_inputs_of_a_pipe_without_inputs_says_so_in_a_sentence(cli: Cli) -> None:
    case = CASES / "operators_imggen_prompt_is_one_input_valid"
    human = cli.run("inputs", str(case))
    assert human.code == 0
    assert human.stdout.splitlines()[0] == "Pipe 'make_odd_picture' takes no inputs."
    assert human.stdout.splitlines()[2:] == ["Example inputs file (JSON):", "{}"]


def test_inputs_of_an_unknown_pipe_is_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("inputs", str(STORY), "--pipe", "nope")
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
    assert result["output"] == {"vendor": "vendor_value", "total": 0.0, "due_date": "2026-01-01"}
    assert result["remote_config"] is None


def test_dry_run_with_an_inputs_file(cli: Cli, tmp_path: Path) -> None:
    inputs = write(tmp_path, "in.json", json.dumps({"text": "Once upon a time"}))
    completed = cli.agent("run", str(SUMMARIZE), "--dry-run", "--inputs", str(inputs))
    assert completed.code == 0
    assert completed.envelope["result"]["inputs"] == {"text": "Once upon a time"}
    assert completed.envelope["result"]["inputs_generated"] is False


@pytest.mark.parametrize(
    "invoice",
    [
        {"concept": "native.Document", "content": {"path": "inputs/invoice.pdf"}},
        {"concept": "native.Document", "content": {"url": "https://example.com/i.pdf"}},
        {"path": "inputs/invoice.pdf"},
    ],
)
def test_a_document_input_may_name_a_file_by_path(
    cli: Cli, tmp_path: Path, invoice: dict[str, object]
) -> None:
    """The cookbook's inputs give a Document as {"path": ...} as well as {"url": ...}."""
    inputs = write(tmp_path, "in.json", json.dumps({"invoice": invoice}))
    bundle = EXAMPLES / "bundles" / "invoice_extraction.mthds"
    completed = cli.agent("run", str(bundle), "--dry-run", "--inputs", str(inputs))
    assert completed.code == 0, completed.stdout
    refused = write(tmp_path, "bad.json", json.dumps({"invoice": {"file": "invoice.pdf"}}))
    completed = cli.agent("run", str(bundle), "--dry-run", "--inputs", str(refused))
    assert completed.code == 2
    assert "an object with 'url' or 'path'" in completed.envelope["error"]["message"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{}", "missing 'text'"),
        ('{"text": "x", "txet": "y"}', "not declared by the pipe: 'txet'"),
        ('{"text": 3}', "Input 'text' (Text): expects a string, got 3"),
        ('{"text": NaN}', "is not valid JSON"),
        ('{"text": null}', "null is not a value"),
        ("[1]", "must hold a JSON object"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_bad_inputs_file_is_a_usage_error(
    cli: Cli, tmp_path: Path, content: str, fragment: str
) -> None:
    inputs = write(tmp_path, "in.json", content)
    completed = cli.agent("run", str(SUMMARIZE), "--dry-run", "--inputs", str(inputs))
    assert completed.code == 2
    assert fragment in completed.envelope["error"]["message"]
    human = cli.run("run", str(SUMMARIZE), "--dry-run", "--inputs", str(inputs))
    assert human.code == 2
    assert fragment in human.stderr
    assert "Traceback" not in human.stderr


def test_a_real_run_that_would_reach_a_model_stops_before_running(cli: Cli) -> None:
    completed = cli.agent("run", str(STORY))
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "InferenceNotAvailableError"
    assert error["message"].startswith("Pipe 'write_story' needs a model (inference) (and 2 more)")
    assert "--dry-run" in error["hint"]
    human = cli.run("run", str(STORY))
    assert human.code == 3
    assert "nothing was run" in human.stderr


def test_condition_dry_run_follows_the_default_outcome(cli: Cli, tmp_path: Path) -> None:
    llm = 'type = "PipeLLM"\ndescription = "d"\ninputs = { text = "Text" }\noutput = "Text"\n'
    bundle = write(
        tmp_path,
        "cond.mthds",
        'domain = "routing"\nmain_pipe = "route"\n'
        '[pipe.route]\ntype = "PipeCondition"\ndescription = "Route by length"\n'
        'inputs = { text = "Text" }\noutput = "Text"\nexpression = "text.text"\n'
        'outcomes = { short = "shorten", long = "expand" }\ndefault_outcome = "expand"\n'
        f'[pipe.shorten]\n{llm}prompt = "Shorten $text"\n'
        f'[pipe.expand]\n{llm}prompt = "Expand $text"\nmodel = "claude-4.5-haiku"\n',
    )
    completed = cli.agent("run", str(bundle), "--dry-run")
    assert completed.code == 0, completed.stdout
    trace = completed.envelope["result"]["trace"]
    assert trace[0]["chosen_outcome"] == "expand"
    assert trace[0]["alternatives"] == ["shorten"]
    assert trace[1]["pipe"] == "expand"
    assert trace[1]["backend"] == "anthropic"


def test_human_dry_run_says_its_inputs_were_generated(cli: Cli) -> None:
    completed = cli.run("run", str(SUMMARIZE), "--dry-run")
    assert completed.code == 0
    assert "Inputs: generated example values (no --inputs given" in completed.stdout
    assert '  text = "text_value"' in completed.stdout


def test_debug_is_accepted_after_the_command_too(cli: Cli) -> None:
    completed = cli.run("run", str(STORY), "--debug")
    assert completed.code == 3
    assert "Traceback (most recent call last)" in completed.stderr


def test_debug_shows_the_traceback(cli: Cli) -> None:
    completed = cli.run("--debug", "run", str(STORY))
    assert completed.code == 3
    assert "Traceback" in completed.stderr


@pytest.mark.parametrize(
    ("args", "key", "fragment"),
    [
        (("--help",), "help", "Usage: pipelex [OPTIONS] COMMAND"),
        (("validate", "--help"), "help", "Usage: pipelex validate [OPTIONS] PATHS..."),
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


def test_the_version_is_data_in_the_agent_face_and_a_sentence_for_people(cli: Cli) -> None:
    import importlib.metadata
    import platform

    completed = cli.agent("--version")
    assert completed.code == 0
    assert completed.envelope["command"] == "version"
    assert completed.envelope["result"] == {
        "version": importlib.metadata.version("pipelex-core"),
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
    }
    human = cli.run("--version")
    assert human.stdout == f"pipelex, version {importlib.metadata.version('pipelex-core')}\n"


@pytest.mark.parametrize(
    "args",
    [
        ("--json", "validate", "BUNDLE"),
        ("validate", "--json", "BUNDLE"),
        ("validate", "BUNDLE", "--json"),
    ],
)
def test_json_is_accepted_anywhere_before_a_double_dash(cli: Cli, args: tuple[str, ...]) -> None:
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    completed = cli.run(*[bundle if arg == "BUNDLE" else arg for arg in args])
    assert completed.code == 0, completed.stderr
    assert completed.envelope["command"] == "validate"


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (("cache", "show", "--nope"), "cache show"),
        (("cache", "export"), "cache export"),
        (("cache",), "cache"),  # a group without its command: a usage error, any click version
        ((), None),
        (("validate",), "validate"),
        (("no-such-command",), "no-such-command"),
    ],
)
def test_a_usage_error_names_the_command_as_its_success_would(
    cli: Cli, args: tuple[str, ...], command: str | None
) -> None:
    completed = cli.agent(*args)
    assert completed.code == 2
    assert completed.envelope["command"] == command


ANNOUNCE_INPUTS = EXAMPLES / "bundles" / "train_announcement.inputs.json"
ANNOUNCEMENT = (
    "At Landerneau: The train to Brest leaves from platform 2. The train to Quimper leaves "
    "from platform 1, with a delay. Have a good journey."
)


def test_a_method_that_needs_no_model_runs_for_real_offline(cli: Cli) -> None:
    human = cli.run("run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS))
    assert human.code == 0, human.stderr
    assert human.stdout == ANNOUNCEMENT + "\n"
    agent = cli.agent("run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS))
    assert agent.code == 0
    result = agent.envelope["result"]
    assert result["dry_run"] is False
    assert result["output"] == {"text": ANNOUNCEMENT}
    assert result["working_memory"]["station"] == {"text": "Landerneau"}
    assert [len(line) > 0 for line in result["working_memory"]["lines"]["items"]] == [True, True]
    pipes = [step["pipe"] for step in result["trace"] if "pipe" in step]
    assert pipes == ["announce_next_train", "announce_one", "announce_one", "compose_board"]
    assert all(step["ms"] >= 0 for step in result["trace"] if "pipe" in step)


def test_run_output_writes_the_json_like_a_redirection(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    completed = cli.run(
        "run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS), "--output", str(target)
    )
    assert completed.code == 0, completed.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["output"] == {"text": ANNOUNCEMENT}
    assert target.stat().st_mode & 0o777 == 0o640
    dash = cli.run("run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS), "--output", "-")
    assert json.loads(dash.stdout)["output"] == {"text": ANNOUNCEMENT}
    refused = cli.agent("run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS), "--output", "-")
    assert refused.code == 2
    folder = cli.agent(
        "run", str(ANNOUNCE), "--inputs", str(ANNOUNCE_INPUTS), "--output", str(tmp_path)
    )
    assert folder.code == 2
    assert "is a directory" in folder.envelope["error"]["message"]


def test_a_real_run_without_its_inputs_is_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("run", str(ANNOUNCE))
    assert completed.code == 2
    assert "needs inputs (board)" in completed.envelope["error"]["message"]


def compose_bundle(tmp_path: Path, template: str) -> Path:
    return write(
        tmp_path,
        "escape.mthds",
        'domain = "attack"\nmain_pipe = "leak"\n'
        '[pipe.leak]\ntype = "PipeCompose"\ndescription = "Reach Python internals"\n'
        'inputs = { text = "Text" }\noutput = "Text"\n'
        f"template = {json.dumps(template)}\n",
    )


def test_a_template_cannot_escape_the_sandbox(cli: Cli, tmp_path: Path) -> None:
    given = write(tmp_path, "in.json", json.dumps({"text": "hello"}))
    # a private attribute in a path is refused before anything runs
    static = cli.agent("run", str(compose_bundle(tmp_path, "{{ text.__class__ }}")))
    assert static.code == 1
    assert [p["code"] for p in static.envelope["error"]["problems"]] == ["template_private_name"]

    def refused(template: str) -> str:
        completed = cli.agent(
            "run", str(compose_bundle(tmp_path, template)), "--inputs", str(given)
        )
        assert completed.code == 1, completed.stdout
        [problem] = completed.envelope["error"]["problems"]
        assert problem["code"] == "run_failed"
        return str(problem["message"])

    # reached by name at run time, the sandbox refuses: never an empty string
    assert "Jinja2TemplateSecurityError" in refused('{{ text }}{{ text|attr("__class__") }}')
    assert "Jinja2TemplateSecurityError" in refused("{{ text }}{{ text.text.encode('utf-8') }}")
    namespace = "{% set ns = namespace(f=text.text.upper) %}{{ text }}{{ ns.f() }}"
    assert "Jinja2TemplateSecurityError" in refused(namespace)
    # and a render stays within its budget: no huge strings, no huge integers, no huge ranges
    assert "Jinja2TemplateBudgetError" in refused("{{ text }}{{ 'a' * 10 ** 9 }}")
    assert "Jinja2TemplateBudgetError" in refused("{{ text }}{{ 2 ** 70 }}")
    assert "range" in refused("{{ text }}{% for i in range(10**9) %}.{% endfor %}")


def test_a_template_reads_metadata_and_fields_the_documented_way(cli: Cli, tmp_path: Path) -> None:
    given = write(tmp_path, "in.json", json.dumps({"text": "hello"}))
    bundle = compose_bundle(tmp_path, "{{ text.get('text') }} {{ text._stuff_name }}")
    completed = cli.agent("run", str(bundle), "--inputs", str(given))
    assert completed.code == 0, completed.stdout
    assert completed.envelope["result"]["output"] == {"text": "hello text"}


def test_inputs_file_in_toml_and_a_qualified_pipe(cli: Cli, tmp_path: Path) -> None:
    given = write(
        tmp_path,
        "in.toml",
        '[board]\nstation = "Landerneau"\n\n[[board.departures]]\ndestination = "Brest"\n'
        "platform = 2\ndelayed = false\n",
    )
    completed = cli.agent(
        "run", str(ANNOUNCE), "--inputs", str(given), "--pipe", "stations.announce_next_train"
    )
    assert completed.code == 0, completed.stdout
    text = completed.envelope["result"]["output"]["text"]
    assert text == "At Landerneau: The train to Brest leaves from platform 2. Have a good journey."


def test_allow_signatures_accepts_a_method_that_reaches_one(cli: Cli) -> None:
    folder = CASES / "concepts_signature_reached_not_allowed"
    strict = cli.agent("validate", str(folder))
    assert strict.code == 1
    [problem] = strict.envelope["error"]["problems"]
    assert problem["code"] == "signatures_not_allowed"
    assert "process_doc -> write_brief" in problem["message"]
    assert cli.agent("validate", "--allow-signatures", str(folder)).code == 0
    dry = cli.agent("run", str(folder), "--dry-run", "--allow-signatures")
    assert dry.code == 0, dry.stdout
    assert dry.envelope["result"]["trace"][-1]["signature"] is True
    real = cli.agent("run", str(folder), "--allow-signatures")
    assert real.code == 3
    assert (
        "'write_brief' is a signature with no implementation" in real.envelope["error"]["message"]
    )


def test_inputs_inline_json_and_never_a_fifo(cli: Cli, tmp_path: Path) -> None:
    inline = cli.agent("run", str(SUMMARIZE), "--dry-run", "--inputs", '{"text": "bees"}')
    assert inline.code == 0, inline.stdout
    assert inline.envelope["result"]["inputs"] == {"text": "bees"}
    fifo = tmp_path / "inputs.json"
    os.mkfifo(fifo)
    completed = cli.agent("run", str(SUMMARIZE), "--dry-run", "--inputs", str(fifo))
    assert completed.code == 2
    assert "it is a FIFO (named pipe), not a regular file" in completed.envelope["error"]["message"]


def test_a_pipe_code_shared_by_two_domains_is_named_by_its_domain(cli: Cli, tmp_path: Path) -> None:
    folder = CASES / "libraries_same_pipe_code_in_two_domains_valid"
    validated = cli.agent("validate", str(folder))
    assert validated.envelope["result"]["pipes"] == ["alpha.greet", "beta.greet"]
    main = cli.agent("run", str(folder), "--inputs", '{"who": "Ann"}')
    assert main.envelope["result"]["output"] == {"text": "Hi Ann"}
    ambiguous = cli.agent("run", str(folder), "--pipe", "greet", "--inputs", '{"who": "Ann"}')
    assert ambiguous.code == 2
    assert "alpha.greet, beta.greet" in ambiguous.envelope["error"]["message"]
    qualified = cli.agent("run", str(folder), "--pipe", "alpha.greet", "--inputs", '{"name": "Bo"}')
    assert qualified.envelope["result"]["output"] == {"text": "Hello Bo"}


def test_run_output_is_strict_json(cli: Cli, tmp_path: Path) -> None:
    bundle = write(
        tmp_path,
        "launch.mthds",
        'domain = "events"\nmain_pipe = "plan"\n'
        '[concept.Launch]\ndescription = "A launch"\n[concept.Launch.structure]\n'
        'name = { type = "text", description = "n", required = true }\n'
        'when = { type = "date", description = "w", required = true }\n'
        '[pipe.plan]\ntype = "PipeCompose"\ndescription = "Plan"\ninputs = { text = "Text" }\n'
        'output = "Launch"\n'
        '[pipe.plan.construct]\nname = { template = "$text" }\nwhen = 2026-01-01\n',
    )
    target = tmp_path / "out.json"
    completed = cli.run("run", str(bundle), "--inputs", '{"text": "Go"}', "--output", str(target))
    assert completed.code == 0, completed.stderr
    assert json.loads(target.read_text())["output"] == {"name": "Go", "when": "2026-01-01"}


def test_sequences_calling_each_other_twice_validate_in_linear_time(
    cli: Cli, tmp_path: Path
) -> None:
    depth = 40  # each level calls the next twice: 2**40 walks if nothing were remembered
    lines = ['domain = "chain"', 'main_pipe = "s0"']
    for i in range(depth):
        callee = f"s{i + 1}" if i < depth - 1 else "leaf"
        lines += [
            f'[pipe.s{i}]\ntype = "PipeSequence"\ndescription = "d"\ninputs = {{ t = "Text" }}',
            f'output = "Text"\nsteps = [{{ pipe = "{callee}", result = "a" }}, '
            f'{{ pipe = "{callee}", result = "b" }}]',
        ]
    lines += ['[pipe.leaf]\ntype = "PipeCompose"\ndescription = "d"\ninputs = { t = "Text" }']
    lines += ['output = "Text"\ntemplate = "$t"']
    bundle = write(tmp_path, "chain.mthds", "\n".join(lines) + "\n")
    assert cli.agent("validate", str(bundle)).code == 0


@pytest.mark.parametrize(
    ("args", "command", "usage"),
    [
        (("--help", "validate"), "help", "Usage: pipelex [OPTIONS] COMMAND"),
        (("validate", "--help"), "validate", "Usage: pipelex validate [OPTIONS] PATHS..."),
        (("cache", "--help", "show"), "cache", "Usage: pipelex cache [OPTIONS] COMMAND"),
        (("cache", "show", "-h"), "cache show", "Usage: pipelex cache show [OPTIONS]"),
    ],
)
def test_a_help_envelope_names_the_command_whose_help_it_holds(
    cli: Cli, args: tuple[str, ...], command: str, usage: str
) -> None:
    """click answers the first --help it meets: the envelope says whose help that was."""
    envelope = cli.agent(*args).envelope
    assert envelope["command"] == command
    assert envelope["result"]["help"].startswith(usage)


def test_an_inputs_file_in_toml_1_1_reads_as_its_1_0_twin(cli: Cli, tmp_path: Path) -> None:
    """Every TOML the tool reads is 1.1, inputs files included: an inline table may span lines."""
    given = write(
        tmp_path,
        "in.toml",
        'board = {\n    station = "Landerneau",\n    departures = [\n'
        '        { destination = "Brest", platform = 2, delayed = false },\n    ],\n}\n',
    )
    completed = cli.agent(
        "run", str(ANNOUNCE), "--inputs", str(given), "--pipe", "stations.announce_next_train"
    )
    assert completed.code == 0, completed.stdout
    text = completed.envelope["result"]["output"]["text"]
    assert text == "At Landerneau: The train to Brest leaves from platform 2. Have a good journey."
