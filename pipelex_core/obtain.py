"""Obtain the remote config: fetch, validate, store, or fall back to the cache, and say which.

This is where provenance is decided, once. Every branch of the behaviour matrix that concerns
the data itself (fresh, outage, cold outage, schema break, require-fresh, offline switch) is a
branch of :func:`obtain_remote_config`.
"""

from __future__ import annotations

import warnings

import attrs

from pipelex_core import activity
from pipelex_core.errors import (
    CacheUnusableError,
    PipelexError,
    RemoteConfigFetchError,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
)
from pipelex_core.plugins import Plugins
from pipelex_core.remote_config import RemoteConfig
from pipelex_core.results import CachedConfig, FetchedConfig, RemoteConfigResult
from pipelex_core.settings import Settings
from pipelex_core.types import RemoteConfigSource
from pipelex_core.url_policy import check_url_allowed, redact_url

#: With a usable cache to fall back on, a fetch gets at most this long: an offline laptop
#: must not wait out the full retry budget for data it already has.
FALLBACK_FETCH_DEADLINE = 1.5


class RemoteConfigCacheWriteWarning(UserWarning):
    """Fresh data was fetched but could not be cached; the run goes on."""


class RemoteConfigEmptyCatalogueWarning(UserWarning):
    """The fresh remote config lists no models while the cache does: the run uses the fresh
    (empty) catalogue, and the cache is kept for offline runs rather than emptied."""


@attrs.frozen
class Obtained:
    """A result, and for a cached one why the remote was not used."""

    result: RemoteConfigResult
    fallback_reason: str | None = None
    #: For fresh data: whether every ``store_config`` succeeded (else a warning was emitted).
    stored: bool = False


@attrs.frozen
class _CacheState:
    cached: CachedConfig | None
    error: CacheUnusableError | None

    def describe(self, settings: Settings) -> str:
        if self.error is not None:
            return f"the cache at {settings.cache_path} is unusable: {self.error.reason}"
        if self.cached is None:
            return f"there is no cache at {settings.cache_path}"
        return f"a cache from {self.cached.cached_at.isoformat()} exists"

    @property
    def label(self) -> str:
        if self.error is not None:
            return "unusable"
        return "absent" if self.cached is None else "usable"


def obtain_remote_config(plugins: Plugins, settings: Settings, *, require_fresh: bool) -> Obtained:
    """Fetch and validate the remote config, falling back to the cache where allowed."""
    url = settings.remote_config_url
    check_url_allowed(url)
    cache = _load_cache(plugins, settings)
    activity.report_detail(
        cache.describe(settings)
        + (f" at {settings.cache_path}" if cache.cached is not None else "")
    )

    if settings.offline:
        reason = "PIPELEX_OFFLINE=1 is set, so nothing was fetched"
        return _fall_back(
            cache, settings, reason=reason, fetch_error=None, require_fresh=require_fresh
        )

    fetch_settings = settings
    if cache.cached is not None and not require_fresh:  # only a permitted fallback hurries
        fetch_settings = attrs.evolve(
            settings,
            fetch_deadline=min(settings.fetch_deadline, FALLBACK_FETCH_DEADLINE),
            fallback_available=True,
        )
    etag = _etag_for(cache.cached, url)
    activity.report_detail(
        f"fetching {redact_url(url)} (up to {fetch_settings.fetch_deadline:g} s"
        + (", then the cache" if fetch_settings.fallback_available else "")
        + (", revalidating the cache's ETag)" if etag else ")")
    )
    try:
        with activity.fetching(
            redact_url(url),
            fetch_settings.fetch_deadline,
            fallback=fetch_settings.fallback_available,
        ):
            fetched = plugins.fetch_config(url=url, settings=fetch_settings, etag=etag)
        if fetched is None:
            raise RemoteConfigFetchError(
                "No plugin fetched the remote config.",
                "Is the pipelex_http_fetcher plugin disabled in PIPELEX_DISABLE_PLUGINS?",
                url=redact_url(url),
            )
        revalidated = fetched.not_modified
        if revalidated:
            fetched = _confirmed_cache(fetched, cache.cached, url)
    except RemoteConfigFetchError as exc:
        reason = exc.message.rstrip(".")
        activity.report_detail(f"fetch failed: {reason}")
        return _fall_back(
            cache, settings, reason=reason, fetch_error=exc, require_fresh=require_fresh
        )

    config = RemoteConfig.from_payload(fetched.payload, url=redact_url(url))
    previous = 0 if config.backend_model_specs else _models_in(cache.cached)
    if previous and cache.cached is not None:
        warnings.warn(
            RemoteConfigEmptyCatalogueWarning(
                f"The fresh remote config from {redact_url(url)} lists no models; this run "
                "uses it, but the cache (from "
                f"{cache.cached.cached_at.isoformat()}, {previous} models) was "
                "kept for offline runs instead of being emptied."
            ),
            stacklevel=3,
        )
        return Obtained(
            RemoteConfigResult(config=config, source=RemoteConfigSource.FRESH), stored=False
        )
    activity.report_detail(
        f"fresh catalogue, {len(config.backend_model_specs)} models"
        + (" (304: the cache's payload is current)" if revalidated else "")
    )
    stored = _store(plugins, fetched, settings)
    return Obtained(
        RemoteConfigResult(config=config, source=RemoteConfigSource.FRESH), stored=stored
    )


