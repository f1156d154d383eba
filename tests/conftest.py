from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import Settings
from pipelex_core.settings import ENVIRONMENT_VARIABLES
from pipelex_core.testing.config_server import ConfigServer

pytest_plugins = ["pipelex_core.testing"]

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_PATH = FIXTURES / "remote_config.sample.json"
_SAMPLE: dict[str, Any] = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's PIPELEX_* variables, ~/.pipelex or proxy settings."""
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    # nor a proxy: every test talks to loopback, which must never go through one
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")


@pytest.fixture
def sample_payload() -> dict[str, Any]:
    return copy.deepcopy(_SAMPLE)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "pipelex-home"
    path.mkdir()
    return path


@pytest.fixture
def server(sample_payload: dict[str, Any]) -> Iterator[ConfigServer]:
    with ConfigServer() as config_server:
        config_server.serve(sample_payload, etag='"sample-v1"')
        yield config_server


@pytest.fixture
def make_settings(home: Path) -> Callable[..., Settings]:
    """Settings for a Gateway-enabled home pointing at ``url``; extra env as keywords."""

    def make(url: str, **env: str) -> Settings:
        environ = {
            "PIPELEX_HOME": str(home),
            "PIPELEX_GATEWAY": "1",
            "PIPELEX_REMOTE_CONFIG_URL": url,
            **env,
        }
        return Settings.load(environ)

    return make


@pytest.fixture
def cache_file(home: Path) -> Path:
    return home / "cache" / "remote_config.json"


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def cli(home: Path) -> Any:
    from tests.cli_runner import Cli

    return Cli(home=home)


# Property tests explore at random on a developer's machine (and keep what they find in
# .hypothesis/); CI replays a fixed derivation so that a landing never depends on luck.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
