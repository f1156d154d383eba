"""pytest fixtures for plugin authors (and this project's own tests).

Enable them in your ``conftest.py``::

    pytest_plugins = ["pipelex_core.testing"]

Then a test asks for what it needs: ``pipelex_home`` (a temp ``PIPELEX_HOME``, the environment
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

from pipelex_core.config_server import ConfigServer, Reply, closed_port_url
from pipelex_core.plugins import Plugins
from pipelex_core.settings import ENVIRONMENT_VARIABLES, Settings

__all__ = [
    "ConfigServer",
    "Reply",
    "closed_port_url",
    "minimal_remote_config",
    "pipelex_home",
    "pipelex_plugins",
    "pipelex_settings",
    "remote_config_payload",
    "remote_config_server",
]


_KIND_TYPES = {"img_gen": "img_gen", "extract": "text_extractor", "search": "search"}


def minimal_remote_config(extra_models: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A valid v10 remote config listing every model the kit's deck can resolve to.

    Telemetry points at a closed loopback port, so nothing leaves the machine even if a test
    enables it.
    """
    from pipelex_core.kit import kit_file
    from pipelex_core.models.deck import Deck
    from pipelex_core.settings import read_toml

    deck = Deck.from_document(read_toml(kit_file("deck.toml")))
    models: dict[str, dict[str, Any]] = {}
    references = [
        *(f"@{name}" for name in deck.aliases),
        *(f"${name}" for name in deck.presets),
        *(f"~{name}" for name in deck.waterfalls),
    ]
    kinds = {
        handle: kind for kind, ref in deck.choice_defaults.items() for handle in deck.resolve(ref)
    }
    for reference in references:
        for handle in deck.resolve(reference):
            models[handle] = {
                "model_type": _KIND_TYPES.get(kinds.get(handle, "llm"), "llm"),
                "model_id": handle,
                "inputs": ["text"],
                "outputs": ["text"],
                "costs": {"input": 1.0, "output": 2.0},
            }
    models.update(extra_models or {})
    return {
        "posthog": {
            "project_api_key": "phc_test",
            "endpoint": closed_port_url().rsplit("/", 1)[0],
            "is_geoip_enabled": False,
            "is_debug_enabled": False,
        },
        "aws_region": "us-east-1",
        "backend_model_specs": {"defaults": {"sdk": "gateway_completions"}, **models},
    }


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
