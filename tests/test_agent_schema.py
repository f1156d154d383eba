"""The agent contract as a published JSON Schema (docs/agent.md): what ships, what it checks.

Every envelope the suite reads goes through ``Completed.envelope``, which validates it against
the shipped schema; the tests here check the schema itself: that it is a valid 2020-12 schema,
that validation can fail, that it covers every command, and that ``pipelex schema`` prints it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipelex_core.testing.config_server import ConfigServer
from tests.cli_runner import EXAMPLES, REPO, Cli, check_envelope

SCHEMA_FILE = REPO / "pipelex_core" / "schemas" / "agent-v1.json"
BUNDLE = str(EXAMPLES / "bundles" / "summarize.mthds")


def shipped() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return document


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    document = shipped()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    assert jsonschema.validators.validator_for(document) is jsonschema.Draft202012Validator


def test_the_schema_file_is_ascii_and_printed_as_pipelex_schema_prints_it() -> None:
    """One layout, the one `pipelex schema` prints: `pipelex schema > file` reproduces it."""
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert text.isascii()
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_the_schema_is_the_envelope_version_the_code_writes() -> None:
    from pipelex_core.cli.output import ENVELOPE_SCHEMA_VERSION
    from pipelex_core.schemas import AGENT_SCHEMA, agent_schema

    document = agent_schema()
    assert document == shipped()
    assert document["properties"]["schema_version"] == {
        "description": document["properties"]["schema_version"]["description"],
        "const": ENVELOPE_SCHEMA_VERSION,
    }
    assert f"-v{ENVELOPE_SCHEMA_VERSION}." in AGENT_SCHEMA


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_object_forbids_properties_it_does_not_list() -> None:
    """The compatibility rule: a release may add fields, so no schema may refuse one."""
    for node in _walk(shipped()):
        assert node.get("additionalProperties") is not False, node
        assert node.get("unevaluatedProperties") is not False, node


# --- every command has a result schema -------------------------------------------------------


def dispatched() -> dict[str, str]:
    """Each command name the schema dispatches on, and the result definition it names."""
    table = {}
    for branch in shipped()["$defs"]["result_by_command"]["allOf"]:
        name = branch["if"]["properties"]["command"]["const"]
        table[name] = branch["then"]["properties"]["result"]["$ref"].removeprefix("#/$defs/")
    return table


def listed_commands(cli: Cli, *group: str) -> list[str]:
    """The commands `pipelex-agent [GROUP] --help` lists, groups expanded into theirs."""
    help_text = cli.agent(*group, "--help").envelope["result"]["help"]
    section = help_text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in section.splitlines() if line.strip()]
    assert names, help_text
    found = []
    for name in names:
        full = [*group, name]
        sub = cli.agent(*full, "--help").envelope["result"]["help"]
        found.append(" ".join(full))
        if "Commands:\n" in sub:
            found += listed_commands(cli, *full)
    return found


def test_every_command_help_lists_has_a_result_schema(cli: Cli) -> None:
    commands = listed_commands(cli)
    assert {"validate", "cache show", "dev gateway-models", "schema"} <= set(commands)
    table = dispatched()
    groups = {name.split()[0] for name in commands if " " in name}
    for name in commands:
        assert name in table, f"{name!r} has no result schema in {SCHEMA_FILE.name}"
        if name in groups:
            assert table[name] == "help_result", name  # a group alone only prints its help
        else:
            assert table[name] != "help_result", name
            assert table[name] in shipped()["$defs"], name
    # and nothing stale: every dispatched name is a command (or the root's --help/--version)
    assert set(table) == {*commands, "help", "version"}


# --- validation can fail ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Real envelopes, one success and one failure, from the installed command."""
    cli = Cli(home=tmp_path_factory.mktemp("home"))
    success = cli.agent("validate", BUNDLE)
    failure = cli.agent("validate", str(EXAMPLES / "invalid" / "broken.mthds"))
    assert (success.code, failure.code) == (0, 1)
    return {"success": success.envelope, "failure": failure.envelope}


