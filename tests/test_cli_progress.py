"""What a person sees while a run works: the status line on a terminal, ``-q`` and ``-v``.

The status line is driven through a real pseudo-terminal; pipes and the agent face must never
see it. Details (``-v``) go to stderr in either face, and leave stdout as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelex_core.cli.progress import ERASE_LINE
from pipelex_core.testing.config_server import ConfigServer, closed_port_url
from tests.cli_runner import EXAMPLES, Cli, agent_envelope
from tests.test_cli_terminal import on_a_terminal

BUNDLE = str(EXAMPLES / "bundles" / "parallel_review.mthds")
WIDE = {"COLUMNS": "200"}  # the status line is cut to the terminal's width


def gateway_env(url: str) -> dict[str, str]:
    return {"PIPELEX_GATEWAY": "1", "PIPELEX_REMOTE_CONFIG_URL": url, **WIDE}


def status_line(server: ConfigServer, then: str = "") -> bytes:
    host = server.url.split("/")[2]
    return f"Fetching the Gateway catalogue from {host} (up to 10 s{then})…".encode()


def test_a_fetch_on_a_terminal_shows_a_status_line_then_erases_it(
    home: Path, server: ConfigServer
) -> None:
    shown = on_a_terminal(home, ["validate", BUNDLE], **gateway_env(server.url))
    line = status_line(server)
    assert line in shown, shown
    after = shown.split(line, 1)[1]
    assert after.startswith(ERASE_LINE.encode()), after  # gone before anything else is said
    assert b"Valid:" in after


def test_with_a_cache_the_status_line_says_how_long_before_the_cache_stands_in(
    home: Path, cli: Cli, server: ConfigServer
) -> None:
    primed = cli.agent("init", "--gateway", "--accept-terms", "--remote-config-url", server.url)
    assert primed.code == 0, primed.stdout
    dead = closed_port_url()
    host = dead.split("/")[2]
    shown = on_a_terminal(home, ["validate", BUNDLE], **gateway_env(dead))
    line = f"Fetching the Gateway catalogue from {host} (up to 1.5 s, then the cache)…".encode()
    assert line + ERASE_LINE.encode() in shown, shown
    assert b"cached" in shown


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["-q", "validate", BUNDLE], {}),
        (["validate", BUNDLE, "--quiet"], {}),
        (["--json", "validate", BUNDLE], {}),
        (["validate", BUNDLE], {"TERM": "dumb"}),
    ],
    ids=["-q", "--quiet-after-the-command", "agent-face", "TERM=dumb"],
)
def test_no_status_line_when_quiet_in_the_agent_face_or_on_a_dumb_terminal(
    home: Path, server: ConfigServer, args: list[str], env: dict[str, str]
) -> None:
    shown = on_a_terminal(home, args, **gateway_env(server.url), **env)
    assert b"Fetching" not in shown, shown
    assert b"\x1b[K" not in shown
    assert b"Valid:" in shown or b'"ok": true' in shown


def test_no_status_line_in_a_pipe(cli: Cli, server: ConfigServer) -> None:
    completed = cli.run("validate", BUNDLE, **gateway_env(server.url))
    assert completed.code == 0, completed.stderr
    assert "Fetching" not in completed.stderr
    assert "\x1b[K" not in completed.stderr


def test_verbose_tells_each_step_on_stderr(cli: Cli, server: ConfigServer) -> None:
    primed = cli.agent("init", "--gateway", "--accept-terms", "--remote-config-url", server.url)
    assert primed.code == 0
    dead = closed_port_url()
    completed = cli.run("validate", BUNDLE, "-v", **gateway_env(dead))
    assert completed.code == 0, completed.stderr
    steps = [line for line in completed.stderr.splitlines() if line.startswith("pipelex: ")]
    cache_path = cli.home / "cache" / "remote_config.json"
    assert steps[0].startswith("pipelex: a cache from ")
    assert steps[0].endswith(f" exists at {cache_path}")
    assert steps[1] == f"pipelex: fetching {dead} (up to 1.5 s, then the cache)"
    assert steps[2].startswith("pipelex: fetch failed: ")
    assert "refused the connection" in steps[2]
    assert "Valid:" in completed.stdout


def test_verbose_says_a_byok_run_fetches_nothing(cli: Cli) -> None:
    completed = cli.run("-v", "validate", BUNDLE)
    assert completed.code == 0
    assert completed.stderr == "pipelex: the Gateway is off (BYOK): no catalogue to fetch\n"


def test_verbose_in_the_agent_face_keeps_stdout_one_json_object(
    cli: Cli, server: ConfigServer
) -> None:
    completed = cli.agent("validate", BUNDLE, "--verbose", **gateway_env(server.url))
    assert completed.code == 0
    assert completed.envelope["ok"] is True
    assert json.loads(completed.stdout) == completed.envelope
    assert f"pipelex: fetching {server.url} (up to 10 s)" in completed.stderr
    assert "pipelex: fresh catalogue, " in completed.stderr


def test_quiet_and_verbose_together_are_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("-q", "validate", BUNDLE, "-v")
    assert completed.code == 2
    assert completed.envelope["command"] == "validate"
    assert "--quiet and --verbose" in completed.envelope["error"]["message"]


def test_the_status_line_fits_the_terminal_stderr_is_on_when_stdout_is_a_pipe(
    home: Path, server: ConfigServer
) -> None:
    """`pipelex validate x > out.txt` on a 40-column terminal: the line is cut to the width of
    the terminal it is written to (stderr's), else it wraps and the erase leaves a row behind."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    from tests.cli_runner import BIN, REPO
    from tests.test_cli_terminal import read_rest

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    env = {"PATH": str(BIN), "PIPELEX_HOME": str(home), "HOME": str(home.parent)}
    env.update(PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=server.url)
    process = subprocess.Popen(
        [str(BIN / "pipelex"), "validate", BUNDLE],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        cwd=REPO,
    )
    os.close(terminal)
    try:
        shown = read_rest(controller)
    finally:
        os.close(controller)
        stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert b"Valid:" in stdout
    line, erase, after = shown.partition(ERASE_LINE.encode())
    assert erase, shown
    assert line.startswith(b"Fetching the Gateway catalogue from ")
    assert len(line.decode()) < 40, line
    assert after == b""


def test_verbose_with_stderr_closed_still_runs(cli: Cli) -> None:
    """``pipelex -v validate x 2>&-``: Python has no sys.stderr then; the details go nowhere
    and the run's outcome is as without -v (a closed stderr must not fail the run)."""
    import subprocess

    from tests.cli_runner import BIN, REPO

    closing_stderr = ["/bin/sh", "-c", 'exec "$0" "$@" 2>&-']
    completed = subprocess.run(
        [*closing_stderr, str(BIN / "pipelex-agent"), "-v", "validate", BUNDLE],
        env={"PATH": "/usr/bin:/bin", "PIPELEX_HOME": str(cli.home), "HOME": str(cli.home.parent)},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == 0, completed.stdout
    assert agent_envelope(completed.stdout)["ok"] is True


@pytest.mark.parametrize("args", [("-qv", "validate", BUNDLE), ("validate", BUNDLE, "-qv")])
def test_bundled_quiet_and_verbose_contradict_before_or_after_the_command(
    cli: Cli, args: tuple[str, ...]
) -> None:
    completed = cli.agent(*args)
    assert completed.code == 2
    assert "--quiet and --verbose" in completed.envelope["error"]["message"]


def test_bundled_verbose_after_the_command_is_the_root_s(cli: Cli) -> None:
    completed = cli.run("validate", BUNDLE, "-vv")
    assert completed.code == 0
    assert completed.stderr == "pipelex: the Gateway is off (BYOK): no catalogue to fetch\n"
