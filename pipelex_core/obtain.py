"""Obtain the remote config: fetch, validate, store, or fall back to the cache, and say which.

This is where provenance is decided, once. Every branch of the behaviour matrix that concerns
the data itself (fresh, outage, cold outage, schema break, require-fresh, offline switch) is a
branch of :func:`obtain_remote_config`.
"""

from __future__ import annotations

import warnings

import attrs

from pipelex_core import activity
from pipelex_core.config_source import CacheState, CacheStatus, read_cache
from pipelex_core.errors import (
    PipelexError,
    RemoteConfigFetchError,
    RemoteConfigUnavailableError,
)
from pipelex_core.hook_payloads import CachedConfig, FetchedConfig, RemoteConfigResult
from pipelex_core.plugins import Plugins
from pipelex_core.remote_config import RemoteConfig
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


def obtain_remote_config(plugins: Plugins, settings: Settings, *, require_fresh: bool) -> Obtained:
    """Fetch and validate the remote config, falling back to the cache where allowed."""
    url = settings.remote_config_url
    check_url_allowed(url)
    cache = read_cache(plugins, settings)
    activity.report_detail(
        cache.describe() + (f" at {cache.path}" if cache.status is CacheStatus.USABLE else "")
    )

    if settings.offline:
        reason = "PIPELEX_OFFLINE=1 is set, so nothing was fetched"
        return _fall_back(
            cache, settings, reason=reason, fetch_error=None, require_fresh=require_fresh
        )

    fetch_settings = settings
    if cache.usable_entry is not None and not require_fresh:  # only a permitted fallback hurries
        fetch_settings = attrs.evolve(
            settings,
            fetch_deadline=min(settings.fetch_deadline, FALLBACK_FETCH_DEADLINE),
            fallback_available=True,
        )
    etag = _etag_for(cache.usable_entry, url)
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
            fetched = _confirmed_cache(fetched, cache.usable_entry, url)
    except RemoteConfigFetchError as exc:
        reason = exc.message.rstrip(".")
        activity.report_detail(f"fetch failed: {reason}")
        return _fall_back(
            cache, settings, reason=reason, fetch_error=exc, require_fresh=require_fresh
        )

    config = RemoteConfig.from_payload(fetched.payload, url=redact_url(url))
    previous = 0 if config.backend_model_specs else _models_in(cache)
    if previous and cache.entry is not None:
        warnings.warn(
            RemoteConfigEmptyCatalogueWarning(
                f"The fresh remote config from {redact_url(url)} lists no models; this run "
                "uses it, but the cache (from "
                f"{cache.entry.cached_at.isoformat()}, {previous} models) was "
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


def _models_in(cache: CacheState) -> int:
    """How many models a usable cache lists (0 when there is none to count)."""
    checked = cache.checked()
    return 0 if checked.config is None else len(checked.config.backend_model_specs)


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


def _fall_back(
    cache: CacheState,
    settings: Settings,
    *,
    reason: str,
    fetch_error: RemoteConfigFetchError | None,
    require_fresh: bool,
) -> Obtained:
    url = redact_url(settings.remote_config_url)
    if require_fresh:
        cache = cache.checked()  # a cache failing the schema is unusable, not "refused"
        refused = cache.usable_entry is not None
        cache_note = (
            f"the cache from {cache.usable_entry.cached_at.isoformat()} was refused because "
            "fresh data is required"
            if cache.usable_entry is not None
            else cache.describe()
        )
        raise RemoteConfigUnavailableError(
            f"Fresh remote config is required but could not be had: {reason}; {cache_note}.",
            _fetch_hint(fetch_error)
            + "Run this again while the Gateway's remote config is reachable"
            + (" (unset PIPELEX_OFFLINE)." if settings.offline else "."),
            url=url,
            fetch_error=fetch_error,
            cache_state=cache.status.value,
            cache_path=settings.cache_path,
            cache_error=cache.problem,
            cache_refused=refused,
            retryable=_retryable(settings, fetch_error),
        )
    state = cache.checked()
    if state.config is None or state.usable_entry is None:
        raise RemoteConfigUnavailableError(
            f"The Pipelex Gateway remote config is unavailable: {reason}, and {state.describe()}.",
            _fetch_hint(fetch_error) + _cold_hint(settings),
            url=url,
            fetch_error=fetch_error,
            cache_state=state.status.value,
            cache_path=settings.cache_path,
            cache_error=state.problem,
            retryable=_retryable(settings, fetch_error),
        )
    entry = state.usable_entry
    cached_from = entry.source_url
    other_url = cached_from is not None and cached_from != url
    result = RemoteConfigResult(
        config=state.config,
        source=RemoteConfigSource.CACHED,
        cached_at=entry.cached_at,
        cached_from=cached_from if other_url else None,
    )
    if other_url:
        reason += f"; the cache came from {cached_from}, not the configured {url}"
    if entry.written_by != "pipelex-core":
        reason += f"; the cache is one {entry.written_by} wrote, read in its format"
    return Obtained(result, fallback_reason=reason)


def _retryable(settings: Settings, fetch_error: RemoteConfigFetchError | None) -> bool:
    """The same call may succeed later: not while PIPELEX_OFFLINE forbids the fetch, nor when
    the fetch failed in a way time does not mend (a certificate that cannot be verified)."""
    return not settings.offline and (fetch_error is None or fetch_error.retryable)


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