def _drop(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(envelope: dict[str, Any]) -> None:
        *parents, last = path
        node: Any = envelope
        for key in parents:
            node = node[key]
        del node[last]

    return change


def _set(value: Any, *path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(envelope: dict[str, Any]) -> None:
        *parents, last = path
        node: Any = envelope
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _rename(old: str, new: str, *path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(envelope: dict[str, Any]) -> None:
        node: Any = envelope
        for key in path:
            node = node[key]
        node[new] = node.pop(old)

    return change


BROKEN = {
    "schema_version dropped": ("success", _drop("schema_version")),
    "schema_version 2": ("success", _set(2, "schema_version")),
    "ok as a string": ("success", _set("true", "ok")),
    "command as a list": ("success", _set(["validate"], "command")),
    "warnings dropped": ("success", _drop("warnings")),
    "warning without message": ("success", _set([{"type": "RemoteConfigStale"}], "warnings")),
    "stale warning without cached_at": (
        "success",
        _set([{"type": "RemoteConfigStale", "message": "m"}], "warnings"),
    ),
    "success without result": ("success", _drop("result")),
    "success with an error": ("failure", _set(True, "ok")),
    "result field dropped": ("success", _drop("result", "valid")),
    "result field renamed": ("success", _rename("pipes", "pipe_names", "result")),
    "result field of another type": ("success", _set("summarize.mthds", "result", "files")),
    "model entry lacks its handle": (
        "success",
        _set([{"reference": "@x", "backend": "openai"}], "result", "models"),
    ),
    "remote_config lacks source": ("success", _set({"cached_at": None}, "result", "remote_config")),
    "remote_config with an unknown source": (
        "success",
        _set({"source": "stale", "cached_at": None}, "result", "remote_config"),
    ),
    "cached remote_config without its time": (
        "success",
        _set({"source": "cached", "cached_at": None}, "result", "remote_config"),
    ),
    "failure without error": ("failure", _drop("error")),
    "error without retryable": ("failure", _drop("error", "retryable")),
    "retryable as a string": ("failure", _set("no", "error", "retryable")),
    "error without hint": ("failure", _drop("error", "hint")),
    "bundle error without problems": ("failure", _drop("error", "problems")),
    "problem without code": ("failure", _drop("error", "problems", 0, "code")),
    "problem code not snake_case": (
        "failure",
        _set("Unknown Pipe", "error", "problems", 0, "code"),
    ),
    "traceback not a string": ("failure", _set(["line"], "error", "traceback")),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_envelope_fails_validation(good: dict[str, dict[str, Any]], case: str) -> None:
    which, change = BROKEN[case]
    envelope = copy.deepcopy(good[which])
    check_envelope(envelope)  # the real one passes
    change(envelope)
    with pytest.raises(AssertionError, match="breaks the agent contract"):
        check_envelope(envelope)


ADDITIVE = {
    "a new top-level field": ("success", _set("x", "trace_id")),
    "a new result field": ("success", _set(3, "result", "elapsed_ms")),
    "a new field in a nested object": ("success", _set(8, "result", "models", 0, "context_k")),
    "a new error field": ("failure", _set(["a"], "error", "suggestions")),
    "a new error type": ("failure", _set("SomeNewError", "error", "type")),
    "a new warning kind": ("success", _set([{"type": "Newish", "message": "m"}], "warnings")),
    "a new problem code": ("failure", _set("some_new_rule", "error", "problems", 0, "code")),
    "a command added later": ("success", _set("frobnicate", "command")),
}


@pytest.mark.parametrize("case", ADDITIVE, ids=list(ADDITIVE))
def test_an_additive_change_still_validates(good: dict[str, dict[str, Any]], case: str) -> None:
    which, change = ADDITIVE[case]
    envelope = copy.deepcopy(good[which])
    change(envelope)
    check_envelope(envelope)


def test_the_failure_names_where_the_envelope_breaks(good: dict[str, dict[str, Any]]) -> None:
    envelope = copy.deepcopy(good["success"])
    del envelope["result"]["pipes"]
    with pytest.raises(AssertionError) as raised:
        check_envelope(envelope)
    assert re.search(r"at result: 'pipes' is a required property", str(raised.value))


# --- `pipelex schema` --------------------------------------------------------------------------


def test_schema_prints_the_bare_document_for_people(cli: Cli) -> None:
    human = cli.run("schema")
    assert human.code == 0, human.stderr
    assert human.stdout == SCHEMA_FILE.read_text(encoding="utf-8")
    assert human.stderr == ""


@pytest.mark.parametrize("args", [("schema",), ("--json", "schema"), ("schema", "--json")])
def test_schema_is_an_envelope_like_every_command_for_agents(
    cli: Cli, args: tuple[str, ...]
) -> None:
    completed = cli.run(*args, agent=args == ("schema",))
    assert completed.code == 0, completed.stderr
    envelope = completed.envelope
    assert envelope["command"] == "schema"
    assert envelope["result"] == shipped()
    assert envelope["warnings"] == []


def test_schema_takes_no_argument(cli: Cli) -> None:
    completed = cli.agent("schema", "extra")
    assert completed.code == 2
    assert completed.envelope["command"] == "schema"
    assert completed.envelope["error"]["type"] == "UsageError"


# --- every command's result, from a real run, against its own definition ----------------------


def test_each_command_result_matches_its_own_definition(
    cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    """One real success of every command, so each result definition meets a real output
    (the rest of the suite covers failures and the other paths)."""
    cli.env.update(PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=server.url)
    export = tmp_path / "export.json"
    calls = [
        ("init", "--gateway", "--accept-terms", "--remote-config-url", server.url),
        ("validate", BUNDLE),
        ("inputs", BUNDLE),
        ("run", BUNDLE, "--dry-run"),
        (
            "run",
            str(EXAMPLES / "bundles" / "train_announcement.mthds"),
            "--inputs",
            str(EXAMPLES / "bundles" / "train_announcement.inputs.json"),
        ),
        ("doctor",),
        ("cache", "show"),
        ("cache", "refresh"),
        ("cache", "export", str(export)),
        ("cache", "import", str(export)),
        ("models",),
        ("plugins",),
        ("completion", "zsh"),
        ("schema",),
        ("dev", "gateway-models", "--output", str(tmp_path / "models.md")),
        ("dev", "test-models", "--output", str(tmp_path / "models.json")),
        ("cache", "clear"),
        ("--version",),
        ("--help",),
    ]
    seen = set()
    for call in calls:
        completed = cli.agent(*call)
        assert completed.code == 0, (call, completed.stdout)
        envelope = completed.envelope  # validated against the whole schema here
        seen.add(envelope["command"])
        name = dispatched()[envelope["command"]]
        definition = {"$ref": f"#/$defs/{name}", "$defs": shipped()["$defs"]}
        jsonschema.Draft202012Validator(definition).validate(envelope["result"])
    leaves = {name for name, ref in dispatched().items() if ref != "help_result"}
    assert leaves - seen == set()


# --- one object on stdout, whatever --help and --version meet -----------------------------------


@pytest.mark.parametrize(
    ("args", "command", "message"),
    [
        (("validate", "--version"), "validate", "No such option"),
        (("cache", "--version"), "cache", "No such option"),
        (("no-such-command", "--help"), "no-such-command", "No such command"),
    ],
)
def test_a_usage_error_beside_help_or_version_is_still_one_envelope(
    cli: Cli, args: tuple[str, ...], command: str, message: str
) -> None:
    completed = cli.agent(*args)
    assert completed.code == 2
    envelope = completed.envelope
    assert envelope["command"] == command
    assert envelope["error"]["type"] == "UsageError"
    assert message in envelope["error"]["message"]  # click words the rest per version
    assert args[-1 if message == "No such option" else 0] in envelope["error"]["message"]
    assert completed.stderr == ""


def test_the_root_version_is_the_version_command_whatever_follows(cli: Cli) -> None:
    """click answers the root's --version before reading the words after it."""
    envelope = cli.agent("--version", "validate").envelope
    assert envelope["command"] == "version"
    assert set(envelope["result"]) == {"version", "python", "platform"}


# --- docs/agent.md in step with the schema -------------------------------------------------------


def _table_after(heading: str) -> list[str]:
    """The first cells of the table under ``heading`` in docs/agent.md, header row aside."""
    text = (REPO / "docs" / "agent.md").read_text(encoding="utf-8")
    section = re.split(r"\n#", text.split("\n" + heading + "\n", 1)[1], maxsplit=1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [line.split(" | ")[0] for line in rows[1:]]


def test_the_doc_describes_the_result_of_every_command_the_schema_knows() -> None:
    documented = set()
    for cell in _table_after("### Results"):
        documented |= set(re.findall(r"`([a-z][a-z -]*)`", cell))
    leaves = {name for name, ref in dispatched().items() if ref != "help_result"}
    assert documented == leaves


def test_the_doc_names_every_error_type_the_schema_details() -> None:
    documented = set()
    for cell in _table_after("## The error object"):
        documented |= set(re.findall(r"`([A-Za-z]+)`", cell))
    detailed = set()
    for branch in shipped()["$defs"]["error"]["allOf"]:
        condition = branch["if"]["properties"]["type"]
        detailed |= set(condition.get("enum", [condition.get("const")]))
    assert detailed - {"PluginError"} == documented
