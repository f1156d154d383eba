"""``setup()``: decide what a run may use, and the ``Runtime`` that says so."""

from __future__ import annotations

import datetime as dt
import warnings

import attrs

from pipelex_core.errors import RemoteConfigStaleWarning
from pipelex_core.models.deck import Deck
from pipelex_core.obtain import obtain_remote_config
from pipelex_core.plugins import Plugins
from pipelex_core.remote_config import RemoteConfig
from pipelex_core.settings import Settings
from pipelex_core.types import RemoteConfigSource


@attrs.frozen
class Runtime:
    """What a run may use: the remote config (if any), its provenance, and the plugins."""

    settings: Settings
    remote_config: RemoteConfig | None = None
    source: RemoteConfigSource | None = None
    cached_at: dt.datetime | None = None
    telemetry_enabled: bool = False
    plugins: Plugins | None = None

    @property
    def is_cached(self) -> bool:
        return self.source is not None and self.source.is_cached


def setup(
    *,
    needs_model_specs: bool | None = None,
    needs_inference: bool = False,
    require_fresh: bool = False,
    settings: Settings | None = None,
    plugins: Plugins | None = None,
) -> Runtime:
    """Prepare a run; fetch (or fall back to the cache for) the Gateway catalogue if needed.

    BYOK runs, and runs that need no model specs, never touch the network. A run on cached
    data emits :class:`RemoteConfigStaleWarning` and tells the ``on_stale_config`` hook.
    """
    settings = Settings.load() if settings is None else settings
    wants_specs = needs_inference if needs_model_specs is None else needs_model_specs
    if plugins is None:
        plugins = Plugins.boot(disabled=settings.disabled_plugins)
    if not (settings.gateway_enabled and wants_specs):
        return Runtime(settings=settings, plugins=plugins)

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

    deck = Deck.load(settings.home)
    handles = gateway_default_handles(deck, result.config)
    plugins.validate_models(config=result.config, handles=handles, source=result.source)
    return Runtime(
        settings=settings,
        remote_config=result.config,
        source=result.source,
        cached_at=result.cached_at,
        telemetry_enabled=False,
        plugins=plugins,
    )


def gateway_default_handles(deck: Deck, config: RemoteConfig) -> tuple[str, ...]:
    """The handles the deck's choice defaults use: for a waterfall, its first listed candidate."""
    handles: list[str] = []
    for reference in deck.choice_defaults.values():
        candidates = deck.resolve(reference)
        chosen = next((c for c in candidates if c in config.backend_model_specs), candidates[0])
        if chosen not in handles:
            handles.append(chosen)
    return tuple(handles)
