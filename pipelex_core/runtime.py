"""``setup()``: decide what a run may use, and the ``Runtime`` that says so."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import TYPE_CHECKING

import attrs

from pipelex_core.errors import RemoteConfigStaleWarning
from pipelex_core.models.resolution import (
    gateway_handles,
    model_resolver,
    validate_gateway_models,
)
from pipelex_core.plugins import Plugins
from pipelex_core.settings import Settings

if TYPE_CHECKING:
    from pipelex_core.hook_payloads import RemoteConfigResult
    from pipelex_core.remote_config import RemoteConfig
    from pipelex_core.types import RemoteConfigSource


@attrs.frozen
class Runtime:
    """What a run may use: the remote config (if any), its provenance, and the plugins.

    ``remote_config``, ``source`` and ``cached_at`` are read from ``result``, the one record
    of where the data came from; None for BYOK and for runs that needed no model specs.
    """

    settings: Settings
    plugins: Plugins
    result: RemoteConfigResult | None = None
    telemetry_enabled: bool = False
    telemetry_reason: str = "not decided"
    #: Fresh data only: whether every cache plugin stored it (else a warning said why).
    cache_written: bool = False

    @property
    def remote_config(self) -> RemoteConfig | None:
        return None if self.result is None else self.result.config

    @property
    def source(self) -> RemoteConfigSource | None:
        return None if self.result is None else self.result.source

    @property
    def cached_at(self) -> dt.datetime | None:
        return None if self.result is None else self.result.cached_at


def setup(
    *,
    needs_model_specs: bool | None = None,
    needs_inference: bool = False,
    require_fresh: bool = False,
    settings: Settings | None = None,
    plugins: Plugins | None = None,
    check_models: bool = True,
) -> Runtime:
    """Prepare a run; fetch (or fall back to the cache for) the Gateway catalogue if needed.

    BYOK runs, and runs that need no model specs, never touch the network. A run on cached
    data emits :class:`RemoteConfigStaleWarning` and tells the ``on_stale_config`` hook.
    With ``check_models`` (the default) the deck's choice defaults that the Gateway serves
    go through ``validate_models``; callers checking bundles pass False and check the
    models their bundles use instead.
    """
    settings = Settings.load() if settings is None else settings
    wants_specs = needs_inference if needs_model_specs is None else needs_model_specs
    if plugins is None:
        plugins = Plugins.boot(disabled=settings.disabled_plugins)
    if not (settings.gateway_enabled and wants_specs):
        from pipelex_core import activity

        activity.report_detail(
            "the Gateway is off (BYOK): no catalogue to fetch"
            if not settings.gateway_enabled
            else "this command needs no model specs: no catalogue to fetch"
        )
        return _ready(
            plugins, settings, needs_inference, Runtime(settings=settings, plugins=plugins)
        )

    from pipelex_core.obtain import obtain_remote_config  # Gateway runs only

    obtained = obtain_remote_config(plugins, settings, require_fresh=require_fresh)
    result = obtained.result
    if result.source.is_cached and result.cached_at is not None:
        warnings.warn(
            RemoteConfigStaleWarning(
                result.cached_at,
                reason=obtained.fallback_reason or "the remote was not used",
                source_url=settings.remote_config_url,
            ),
            stacklevel=2,
        )
        plugins.on_stale_config(result=result, settings=settings)

    if check_models:
        resolver = model_resolver(settings, result.config)
        resolved = [resolver.resolve(ref) for ref in resolver.deck.choice_defaults.values()]
        validate_gateway_models(plugins, result, gateway_handles(resolved))
    runtime = Runtime(
        settings=settings, result=result, plugins=plugins, cache_written=obtained.stored
    )
    return _ready(plugins, settings, needs_inference, runtime)


def _ready(
    plugins: Plugins, settings: Settings, needs_inference: bool, runtime: Runtime
) -> Runtime:
    """Decide telemetry (the plugin's rule, fed the provenance) and announce the runtime."""
    decision = plugins.telemetry_decision(
        settings=settings, source=runtime.source, needs_inference=needs_inference
    )
    runtime = attrs.evolve(
        runtime, telemetry_enabled=decision.enabled, telemetry_reason=decision.reason
    )
    plugins.on_runtime_ready(
        result=runtime.result,
        settings=settings,
        telemetry=decision,
        runtime=runtime,
    )
    return runtime
