"""pipelex-core: Pipelex pipelines that keep working offline, with every result labelled.

This module is the public API: plugins import only from here and from
:mod:`pipelex_core.types`. Importing it loads no HTTP stack and touches no file or socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelex_core.atomic import write_atomically
from pipelex_core.cache_envelope import (
    CACHE_SCHEMA_VERSION,
    decode_envelope,
    encode_envelope,
    payload_sha256,
)
from pipelex_core.errors import (
    BundleValidationError,
    CacheUnusableError,
    ConfigurationError,
    GatewayUnknownModelError,
    InsecureUrlError,
    PipelexError,
    RemoteConfigFetchError,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
    UnknownModelError,
)
from pipelex_core.hookspecs import hookimpl
from pipelex_core.obtain import RemoteConfigCacheWriteWarning
from pipelex_core.plugins import PluginHookError, PluginInfo, PluginLoadError, Plugins
from pipelex_core.remote_config import ModelSpec, PosthogConfig, RemoteConfig
from pipelex_core.results import (
    CachedConfig,
    FetchedConfig,
    RemoteConfigResult,
    TelemetryDecision,
)
from pipelex_core.runtime import Runtime, setup
from pipelex_core.settings import Settings
from pipelex_core.types import RemoteConfigSource
from pipelex_core.url_policy import check_url_allowed, is_loopback_host, redact_url

if TYPE_CHECKING:
    from pipelex_core.cli.face import CliState, Outcome, remote_config_field, run_command

#: The command-line helpers plugins use in ``register_commands``; loaded on first use so that
#: ``import pipelex_core`` stays free of click.
_LAZY = {
    "CliState": "pipelex_core.cli.face",
    "Outcome": "pipelex_core.cli.face",
    "remote_config_field": "pipelex_core.cli.face",
    "run_command": "pipelex_core.cli.face",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pipelex_core' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CACHE_SCHEMA_VERSION",
    "BundleValidationError",
    "CacheUnusableError",
    "CachedConfig",
    "CliState",
    "ConfigurationError",
    "FetchedConfig",
    "GatewayUnknownModelError",
    "InsecureUrlError",
    "ModelSpec",
    "Outcome",
    "PipelexError",
    "PluginHookError",
    "PluginInfo",
    "PluginLoadError",
    "Plugins",
    "PosthogConfig",
    "RemoteConfig",
    "RemoteConfigCacheWriteWarning",
    "RemoteConfigFetchError",
    "RemoteConfigResult",
    "RemoteConfigSource",
    "RemoteConfigStaleWarning",
    "RemoteConfigUnavailableError",
    "RemoteConfigValidationError",
    "Runtime",
    "Settings",
    "TelemetryDecision",
    "UnknownModelError",
    "check_url_allowed",
    "decode_envelope",
    "encode_envelope",
    "hookimpl",
    "is_loopback_host",
    "payload_sha256",
    "redact_url",
    "remote_config_field",
    "run_command",
    "setup",
    "write_atomically",
]
