"""Shell completion and the help text: what a person at a terminal reaches for first."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli_runner import BIN, REPO, Cli


@pytest.mark.parametrize(
    ("shell", "fragment"),
    [
        ("bash", "complete -o nosort -F _pipelex_completion pipelex"),
        ("zsh", "#compdef pipelex"),
        ("fish", "complete --no-files --command pipelex"),
    ],
)
def test_the_script_for_each_shell(cli: Cli, shell: str, fragment: str) -> None:
    human = cli.run("completion", shell)
    assert human.code == 0
    assert fragment in human.stdout
    agent = cli.agent("completion", shell)
    assert agent.envelope["result"]["shell"] == shell
    assert fragment in agent.envelope["result"]["script"]


def test_an_unknown_shell_is_a_usage_error(cli: Cli) -> None:
    completed = cli.agent("completion", "tcsh")
    assert completed.code == 2
    assert completed.envelope["command"] == "completion"


def test_what_the_bash_script_asks_for_completes_commands(home: Path) -> None:
    """The call the bash script makes on <TAB>, made here: ``pipelex ca`` completes to cache."""
    completed = subprocess.run(
        [str(BIN / "pipelex")],
        env={
            "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
            "PIPELEX_HOME": str(home),
            "COMP_WORDS": "pipelex ca",
            "COMP_CWORD": "1",
            "_PIPELEX_COMPLETE": "bash_complete",
        },
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0
    assert completed.stdout.splitlines() == ["plain,cache"]


def test_help_names_every_variable_pipelex_reads_and_the_exit_codes(cli: Cli) -> None:
    from pipelex_core.settings import ENVIRONMENT_VARIABLES

    shown = cli.run("--help").stdout
    missing = [name for name in ENVIRONMENT_VARIABLES if name not in shown]
    assert missing == []
    assert "Exit codes:" in shown
    assert "Examples:" in shown
    assert "..." not in shown.split("Commands:")[1].split("Examples:")[0]  # nothing cut short
