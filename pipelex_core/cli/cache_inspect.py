"""What the cache holds, as ``doctor`` and ``cache show`` report it: one place, one reading."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelex_core.errors import CacheUnusableError, RemoteConfigValidationError
from pipelex_core.plugins import Plugins
from pipelex_core.remote_config import RemoteConfig
from pipelex_core.results import CachedConfig
from pipelex_core.settings import Settings


def inspect_cache(
    plugins: Plugins, settings: Settings
) -> tuple[dict[str, Any], CachedConfig | None]:
    """A report of the cache (present, usable, reason, age …) and the entry when usable."""
    report: dict[str, Any] = {
        "path": str(settings.cache_path),
        "present": False,
        "usable": False,
        "reason": None,
        "cached_at": None,
        "age_seconds": None,
        "source_url": None,
        "etag": None,
        "models": None,
    }
    try:
        cached = plugins.load_cached_config(settings=settings)
    except CacheUnusableError as exc:
        report.update(present=True, reason=exc.reason)
        return report, None
    if cached is None:
        report["reason"] = "no cache"
        return report, None
    age = (dt.datetime.now(dt.UTC) - cached.cached_at).total_seconds()
    report.update(
        present=True,
        cached_at=cached.cached_at.isoformat(),
        age_seconds=round(age, 1),
        source_url=cached.source_url,
        etag=cached.etag,
    )
    if cached.written_by != "pipelex-core":  # a cache another tool wrote, read in its format
        report["written_by"] = cached.written_by
    try:
        config = RemoteConfig.from_payload(cached.payload)
    except RemoteConfigValidationError as exc:
        report["reason"] = "its payload fails the remote-config schema: " + "; ".join(
            exc.problems[:3]
        )
        return report, None
    report.update(usable=True, models=len(config.backend_model_specs))
    return report, cached


def describe_age(seconds: float | None) -> str:
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
