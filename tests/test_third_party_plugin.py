"""A third party's plugin package, installed into a fresh virtual environment with the
project, works through the ``pipelex`` command with no step but ``pip install``."""

from __future__ import annotations

import os
import subprocess
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelex_core.testing.config_server import ConfigServer
from tests.bundle_text import llm_bundle
from tests.cli_runner import EXAMPLES, REPO, agent_envelope

PLUGIN = EXAMPLES / "pipelex-model-policy"


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with pipelex-core (built from this checkout) and the example plugin."""
    root = tmp_path_factory.mktemp("fresh-venv")
    venv.EnvBuilder(with_pip=True).create(root)
    completed = subprocess.run(
        [
            str(root / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(REPO),
            str(PLUGIN),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    return root / "bin"


@pytest.fixture
def gateway(sample_payload: dict[str, object]) -> Iterator[ConfigServer]:
    with ConfigServer() as server:
        server.serve(sample_payload)
        yield server


def run(bin_dir: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "pipelex-agent"), *args],
        env={"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "PIPELEX_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=REPO,
    )


def test_plugins_lists_the_third_party_plugin(fresh_env: Path, home: Path) -> None:
    completed = run(fresh_env, home, "plugins")
    assert completed.returncode == 0, completed.stderr
    rows = {row["name"]: row for row in agent_envelope(completed.stdout)["result"]["plugins"]}
    assert rows["pipelex_model_policy"] == {
        "name": "pipelex_model_policy",
        "distribution": "pipelex-model-policy",
        "version": "0.1.0",
        "hooks": ["validate_models"],
    }
    assert rows["pipelex_http_fetcher"]["distribution"] == "pipelex-core"


def test_the_policy_runs_beside_the_built_in_check(
    fresh_env: Path, home: Path, gateway: ConfigServer, tmp_path: Path
) -> None:
    env = {"PIPELEX_GATEWAY": "1", "PIPELEX_REMOTE_CONFIG_URL": gateway.url}
    expensive = tmp_path / "expensive.mthds"
    expensive.write_text(llm_bundle("claude-4.8-opus"))
    refused = run(fresh_env, home, "validate", str(expensive), PIPELEX_MAX_OUTPUT_COST="20", **env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    error = agent_envelope(refused.stdout)["error"]
    assert error["type"] == "ModelTooExpensiveError"
    assert "claude-4.8-opus (25)" in error["message"]
    assert "fresh catalogue" in error["message"]

    allowed = run(fresh_env, home, "validate", str(expensive), PIPELEX_MAX_OUTPUT_COST="30", **env)
    assert allowed.returncode == 0, allowed.stdout
    unknown = tmp_path / "unknown.mthds"
    unknown.write_text(llm_bundle("gpt-9-imaginary"))
    membership = run(fresh_env, home, "validate", str(unknown), PIPELEX_MAX_OUTPUT_COST="30", **env)
    assert agent_envelope(membership.stdout)["error"]["type"] == "GatewayUnknownModelError"


def test_the_plugin_can_be_disabled(
    fresh_env: Path, home: Path, gateway: ConfigServer, tmp_path: Path
) -> None:
    bundle = tmp_path / "expensive.mthds"
    bundle.write_text(llm_bundle("claude-4.8-opus"))
    completed = run(
        fresh_env,
        home,
        "validate",
        str(bundle),
        PIPELEX_GATEWAY="1",
        PIPELEX_REMOTE_CONFIG_URL=gateway.url,
        PIPELEX_MAX_OUTPUT_COST="20",
        PIPELEX_DISABLE_PLUGINS="pipelex_model_policy",
    )
    assert completed.returncode == 0, completed.stdout


def test_a_byok_dry_run_works_from_the_fresh_environment(fresh_env: Path, home: Path) -> None:
    completed = run(fresh_env, home, "run", "examples/bundles/summarize.mthds", "--dry-run")
    assert completed.returncode == 0, completed.stdout
    assert agent_envelope(completed.stdout)["result"]["trace"][0]["backend"] == "openai"
