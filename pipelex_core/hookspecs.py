"""The hooks of the ``pipelex`` plugin system; each docstring is its calling contract.

Built-in plugins implement them exactly as a third party's plugin would. Argument names are
part of the contract: implementations may take any subset of them, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from pipelex_core.types import RemoteConfigSource

if TYPE_CHECKING:
    import click

    from pipelex_core.hook_payloads import (
        CachedConfig,
        FetchedConfig,
        RemoteConfigResult,
        TelemetryDecision,
    )
    from pipelex_core.remote_config import RemoteConfig
    from pipelex_core.settings import Settings

PROJECT_NAME = "pipelex"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def fetch_config(url: str, settings: Settings, etag: str | None) -> FetchedConfig | None:
    """Fetch the remote config from ``url``.

    :param url: the remote-config URL, already checked against the http/https policy.
    :param settings: the run's settings; ``settings.fetch_deadline`` bounds the whole fetch,
        retries included (it is already shortened when a usable cache is there to fall back on).
    :param etag: the cached payload's ETag, to send as ``If-None-Match``; None when there is none,
        or when the cache came from another URL (an ETag only validates its own resource).
    :return: a :class:`FetchedConfig` (``not_modified=True`` for a 304), or None to let the
        next implementation try.
    :raises RemoteConfigFetchError: for network failures, HTTP error statuses, and bodies that
        are not JSON; ``setup()`` then falls back to the cache.

    Stops at first non-None result. Built-in implementations run last.
    """


@hookspec
def store_config(fetched: FetchedConfig, settings: Settings) -> None:
    """Keep a freshly fetched and validated payload (the built-in writes the file cache).

    :param fetched: the payload just fetched (for a 304, the cached payload it confirmed).
    :param settings: the run's settings.

    Every implementation is called. An exception becomes a warning: a failure to cache never
    fails a run that fetched fresh data.
    """


@hookspec(firstresult=True)
def load_cached_config(settings: Settings) -> CachedConfig | None:
    """Load the last stored payload.

    :param settings: the run's settings.
    :return: a :class:`CachedConfig`, or None when there is no cache.
    :raises CacheUnusableError: when a cache exists but cannot be used; it is treated as
        absent and the reason is carried into errors and ``doctor``.

    Stops at first non-None result. Built-in implementations run last.
    """


@hookspec(firstresult=True)
def import_cached_config(cached: CachedConfig, settings: Settings) -> bool | None:
    """Install a cache entry exactly as given, keeping its ``cached_at`` (``cache import``).

    Unlike ``store_config``, which caches what was just fetched (stamped now), this puts in
    place an entry that was fetched elsewhere, earlier, and carried here.

    :param cached: an entry already checked: its hash matches and its payload validates.
    :param settings: the run's settings.
    :return: True once stored, or None to let the next implementation store it.
    :raises PipelexError: when it cannot be stored; the previous cache must stay intact.

    Stops at first non-None result. Built-in implementations run last.
    """


#: The name said what it stores, not when it is called; kept for one release.
STORE_CACHED_CONFIG_RENAMED = DeprecationWarning(
    "the store_cached_config hook is renamed import_cached_config (same arguments and "
    "result); the old name goes in the next release (docs/plugins.md)."
)


@hookspec(firstresult=True, warn_on_impl=STORE_CACHED_CONFIG_RENAMED)
def store_cached_config(cached: CachedConfig, settings: Settings) -> bool | None:
    """Deprecated: the former name of ``import_cached_config``, still called for one release
    when no ``import_cached_config`` implementation stored the entry.

    :param cached: as for ``import_cached_config``.
    :param settings: as for ``import_cached_config``.
    :return: as for ``import_cached_config``.
    """


@hookspec
def clear_cached_config(settings: Settings) -> str | None:
    """Remove the stored cache (``cache clear``), the user's explicit request.

    :param settings: the run's settings.
    :return: a description of what was removed (a path), or None when there was nothing.

    Every implementation is called.
    """


@hookspec
def on_stale_config(result: RemoteConfigResult, settings: Settings) -> None:
    """Be told that this run uses cached data (telemetry turns itself off here).

    :param result: the cached result the run will use.
    :param settings: the run's settings.

    Every implementation is called, once per ``setup()`` that runs on ``cached`` data, after
    the stale warning was emitted.
    """


@hookspec(firstresult=True)
def telemetry_decision(
    settings: Settings, source: RemoteConfigSource | None, needs_inference: bool
) -> TelemetryDecision | None:
    """Decide whether this run may send telemetry, and say why.

    :param settings: the run's settings (Gateway flag, opt-outs).
    :param source: where the remote config came from; None when nothing was fetched.
    :param needs_inference: whether the run will call models.
    :return: a :class:`TelemetryDecision`, or None to let the next implementation decide.
        With no decision at all, telemetry is off.

    Stops at first non-None result.
    """


#: ``on_runtime_ready(runtime)`` handed plugins the orchestrator itself, plugin manager
#: included; the arguments below are what a plugin needs. Still passed for one release.
RUNTIME_ARGUMENT_DEPRECATED = DeprecationWarning(
    "on_runtime_ready(runtime) is deprecated and goes in the next release: take `result`, "
    "`settings` and `telemetry` instead (docs/plugins.md)."
)


@hookspec(warn_on_impl_args={"runtime": RUNTIME_ARGUMENT_DEPRECATED})
def on_runtime_ready(
    result: RemoteConfigResult | None,
    settings: Settings,
    telemetry: TelemetryDecision,
    runtime: Any,
) -> None:
    """Be told that ``setup()`` is done, with what the run may use.

    :param result: the remote config and its provenance; None for BYOK runs and for runs
        that needed no model specs.
    :param settings: the run's settings.
    :param telemetry: whether this run may send telemetry, and why (already decided).
    :param runtime: deprecated (the ``Runtime`` itself); a plugin asking for it gets a
        ``DeprecationWarning`` when it is registered.

    Every implementation is called, once per ``setup()``. Implementations must not raise:
    nothing they do (telemetry, logging) may fail a run.
    """


@hookspec
def validate_models(
    config: RemoteConfig, handles: Sequence[str], source: RemoteConfigSource
) -> None:
    """Check the model handles this run routes to the Gateway.

    :param config: the validated remote config.
    :param handles: the terminal model handles the run will use on the Gateway.
    :param source: whether ``config`` is fresh or cached (messages should say so).
    :raises GatewayUnknownModelError: (or another ``PipelexError``) to refuse the run.

    Every implementation is called; the first exception stops the call.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``pipelex`` command group.

    :param cli: the root click group.

    Every implementation is called once, when the command line is built.
    """
