"""pytest fixtures for plugin authors (and this project's own tests), loaded by
``pytest_plugins = ["pipelex_core.testing"]`` (see the package's docstring).

A test asks for what it needs: ``pipelex_home`` (a temp ``PIPELEX_HOME``, the environment
cleaned of ``PIPELEX_*`` variables), ``pipelex_settings`` (a factory of ``Settings`` for that
home), ``pipelex_plugins`` (a factory of fresh plugin managers with your plugins registered),
``remote_config_payload`` (a minimal valid remote config) and ``remote_config_server`` (a
loopback server serving it). Everything is real: no mocks of the network or the disk.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex_core.plugins import Plugins
from pipelex_core.settings import ENVIRONMENT_VARIABLES, Settings
from pipelex_core.testing.config_server import ConfigServer
from pipelex_core.testing.payloads import minimal_remote_config

__all__ = [
    "pipelex_home",
    "pipelex_plugins",
    "pipelex_settings",
    "remote_config_payload",
    "remote_config_server",
]


@pytest.fixture
def pipelex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ``PIPELEX_HOME`` (set in the environment), other ``PIPELEX_*`` variables unset."""
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "pipelex-home"
    home.mkdir()
    monkeypatch.setenv("PIPELEX_HOME", str(home))
    return home


@pytest.fixture
def pipelex_settings(pipelex_home: Path) -> Callable[..., Settings]:
    """``make(gateway=False, url=None, **env) -> Settings`` for ``pipelex_home``."""

    def make(*, gateway: bool = False, url: str | None = None, **env: str) -> Settings:
        environ = {"PIPELEX_HOME": str(pipelex_home), "PIPELEX_GATEWAY": "1" if gateway else "0"}
        if url is not None:
            environ["PIPELEX_REMOTE_CONFIG_URL"] = url
        return Settings.load({**environ, **env})

    return make


@pytest.fixture
def pipelex_plugins() -> Callable[..., Plugins]:
    """``make(*plugins, entry_points=True, disabled=()) -> Plugins``: a fresh manager each call."""

    def make(
        *plugins: object, entry_points: bool = True, disabled: tuple[str, ...] = ()
    ) -> Plugins:
        return Plugins.boot(
            disabled=disabled, extra_plugins=plugins, load_entry_points=entry_points
        )

    return make


@pytest.fixture
def remote_config_payload() -> dict[str, Any]:
    """A minimal valid remote config (a fresh copy per test: mutate it freely)."""
    return copy.deepcopy(minimal_remote_config())


@pytest.fixture
def remote_config_server(remote_config_payload: dict[str, Any]) -> Iterator[ConfigServer]:
    """A loopback server serving ``remote_config_payload`` (with an ETag); closed afterwards."""
    with ConfigServer() as server:
        server.serve(remote_config_payload, etag='"test-v1"')
        yield server
