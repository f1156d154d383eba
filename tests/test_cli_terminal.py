"""``pipelex init`` asks on a terminal: driven through a real pseudo-terminal."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelex_core.testing.config_server import ConfigServer
from tests.cli_runner import BIN, REPO


def read_until(fd: int, marker: bytes, timeout: float = 60.0) -> bytes:
    """Read until ``marker``; a changed prompt fails the test instead of hanging CI."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([fd], [], [], max(0.0, remaining))
        if not readable:
            raise AssertionError(
                f"no {marker!r} within {timeout:.0f} s; the terminal showed {seen!r}"
            )
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal (EIO on Linux)
            break
        if not chunk:
            break
        seen += chunk
    return seen


@contextlib.contextmanager
def init_on_a_terminal(
    home: Path, server: ConfigServer
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`pipelex init` on a real pseudo-terminal; the child is reaped whatever the test does."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(BIN / "pipelex"), "init", "--remote-config-url", server.url],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={"PATH": str(BIN), "PIPELEX_HOME": str(home), "HOME": str(home.parent)},
        cwd=REPO,
    )
    os.close(terminal)
    try:
        yield process, controller
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


def test_init_prompts_for_gateway_and_terms(home: Path, server: ConfigServer) -> None:
    with init_on_a_terminal(home, server) as (process, controller):
        assert b"Use the Pipelex Gateway" in read_until(controller, b"[y/N]")
        os.write(controller, b"y\n")
        assert b"Accept the terms?" in read_until(controller, b"[y/N]")
        os.write(controller, b"y\n")
        assert process.wait(timeout=60) == 0
    assert "enabled = true" in (home / "backends.toml").read_text()
    assert (home / "cache" / "remote_config.json").exists()


def read_rest(fd: int) -> bytes:
    """Everything the child wrote until it closed the terminal."""
    seen = b""
    while True:
        readable, _, _ = select.select([fd], [], [], 60.0)
        if not readable:
            raise AssertionError(f"the terminal stayed open; it showed {seen!r}")
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the child closed its side
            return seen
        if not chunk:
            return seen
        seen += chunk


def interrupt_until_it_answers(process: subprocess.Popen[bytes], controller: int) -> None:
    """Press Ctrl-C (SIGINT) until the child shows something, as a person would.

    A SIGINT arriving after the prompt is printed but before ``input()`` blocks in read() is
    noted by Python and acted on only once the read returns: CPython's own race, which a
    loaded machine widens. A person presses Ctrl-C again; so does this test, waiting on the
    terminal (select, never a sleep) between presses.
    """
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        process.send_signal(signal.SIGINT)
        readable, _, _ = select.select([controller], [], [], 5.0)
        if readable:
            return
    raise AssertionError("the child showed nothing after a minute of Ctrl-C")


@pytest.mark.parametrize("how", ["ctrl-d", "ctrl-c"])
def test_an_abort_at_the_prompt_is_an_abort_and_writes_nothing(
    how: str, home: Path, server: ConfigServer
) -> None:
    """click's convention: "Aborted", exit 1; never exit 4, never a half-written home."""
    with init_on_a_terminal(home, server) as (process, controller):
        assert b"Use the Pipelex Gateway" in read_until(controller, b"[y/N]")
        if how == "ctrl-d":
            os.write(controller, b"\x04")  # end of input at the prompt
        else:
            interrupt_until_it_answers(process, controller)
        shown = read_rest(controller)
        assert process.wait(timeout=60) == 1
    assert b"Aborted." in shown
    assert b"bug" not in shown
    assert b"Traceback" not in shown
    assert not (home / "backends.toml").exists()
    assert not (home / "pipelex_service.toml").exists()


def on_a_terminal(home: Path, args: list[str], **env: str) -> bytes:
    """What a command writes to a real pseudo-terminal (stdout and stderr both on it)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(BIN / "pipelex"), *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={"PATH": str(BIN), "PIPELEX_HOME": str(home), "HOME": str(home.parent), **env},
        cwd=REPO,
    )
    os.close(terminal)
    try:
        return read_rest(controller)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)


RED = b"\x1b[31m"


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)],
    ids=["default", "NO_COLOR", "TERM=dumb"],
)
def test_colour_on_a_terminal_follows_the_conventions(
    home: Path, env: dict[str, str], coloured: bool
) -> None:
    shown = on_a_terminal(home, ["validate", str(home / "missing.mthds")], **env)
    assert b"Error:" in shown
    assert (RED in shown) is coloured, shown


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({}, False), ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)],
    ids=["default", "FORCE_COLOR", "NO_COLOR-wins"],
)
def test_colour_in_a_pipe_follows_the_conventions(
    home: Path, env: dict[str, str], coloured: bool
) -> None:
    completed = subprocess.run(
        [str(BIN / "pipelex"), "validate", str(home / "missing.mthds")],
        capture_output=True,
        env={"PATH": str(BIN), "PIPELEX_HOME": str(home), "HOME": str(home.parent), **env},
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(RED + b"Error:" if coloured else b"Error:")
