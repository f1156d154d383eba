"""Round two of hardening: environments and streams that must never crash a command."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from pipelex_core.cli.init import _toml_string, checked_toml
from pipelex_core.settings import Settings
from tests.cli_runner import BIN, EXAMPLES, Cli

BUNDLE_PATH = str(EXAMPLES / "bundles" / "parallel_review.mthds")


def test_an_ascii_terminal_gets_strict_json_and_no_traceback(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "méthodes…"
    folder.mkdir()
    bundle = shutil.copy(EXAMPLES / "invalid" / "broken.mthds", folder / "broken.mthds")
    agent = cli.agent("validate", str(bundle), PYTHONIOENCODING="ascii")
    assert agent.code == 1
    assert agent.stdout.isascii()
    assert agent.envelope["error"]["problems"][0]["file"] == str(bundle)
    human = cli.run("validate", str(bundle), PYTHONIOENCODING="ascii")
    assert human.code == 1
    assert "Traceback" not in human.stderr
    assert "broken.mthds" in human.stderr


def test_an_opt_out_value_never_breaks_a_run(cli: Cli) -> None:
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    for value in ("banana", "1", ""):
        assert cli.agent("validate", bundle, DO_NOT_TRACK=value).code == 0, value
    assert cli.agent("validate", bundle, PIPELEX_TELEMETRY="maybe").code == 0


def test_opt_out_values_mean_what_a_user_expects(tmp_path: Path) -> None:
    def opted_out(**env: str) -> bool:
        return Settings.load({"PIPELEX_HOME": str(tmp_path), **env}).telemetry_opted_out

    assert opted_out(DO_NOT_TRACK="banana") is True
    assert opted_out(DO_NOT_TRACK="0") is False
    assert opted_out(PIPELEX_TELEMETRY="0") is True
    assert opted_out(PIPELEX_TELEMETRY="1") is False
    assert opted_out() is False


def test_an_empty_gateway_variable_is_as_if_unset(tmp_path: Path) -> None:
    (tmp_path / "backends.toml").write_text("[pipelex_gateway]\nenabled = true\n")
    env = {"PIPELEX_HOME": str(tmp_path), "PIPELEX_GATEWAY": ""}
    assert Settings.load(env).gateway_enabled is True
    assert Settings.load({**env, "PIPELEX_GATEWAY": "0"}).gateway_enabled is False


def test_a_closed_stdout_is_no_traceback(cli: Cli) -> None:
    environ = {**os.environ, "PIPELEX_HOME": str(cli.home), "HOME": str(cli.home.parent)}
    read, write = os.pipe()
    os.close(read)  # nobody will ever read what the command prints
    completed = subprocess.run(
        [str(BIN / "pipelex"), "models"],
        stdout=write,
        stderr=subprocess.PIPE,
        env=environ,
        timeout=60,
        check=False,
    )
    os.close(write)
    assert completed.returncode in (1, 141)  # click's convention, or a shell's SIGPIPE status
    assert b"Traceback" not in completed.stderr


@pytest.mark.parametrize(
    "command", [["pipelex", "models"], ["pipelex-agent", "models"], ["pipelex-agent", "--help"]]
)
def test_a_full_stdout_is_a_clear_error_not_a_traceback(cli: Cli, command: list[str]) -> None:
    """``> /dev/full``: every write fails with ENOSPC, as on a full disk."""
    environ = {**os.environ, "PIPELEX_HOME": str(cli.home), "HOME": str(cli.home.parent)}
    with open("/dev/full", "wb") as full:
        completed = subprocess.run(
            [str(BIN / command[0]), *command[1:]],
            stdout=full,
            stderr=subprocess.PIPE,
            env=environ,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 3
    assert completed.stderr.decode() == (
        "Error: could not write the output to stdout: No space left on device.\n"
        "Hint: Free space where the output goes, or send it elsewhere, and run the command "
        "again.\n"
    )


def test_models_of_an_unknown_backend_is_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("models", "--backend", "nope")
    assert completed.code == 2
    assert "No enabled backend is named 'nope'" in completed.envelope["error"]["message"]
    assert "openai" in completed.envelope["error"]["hint"]


def test_deep_structures_are_refused_clearly_and_hide_nothing(cli: Cli, tmp_path: Path) -> None:
    depth = 5_000
    nested = tmp_path / "nested.mthds"
    nested.write_text('domain = "x"\nv = ' + "{ a = " * depth + "1" + " }" * depth + "\n")
    broken = tmp_path / "other.mthds"
    broken.write_text('domain = "Other"\n')
    completed = cli.agent("validate", str(tmp_path))
    assert completed.code == 1, completed.stdout
    problems = {(Path(p["file"]).name, p["code"]) for p in completed.envelope["error"]["problems"]}
    assert problems == {("nested.mthds", "toml_invalid"), ("other.mthds", "domain_invalid")}


def test_a_3000_deep_chain_validates_and_a_run_refuses_it_cleanly(cli: Cli, tmp_path: Path) -> None:
    steps = 3_000
    lines = ['domain = "deep"', 'main_pipe = "p0"']
    for i in range(steps):
        callee = f"p{i + 1}" if i < steps - 1 else "leaf"
        lines += [
            f"[pipe.p{i}]",
            'type = "PipeSequence"\ndescription = "d"\ninputs = { t = "Text" }\noutput = "Text"',
            f'steps = [{{ pipe = "{callee}", result = "r" }}]',
        ]
    lines += ['[pipe.leaf]\ntype = "PipeCompose"\ndescription = "d"', 'inputs = { t = "Text" }']
    lines += ['output = "Text"\ntemplate = "$t"']
    bundle = tmp_path / "chain.mthds"
    bundle.write_text("\n".join(lines) + "\n")
    assert cli.agent("validate", str(bundle)).code == 0
    run = cli.agent("run", str(bundle), "--inputs", '{"t": "x"}')
    assert run.code == 1
    assert "nests pipes too deeply" in run.envelope["error"]["message"]


def test_a_2000_pipe_cycle_is_one_problem_with_a_readable_message(cli: Cli, tmp_path: Path) -> None:
    size = 2_000
    lines = ['domain = "loop"', 'main_pipe = "p0"']
    for i in range(size):
        lines += [
            f"[pipe.p{i}]",
            'type = "PipeSequence"\ndescription = "d"\ninputs = { t = "Text" }\noutput = "Text"',
            f'steps = [{{ pipe = "p{(i + 1) % size}", result = "r" }}]',
        ]
    bundle = tmp_path / "loop.mthds"
    bundle.write_text("\n".join(lines) + "\n")
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    [problem] = completed.envelope["error"]["problems"]
    assert problem["code"] == "circular_dependency_error"
    assert problem["message"] == (
        "controllers call each other in a circle: p0 -> p1 -> p2 -> p3 -> p4 -> p5 -> "
        "… (1,989 more) … -> p1995 -> p1996 -> p1997 -> p1998 -> p1999 -> p0; break the cycle"
    )


@pytest.mark.parametrize("control", ["\n", "\t", "\r", "\x1b", "\x7f"])  # argv holds no NUL
def test_init_refuses_a_url_with_a_control_character_and_writes_nothing(
    cli: Cli, control: str
) -> None:
    assert cli.agent("init", "--byok").code == 0
    before = {path.name: path.read_bytes() for path in cli.home.glob("*.toml")}
    url = f"https://example.com/a{control}b.json"
    completed = cli.agent("init", "--byok", "--force", "--remote-config-url", url)
    assert completed.code == 3
    message = completed.envelope["error"]["message"]
    assert message == (
        "Invalid remote config URL 'https://example.com/a\ufffdb.json': "
        f"it contains the control character {control!r}."
    )
    assert {path.name: path.read_bytes() for path in cli.home.glob("*.toml")} == before
    assert cli.agent("validate", str(EXAMPLES / "bundles" / "summarize.mthds")).code == 0


def test_a_control_character_in_the_configured_url_is_a_configuration_error(cli: Cli) -> None:
    completed = cli.agent(
        "models", PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL="https://example.com/\trc.json"
    )
    assert completed.code == 3
    assert "contains the control character '\\t'" in completed.envelope["error"]["message"]


def test_every_string_init_writes_reads_back_as_itself() -> None:
    """init's TOML strings escape whatever they hold (every control character included)."""
    samples = [chr(code) for code in range(0x20)] + ["\x7f", '"', "\\", "é ✓", "a\\nb", "'''"]
    for sample in samples:
        text = f"key = {_toml_string(sample)}\n"
        assert tomllib.loads(checked_toml("sample.toml", text))["key"] == sample


