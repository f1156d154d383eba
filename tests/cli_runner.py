"""Run the installed ``pipelex`` / ``pipelex-agent`` commands as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

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
        from every command the suite runs, starts with the envelope's version."""
        data: dict[str, Any] = json.loads(self.stdout)
        assert list(data)[:3] == ["schema_version", "ok", "command"], list(data)
        assert data["schema_version"] == 1
        return data


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
