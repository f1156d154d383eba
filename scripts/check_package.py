"""Build the sdist and wheel, install the wheel into a fresh venv, and check what ships.

Run by tox's ``pkg`` environment: ``twine check`` passes (the README renders on an index);
the metadata an index shows is complete (summary, licence and its file, authors, project
URLs, classifiers, Python requirement); entry points, kit files, the agent schema and
``py.typed`` are in the installed wheel; ``pipelex --help``, ``pipelex-agent schema`` and a
BYOK dry run work from it; and the wheel installs as a user installs a tool (``uv tool
install``, into a throw-away tool directory), whose ``pipelex`` and ``pipelex-agent`` then run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PLUGINS = ("pipelex_http_fetcher", "pipelex_file_cache", "pipelex_telemetry", "pipelex_docgen")
#: What an index shows of a project, each of which must be present in the wheel's metadata.
METADATA_FIELDS = (
    "Summary",
    "Author",
    "Project-URL",
    "Classifier",
    "Requires-Python",
    "Keywords",
    "Description-Content-Type",
)
KIT = (
    "kit/backends.toml",
    "kit/deck.toml",
    "kit/routing.toml",
    "kit/backends/openai.toml",
    "kit/backends/anthropic.toml",
    "kit/backends/google.toml",
    "kit/backends/mistral.toml",
    "kit/backends/linkup.toml",
)
#: The agent contract's JSON Schema (docs/agent.md), read by ``pipelex schema``.
SCHEMAS = ("schemas/agent-v1.json",)

INSPECT = """
import importlib.metadata as m, importlib.util as u, json, pathlib
core = pathlib.Path(u.find_spec("pipelex_core").origin).parent
print(json.dumps({
    "entry_points": sorted(ep.name for ep in m.entry_points(group="pipelex")),
    "scripts": sorted(ep.name for ep in m.entry_points(group="console_scripts")
                      if ep.value.startswith("pipelex_core")),
    "core": str(core),
    "typed": {name: (pathlib.Path(u.find_spec(name).origin).parent / "py.typed").is_file()
              for name in ["pipelex_core", *%r]},
    "license": m.metadata("pipelex-core").get("License-Expression"),
    "license_file": any(str(f).endswith("licenses/LICENSE") for f in m.files("pipelex-core")),
    "metadata": {key: m.metadata("pipelex-core").get_all(key) or []
                 for key in %r},
}))
"""


def run(*command: str | Path, cwd: Path | None = None) -> str:
    completed = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, check=False
    )
    if completed.returncode != 0:
        sys.exit(f"FAILED: {' '.join(map(str, command))}\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PIPELEX_HOME"] = str(Path(tmp) / "home")  # the kit defaults: BYOK, offline
        dist = Path(tmp) / "dist"
        run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, REPO)
        wheels = list(dist.glob("*.whl"))
        sdists = list(dist.glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            sys.exit(f"Expected one wheel and one sdist, got {wheels} and {sdists}")
        env = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env)
        python = env / "bin" / "python"
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0])

        run(sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists)
        facts = json.loads(run(python, "-c", INSPECT % (list(PLUGINS), list(METADATA_FIELDS))))
        problems = [
            f"no {key} in the metadata" for key, values in facts["metadata"].items() if not values
        ]
        if facts["entry_points"] != sorted(PLUGINS):
            problems.append(f"entry points: {facts['entry_points']}")
        if facts["scripts"] != ["pipelex", "pipelex-agent"]:
            problems.append(f"console scripts: {facts['scripts']}")
        problems += [f"no py.typed in {name}" for name, ok in facts["typed"].items() if not ok]
        if facts["license"] != "MIT" or not facts["license_file"]:
            problems.append(
                f"licence: {facts['license']!r}, LICENSE shipped: {facts['license_file']}"
            )
        core = Path(facts["core"])
        problems += [f"missing {name}" for name in KIT + SCHEMAS if not (core / name).is_file()]

        help_text = run(env / "bin" / "pipelex", "--help", cwd=Path(tmp))
        if "validate" not in help_text or "dev" not in help_text:
            problems.append("pipelex --help lacks validate or dev")
        dry = run(
            env / "bin" / "pipelex-agent",
            "run",
            REPO / "examples" / "bundles" / "summarize.mthds",
            "--dry-run",
            cwd=Path(tmp),
        )
        envelope = json.loads(dry)
        if not envelope["ok"] or envelope["result"]["remote_config"] is not None:
            problems.append(f"BYOK dry run: {dry}")
        schema = json.loads(run(env / "bin" / "pipelex-agent", "schema", cwd=Path(tmp)))
        shipped = (REPO / "pipelex_core" / SCHEMAS[0]).read_text(encoding="utf-8")
        if not schema["ok"] or schema["result"] != json.loads(shipped):
            problems.append("pipelex-agent schema does not return the shipped schema")
        problems += installed_as_a_tool(wheels[0], Path(tmp))
        if problems:
            sys.exit("Package check failed:\n  " + "\n  ".join(problems))
        print(f"Package OK: {wheels[0].name}, {sdists[0].name}")
        print(
            f"  twine check, metadata {list(METADATA_FIELDS)}, entry points "
            f"{facts['entry_points']}, kit files, agent schema, py.typed, MIT licence and its "
            "LICENSE file, --help, pipelex-agent schema, BYOK dry run, uv tool install"
        )


def installed_as_a_tool(wheel: Path, tmp: Path) -> list[str]:
    """Install the wheel as ``uv tool install`` does for a user, in a tool directory of its
    own, and run both commands from where uv put them."""
    tools, bin_dir = tmp / "uv-tools", tmp / "uv-bin"
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tools),
        "UV_TOOL_BIN_DIR": str(bin_dir),
        "UV_PYTHON": sys.executable,
        "UV_NO_CONFIG": "1",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "uv", "tool", "install", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        return [f"uv tool install failed: {completed.stderr.strip()}"]
    problems = []
    version = subprocess.run(
        [bin_dir / "pipelex", "--version"], capture_output=True, text=True, check=False, env=env
    )
    if version.returncode != 0 or VERSION not in version.stdout:
        problems.append(f"the tool's pipelex --version: {version.stdout!r} {version.stderr!r}")
    agent = subprocess.run(
        [bin_dir / "pipelex-agent", "--version"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if agent.returncode != 0 or json.loads(agent.stdout)["result"]["version"] != VERSION:
        problems.append(f"the tool's pipelex-agent --version: {agent.stdout!r}")
    return problems


if __name__ == "__main__":
    main()
