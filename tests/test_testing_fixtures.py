"""pipelex_core.testing: the fixtures a plugin author uses, used here the same way."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelex_core import Plugins, RemoteConfigSource, Settings, hookimpl, setup
from pipelex_core.testing.config_server import ConfigServer


def test_pipelex_home_is_set_and_clean(pipelex_home: Path) -> None:
    assert os.environ["PIPELEX_HOME"] == str(pipelex_home)
    assert "PIPELEX_GATEWAY" not in os.environ
    assert list(pipelex_home.iterdir()) == []


def test_minimal_payload_and_server_make_a_fresh_gateway_run(
    pipelex_settings: Callable[..., Settings], remote_config_server: ConfigServer
) -> None:
    settings = pipelex_settings(gateway=True, url=remote_config_server.url)
    runtime = setup(needs_model_specs=True, settings=settings)
    assert runtime.source is RemoteConfigSource.FRESH
    assert runtime.remote_config is not None
    assert "gpt-5.6-terra" in runtime.remote_config.backend_model_specs


def test_plugin_factory_registers_the_authors_plugin(
    pipelex_plugins: Callable[..., Plugins],
    pipelex_settings: Callable[..., Settings],
    remote_config_server: ConfigServer,
    remote_config_payload: dict[str, Any],
) -> None:
    seen: list[tuple[str, ...]] = []

    class Recorder:
        @hookimpl
        def validate_models(self, handles: tuple[str, ...]) -> None:
            seen.append(tuple(handles))

    plugins = pipelex_plugins(Recorder())
    setup(
        needs_model_specs=True,
        settings=pipelex_settings(gateway=True, url=remote_config_server.url),
        plugins=plugins,
    )
    assert len(seen) == 1
    assert "gpt-5.6-terra" in seen[0]
    isolated = pipelex_plugins(Recorder(), entry_points=False)
    names = [info.name for info in isolated.infos]
    assert names[0] == "pipelex_core.gateway_membership"
    assert len(names) == 2
    assert "pipelex_http_fetcher" not in names


def test_the_former_module_path_of_the_server_still_imports_with_a_deprecation() -> None:
    """``pipelex_core.config_server`` was the documented path until it moved into
    ``pipelex_core.testing``: a renamed public name keeps working for one release."""
    import importlib
    import sys

    import pytest

    sys.modules.pop("pipelex_core.config_server", None)
    with pytest.warns(DeprecationWarning, match=r"pipelex_core\.testing"):
        former = importlib.import_module("pipelex_core.config_server")
    assert former.ConfigServer is ConfigServer
    assert {"Reply", "closed_port_url"} <= set(vars(former))
