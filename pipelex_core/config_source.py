"""Where the Gateway catalogue stands, as typed values: the cache, and the URL's verdict.

One reading of the cache serves every party: ``setup()`` (through :mod:`obtain`), ``init``,
``cache show | refresh | export`` and ``doctor``. Whether a cache is usable, and why not, is
decided here and nowhere else, so a command cannot call a cache usable that a run refuses.

Reading never touches the network. The payload's schema check is the expensive part (every
spec built), so a run on fresh data reads the cache without checking it (it needs only its
ETag), and checks it only when it falls back; reports check it at once.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

import attrs

from pipelex_core.errors import CacheUnusableError, PipelexError, RemoteConfigValidationError
from pipelex_core.hook_payloads import CachedConfig
from pipelex_core.plugins import Plugins
from pipelex_core.remote_config import RemoteConfig
from pipelex_core.settings import Settings
from pipelex_core.types import RemoteConfigSource
from pipelex_core.url_policy import check_url_allowed, redact_url


class CacheStatus(enum.Enum):
    ABSENT = "absent"
    UNUSABLE = "unusable"
    USABLE = "usable"


@attrs.frozen
class CacheState:
    """The cache at ``path``: absent, unusable (``problem`` says why), or usable.

    ``entry`` is what the cache plugin read; ``config`` is its payload once checked against
    the schema (None until :meth:`checked` ran, or when the payload fails it).
    """

    path: Path
    entry: CachedConfig | None = None
    config: RemoteConfig | None = None
    problem: CacheUnusableError | None = None

    @property
    def status(self) -> CacheStatus:
        if self.problem is not None:
            return CacheStatus.UNUSABLE
        return CacheStatus.ABSENT if self.entry is None else CacheStatus.USABLE

    @property
    def usable_entry(self) -> CachedConfig | None:
        """The entry a run may fall back on, or None."""
        return self.entry if self.problem is None else None

    def checked(self) -> CacheState:
        """The same cache with its payload checked against the schema: a payload that fails
        it makes the cache unusable (a run never falls back on it)."""
        if self.entry is None or self.problem is not None or self.config is not None:
            return self
        try:
            config = RemoteConfig.from_payload(self.entry.payload)
        except RemoteConfigValidationError as exc:
            reason = "its payload fails the remote-config schema (" + "; ".join(exc.problems[:3])
            return attrs.evolve(self, problem=CacheUnusableError(reason + ")", path=self.path))
        return attrs.evolve(self, config=config)

    def describe(self) -> str:
        """The cache in a clause of a sentence, for messages."""
        if self.problem is not None:
            return f"the cache at {self.path} is unusable: {self.problem.reason}"
        if self.entry is None:
            return f"there is no cache at {self.path}"
        return f"a cache from {self.entry.cached_at.isoformat()} exists"

    def report(self) -> dict[str, Any]:
        """The cache as ``doctor`` and ``cache show`` print it in the agent face."""
        entry = self.entry
        report: dict[str, Any] = {
            "path": str(self.path),
            "present": self.status is not CacheStatus.ABSENT,
            "usable": self.status is CacheStatus.USABLE,
            "reason": self.problem.reason if self.problem is not None else None,
            "cached_at": None,
            "age_seconds": None,
            "source_url": None,
            "etag": None,
            "models": None,
        }
        if self.status is CacheStatus.ABSENT:
            report["reason"] = "no cache"
        if entry is not None:
            age = (dt.datetime.now(dt.UTC) - entry.cached_at).total_seconds()
            report.update(
                cached_at=entry.cached_at.isoformat(),
                age_seconds=round(age, 1),
                source_url=entry.source_url,
                etag=entry.etag,
            )
            if entry.written_by != "pipelex-core":  # another tool's cache, read in its format
                report["written_by"] = entry.written_by
        if self.config is not None and self.problem is None:
            report["models"] = len(self.config.backend_model_specs)
        return report


def read_cache(plugins: Plugins, settings: Settings) -> CacheState:
    """The cache as the cache plugins read it, its payload not yet checked (no network)."""
    try:
        entry = plugins.load_cached_config(settings=settings)
    except CacheUnusableError as exc:
        return CacheState(settings.cache_path, problem=exc)
    return CacheState(settings.cache_path, entry=entry)


def inspect_cache(plugins: Plugins, settings: Settings) -> CacheState:
    """The cache read and its payload checked: what a run falling back would find."""
    return read_cache(plugins, settings).checked()


@attrs.frozen
class UrlVerdict:
    """The configured remote-config URL (redacted) and why it is refused, if it is: the check
    every Gateway command makes before anything else."""

    url: str
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def url_verdict(settings: Settings) -> UrlVerdict:
    try:
        check_url_allowed(settings.remote_config_url)
    except PipelexError as exc:
        return UrlVerdict(redact_url(settings.remote_config_url), exc.message)
    return UrlVerdict(redact_url(settings.remote_config_url))


def expected_source(
    settings: Settings, reachable: bool | None, cache: CacheState
) -> RemoteConfigSource | None:
    """Where an inference run's catalogue would come from right now (None: nowhere, or not
    the Gateway's): fresh when the remote answers, else the cache when it is usable."""
    if not settings.gateway_enabled:
        return None
    if reachable and not settings.offline:
        return RemoteConfigSource.FRESH
    return RemoteConfigSource.CACHED if cache.status is CacheStatus.USABLE else None


def describe_age(seconds: float | None) -> str:
    """An age a person reads at a glance ("3 min old"), honest about clocks that disagree."""
    if seconds is None:
        return "unknown age"
    if seconds < 0:  # written on a machine whose clock runs ahead (export, then import)
        return f"dated {_span(-seconds)} in the future: the clocks of two machines disagree"
    return f"{_span(seconds)} old"


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
