"""``pipelex completion SHELL``: the shell's completion script, from click's own machinery.

click completes commands, options and paths once the shell sources its script; this command
prints it, so users need not know click's ``_PIPELEX_COMPLETE`` variable.
"""

from __future__ import annotations

import click

from pipelex_core.cli.output import CliState, Outcome, run_command
from pipelex_core.hookspecs import hookimpl

SHELLS = ("bash", "zsh", "fish")


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(completion)


@click.command(short_help="Print the shell completion script.")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_obj
def completion(state: CliState, shell: str) -> int:
    """Print the completion script for SHELL.

    \b
    Examples:
      eval "$(pipelex completion bash)"        # in ~/.bashrc
      eval "$(pipelex completion zsh)"         # in ~/.zshrc
      pipelex completion fish > ~/.config/fish/completions/pipelex.fish
    """
    return run_command(state, "completion", lambda: _script(shell))


def _script(shell: str) -> Outcome:
    from click.shell_completion import get_completion_class

    from pipelex_core.cli.app import cli

    completion_class = get_completion_class(shell)
    assert completion_class is not None  # click ships all three
    script = completion_class(cli, {}, "pipelex", "_PIPELEX_COMPLETE").source()
    return Outcome(result={"shell": shell, "script": script}, text=script.rstrip("\n"))