def test_a_fifo_named_like_a_bundle_is_reported_and_hides_nothing(cli: Cli, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.mthds")
    (tmp_path / "b.mthds").write_text('domain = "Other"\n')
    for target in (tmp_path, tmp_path / "a.mthds"):
        completed = cli.agent("validate", str(target))
        assert completed.code == 1
        problems = [
            (Path(p["file"]).name, p["code"], p["message"])
            for p in completed.envelope["error"]["problems"]
        ]
        assert problems[0] == (
            "a.mthds",
            "toml_invalid",
            "cannot be read: it is a FIFO (named pipe), not a regular file",
        )
        if target == tmp_path:
            assert problems[1][:2] == ("b.mthds", "domain_invalid")


@pytest.mark.parametrize("agent", [True, False], ids=["agent", "human"])
def test_ctrl_c_during_a_fetch_is_an_abort_in_either_face(cli: Cli, agent: bool) -> None:
    """Interrupted while waiting on a server that never answers: "Aborted", exit 1, and in the
    agent face still one envelope (AbortedError, not retryable), never a traceback."""
    import json
    import signal

    from pipelex_core.testing import ConfigServer, Reply
    from tests.cli_runner import REPO

    with ConfigServer() as server:
        server.serve_reply(Reply(hang=True))
        process = subprocess.Popen(
            [str(BIN / ("pipelex-agent" if agent else "pipelex")), "validate", BUNDLE_PATH],
            env={
                "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
                "HOME": str(cli.home.parent),
                "PIPELEX_HOME": str(cli.home),
                "PIPELEX_GATEWAY": "1",
                "PIPELEX_REMOTE_CONFIG_URL": server.url,
                "PIPELEX_FETCH_DEADLINE": "60",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            assert server.wait_for_requests(1, timeout=60), "the fetch never reached the server"
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=60)
    assert process.returncode == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr
    if agent:
        from tests.cli_runner import Completed

        envelope = Completed(process.returncode, stdout, stderr).envelope
        assert envelope["command"] == "validate"
        assert envelope["error"]["type"] == "AbortedError"
        assert envelope["error"]["retryable"] is False
        assert json.loads(stdout) == envelope
    else:
        assert "Aborted." in stderr
