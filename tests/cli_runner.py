"""Run the installed ``pipelex`` / ``pipelex-agent`` commands as real subprocesses."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import jsonschema

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


@attrs.frozen
class Completed:
    code: int
    stdout: str
    stderr: str

    @property
    def envelope(self) -> dict[str, Any]:
        """The agent face's one JSON object: stdout must hold exactly that, and every one,
        from every command the suite runs, keeps the agent contract."""
        return agent_envelope(self.stdout)


def agent_envelope(stdout: str) -> dict[str, Any]:
    """The one JSON object of an agent-face stdout, checked against the contract."""
    data: dict[str, Any] = json.loads(stdout)
    assert list(data)[:3] == ["schema_version", "ok", "command"], list(data)
    assert data["schema_version"] == 1
    check_envelope(data)
    return data


def check_envelope(data: dict[str, Any]) -> None:
    """Fail, naming every place, where ``data`` breaks the shipped schema (docs/agent.md)."""
    errors = sorted(_validator().iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        lines = []
        for error in errors:
            cause = jsonschema.exceptions.best_match([error])
            where = "/".join(str(part) for part in cause.absolute_path) or "(top)"
            lines.append(f"  at {where}: {cause.message[:300]}")
        raise AssertionError(
            "the envelope breaks the agent contract (pipelex_core/schemas/agent-v1.json):\n"
            + "\n".join(lines)
        )


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    from pipelex_core.schemas import agent_schema

    schema = agent_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@attrs.define
class Cli:
    home: Path
    env: dict[str, str] = attrs.field(factory=dict)

    def run(self, *args: str, agent: bool = False, **env: str) -> Completed:
        command = "pipelex-agent" if agent else "pipelex"
        environ = {
            "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
            "HOME": str(self.home.parent),
            "PIPELEX_HOME": str(self.home),
            "LC_ALL": "C.UTF-8",
            **self.env,
            **env,
        }
        completed = subprocess.run(
            [str(BIN / command), *args],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
        )
        return Completed(completed.returncode, completed.stdout, completed.stderr)

    def agent(self, *args: str, **env: str) -> Completed:
        return self.run(*args, agent=True, **env)
