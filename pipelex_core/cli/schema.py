"""``pipelex schema``: the agent contract as JSON Schema, so an agent can check what it reads.

The agent face returns the document as the envelope's ``result``, as every command does, so
the contract holds for this command too; people get the bare document, exactly the shipped
file (``pipelex schema > agent-v1.json``).
"""

from __future__ import annotations

import json

import click

from pipelex_core.cli.output import CliState, Outcome, run_command
from pipelex_core.hookspecs import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(schema)


@click.command(short_help="Print the agent contract's JSON Schema.")
@click.pass_obj
def schema(state: CliState) -> int:
    """Print the JSON Schema (draft 2020-12) of what pipelex-agent prints.

    People get the bare document; pipelex-agent returns it as the envelope's result.
    docs/agent.md explains the contract.
    """
    return run_command(state, "schema", _schema)


def _schema() -> Outcome:
    from pipelex_core.schemas import agent_schema_text

    text = agent_schema_text()
    return Outcome(result=json.loads(text), text=text.rstrip("\n"))
