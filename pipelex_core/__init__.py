"""pipelex-core: Pipelex pipelines that keep working offline, with every result labelled.

This module is the public API: plugins import only from here and from
:mod:`pipelex_core.types`. Importing it loads no HTTP stack and touches no file or socket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Light and always needed: the error family, the provenance enum, the hook marker.
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
from pipelex_core.types import RemoteConfigSource

if TYPE_CHECKING:
    from pipelex_core.activity import report_detail
    from pipelex_core.atomic import write_atomically
    from pipelex_core.cache_envelope import (
        CACHE_SCHEMA_VERSION,
        decode_envelope,
        encode_envelope,
        encode_shared,
        payload_sha256,
    )
    from pipelex_core.cli.output import CliState, Outcome, remote_config_field, run_command
    from pipelex_core.file_read import UnreadableFileError, read_regular_file
    from pipelex_core.hook_payloads import (
        CachedConfig,
        FetchedConfig,
        RemoteConfigResult,
        TelemetryDecision,
    )
    from pipelex_core.identity import pipelex_core_version, user_agent
    from pipelex_core.model_specs import ModelSpec
    from pipelex_core.obtain import RemoteConfigCacheWriteWarning, RemoteConfigEmptyCatalogueWarning
    from pipelex_core.output_path import write_output
    from pipelex_core.plugin_errors import PluginError, PluginHookError, PluginLoadError
    from pipelex_core.plugins import PluginInfo, Plugins
    from pipelex_core.remote_config import PosthogConfig, RemoteConfig
    from pipelex_core.runtime import Runtime, setup
    from pipelex_core.settings import Settings
    from pipelex_core.url_policy import (
        check_url_allowed,
        is_loopback_host,
        redact_text,
        redact_url,
    )

#: The rest of the public API, each name loaded from its module on first use (PEP 562):
#: a command imports only what it runs, and ``import pipelex_core`` stays cheap (no click,
#: no HTTP stack, no hashing or file machinery until something asks for it).
_LAZY = {
    "report_detail": "pipelex_core.activity",
    "write_atomically": "pipelex_core.atomic",
    "write_output": "pipelex_core.output_path",
    "CACHE_SCHEMA_VERSION": "pipelex_core.cache_envelope",
    "decode_envelope": "pipelex_core.cache_envelope",
    "encode_envelope": "pipelex_core.cache_envelope",
    "encode_shared": "pipelex_core.cache_envelope",
    "payload_sha256": "pipelex_core.cache_envelope",
    "CliState": "pipelex_core.cli.output",
    "Outcome": "pipelex_core.cli.output",
    "remote_config_field": "pipelex_core.cli.output",
    "run_command": "pipelex_core.cli.output",
    "UnreadableFileError": "pipelex_core.file_read",
    "read_regular_file": "pipelex_core.file_read",
    "RemoteConfigCacheWriteWarning": "pipelex_core.obtain",
    "RemoteConfigEmptyCatalogueWarning": "pipelex_core.obtain",
    "PluginError": "pipelex_core.plugin_errors",
    "PluginHookError": "pipelex_core.plugin_errors",
    "PluginInfo": "pipelex_core.plugins",
    "PluginLoadError": "pipelex_core.plugin_errors",
    "Plugins": "pipelex_core.plugins",
    "ModelSpec": "pipelex_core.model_specs",
    "PosthogConfig": "pipelex_core.remote_config",
    "RemoteConfig": "pipelex_core.remote_config",
    "CachedConfig": "pipelex_core.hook_payloads",
    "FetchedConfig": "pipelex_core.hook_payloads",
    "RemoteConfigResult": "pipelex_core.hook_payloads",
    "TelemetryDecision": "pipelex_core.hook_payloads",
    "Runtime": "pipelex_core.runtime",
    "setup": "pipelex_core.runtime",
    "Settings": "pipelex_core.settings",
    "check_url_allowed": "pipelex_core.url_policy",
    "is_loopback_host": "pipelex_core.url_policy",
    "redact_text": "pipelex_core.url_policy",
    "pipelex_core_version": "pipelex_core.identity",
    "user_agent": "pipelex_core.identity",
    "redact_url": "pipelex_core.url_policy",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pipelex_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "PluginError",
    "PluginHookError",
    "PluginInfo",
    "PluginLoadError",
    "Plugins",
    "PosthogConfig",
    "RemoteConfig",
    "RemoteConfigCacheWriteWarning",
    "RemoteConfigEmptyCatalogueWarning",
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
    "UnreadableFileError",
    "check_url_allowed",
    "decode_envelope",
    "encode_envelope",
    "encode_shared",
    "hookimpl",
    "is_loopback_host",
    "payload_sha256",
    "pipelex_core_version",
    "read_regular_file",
    "redact_text",
    "redact_url",
    "remote_config_field",
    "report_detail",
    "run_command",
    "setup",
    "user_agent",
    "write_atomically",
    "write_output",
]