def _models_in(cached: CachedConfig | None) -> int:
    """How many models a cached payload lists (0 when there is none to count)."""
    if cached is None:
        return 0
    try:
        return len(RemoteConfig.from_payload(cached.payload).backend_model_specs)
    except RemoteConfigValidationError:
        return 0


def _etag_for(cached: CachedConfig | None, url: str) -> str | None:
    """An ETag validates the resource it came from, so it goes only to the URL the cache was
    fetched from (compared redacted, as the cache stores it): a changed URL downloads in full."""
    if cached is None or cached.source_url != redact_url(url):
        return None
    return cached.etag


def _confirmed_cache(
    fetched: FetchedConfig, cached: CachedConfig | None, url: str
) -> FetchedConfig:
    """A 304 confirms the cached payload: carry it on as fresh data."""
    if cached is None:
        raise RemoteConfigFetchError(
            "The server answered 304 Not Modified but there is no cached payload to reuse.",
            url=redact_url(url),
        )
    return FetchedConfig(
        payload=cached.payload,
        etag=fetched.etag or cached.etag,
        source_url=fetched.source_url or cached.source_url or redact_url(url),
    )


def _load_cache(plugins: Plugins, settings: Settings) -> _CacheState:
    try:
        cached = plugins.load_cached_config(settings=settings)
    except CacheUnusableError as exc:
        return _CacheState(None, exc)
    return _CacheState(cached, None)


def _fall_back(
    cache: _CacheState,
    settings: Settings,
    *,
    reason: str,
    fetch_error: RemoteConfigFetchError | None,
    require_fresh: bool,
) -> Obtained:
    url = redact_url(settings.remote_config_url)
    if require_fresh:
        refused = cache.cached is not None
        cache_note = (
            f"the cache from {cache.cached.cached_at.isoformat()} was refused because fresh "
            "data is required"
            if cache.cached is not None
            else cache.describe(settings)
        )
        raise RemoteConfigUnavailableError(
            f"Fresh remote config is required but could not be had: {reason}; {cache_note}.",
            _fetch_hint(fetch_error)
            + "Run this again while the Gateway's remote config is reachable"
            + (" (unset PIPELEX_OFFLINE)." if settings.offline else "."),
            url=url,
            fetch_error=fetch_error,
            cache_state=cache.label,
            cache_path=settings.cache_path,
            cache_error=cache.error,
            cache_refused=refused,
            retryable=not settings.offline,
        )
    config, state = _validated(cache, settings)
    if config is None or state.cached is None:
        raise RemoteConfigUnavailableError(
            f"The Pipelex Gateway remote config is unavailable: {reason}, and "
            f"{state.describe(settings)}.",
            _fetch_hint(fetch_error) + _cold_hint(settings),
            url=url,
            fetch_error=fetch_error,
            cache_state=state.label,
            cache_path=settings.cache_path,
            cache_error=state.error,
            retryable=not settings.offline,
        )
    cached_from = state.cached.source_url
    other_url = cached_from is not None and cached_from != url
    result = RemoteConfigResult(
        config=config,
        source=RemoteConfigSource.CACHED,
        cached_at=state.cached.cached_at,
        cached_from=cached_from if other_url else None,
    )
    if other_url:
        reason += f"; the cache came from {cached_from}, not the configured {url}"
    if state.cached.written_by != "pipelex-core":
        reason += f"; the cache is one {state.cached.written_by} wrote, read in its format"
    return Obtained(result, fallback_reason=reason)


def _validated(cache: _CacheState, settings: Settings) -> tuple[RemoteConfig | None, _CacheState]:
    """The cached payload as a model; a payload failing the schema makes the cache unusable."""
    if cache.cached is None:
        return None, cache
    try:
        return RemoteConfig.from_payload(cache.cached.payload), cache
    except RemoteConfigValidationError as exc:
        problems = "; ".join(exc.problems[:3])
        reason = f"its payload fails the remote-config schema ({problems})"
        return None, _CacheState(None, CacheUnusableError(reason, path=settings.cache_path))


def _fetch_hint(fetch_error: RemoteConfigFetchError | None) -> str:
    """What fixes the failed fetch (it names the party at fault), before what to do next."""
    if fetch_error is None or not fetch_error.hint:
        return ""
    return fetch_error.hint.rstrip(".") + ". Then: "


def _cold_hint(settings: Settings) -> str:
    online = "Unset PIPELEX_OFFLINE and run" if settings.offline else "Run"
    return (
        f"{online} `pipelex init` while online to prime the cache (or import one "
        "with `pipelex cache import FILE`), or use your own keys without the Gateway "
        "(`pipelex init --byok`, or PIPELEX_GATEWAY=0)."
    )


def _store(plugins: Plugins, fetched: FetchedConfig, settings: Settings) -> bool:
    """Cache fresh data; each failure is a warning, never a failed run."""
    failures = plugins.store_config(fetched=fetched, settings=settings)
    for plugin, exc in failures:
        detail = exc.message if isinstance(exc, PipelexError) else f"{type(exc).__name__}: {exc}"
        warnings.warn(
            RemoteConfigCacheWriteWarning(
                f"Fetched a fresh remote config but could not cache it ({plugin}): {detail}"
            ),
            stacklevel=4,
        )
    return not failures
