"""The built-in remote-config cache: one envelope file in ``$PIPELEX_HOME/cache``.

Reads need no lock (writes are atomic renames); filelock loads only when a write happens.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipelex_core import hookimpl

if TYPE_CHECKING:
    from pipelex_core import CachedConfig, FetchedConfig, Settings


@hookimpl(trylast=True)
def load_cached_config(settings: Settings) -> CachedConfig | None:
    from pipelex_file_cache.store import read_cache

    return read_cache(settings.cache_path)


@hookimpl(trylast=True)
def store_config(fetched: FetchedConfig, settings: Settings) -> None:
    from pipelex_core import CachedConfig, redact_url
    from pipelex_file_cache.store import write_cache

    cached = CachedConfig(
        payload=fetched.payload,
        cached_at=dt.datetime.now(dt.UTC),
        etag=fetched.etag,
        source_url=redact_url(fetched.source_url or settings.remote_config_url),
    )
    write_cache(settings.cache_path, cached, lock_timeout=settings.cache_lock_timeout)


@hookimpl(trylast=True)
def import_cached_config(cached: CachedConfig, settings: Settings) -> bool:
    from pipelex_file_cache.store import write_cache

    write_cache(settings.cache_path, cached, lock_timeout=settings.cache_lock_timeout)
    return True


@hookimpl(trylast=True)
def clear_cached_config(settings: Settings) -> str | None:
    from pipelex_file_cache.store import remove_cache

    return remove_cache(settings.cache_path, lock_timeout=settings.cache_lock_timeout)
