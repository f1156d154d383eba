"""pipelex-core: Pipelex pipelines that keep working offline, with every result labelled.

This module is the public API: plugins import only from here and from
:mod:`pipelex_core.types`. Importing it loads no HTTP stack and touches no file or socket.
"""

from __future__ import annotations

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
from pipelex_core.plugins import PluginInfo, PluginLoadError, Plugins
from pipelex_core.remote_config import ModelSpec, PosthogConfig, RemoteConfig
from pipelex_core.results import CachedConfig, FetchedConfig, RemoteConfigResult
from pipelex_core.runtime import Runtime, setup
from pipelex_core.settings import Settings
from pipelex_core.types import RemoteConfigSource
from pipelex_core.url_policy import check_url_allowed, is_loopback_host, redact_url

__all__ = [
    "CACHE_SCHEMA_VERSION",
    "BundleValidationError",
    "CacheUnusableError",
    "CachedConfig",
    "ConfigurationError",
    "FetchedConfig",
    "GatewayUnknownModelError",
    "InsecureUrlError",
    "ModelSpec",
    "PipelexError",
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
    "UnknownModelError",
    "check_url_allowed",
    "decode_envelope",
    "encode_envelope",
    "hookimpl",
    "is_loopback_host",
    "payload_sha256",
    "redact_url",
    "setup",
    "write_atomically",
]
