"""Build the sdist and wheel, install the wheel into a fresh venv, and check what ships.

Run by tox's ``pkg`` environment: entry points, kit files and ``py.typed`` are in the
installed wheel, and ``pipelex --help`` and a BYOK dry run work from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGINS = ("pipelex_http_fetcher", "pipelex_file_cache", "pipelex_telemetry", "pipelex_docgen")
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

        facts = json.loads(run(python, "-c", INSPECT % (list(PLUGINS),)))
        problems = []
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
        problems += [f"missing {name}" for name in KIT if not (core / name).is_file()]

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
        if problems:
            sys.exit("Package check failed:\n  " + "\n  ".join(problems))
        print(f"Package OK: {wheels[0].name}, {sdists[0].name}")
        print(
            f"  entry points {facts['entry_points']}, kit files, py.typed, MIT licence and its "
            "LICENSE file, --help, BYOK dry run"
        )


if __name__ == "__main__":
    main()
