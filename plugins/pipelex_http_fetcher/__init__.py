"""The built-in ``fetch_config``: HTTP(S) with retries, a hard deadline and ETag revalidation.

Importing this module is cheap: requests and urllib3 load only when a fetch happens, and
with a usable cache to fall back on, only once a stdlib TCP probe found the host reachable.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pipelex_core import hookimpl

if TYPE_CHECKING:
    from pipelex_core import FetchedConfig, Settings


@hookimpl(trylast=True)
def fetch_config(url: str, settings: Settings, etag: str | None) -> FetchedConfig | None:
    deadline = time.monotonic() + settings.fetch_deadline
    if settings.fallback_available:
        from pipelex_http_fetcher.probe import probe, proxy_may_apply

        if not proxy_may_apply():
            probe(url, deadline=deadline)
    from pipelex_http_fetcher.fetch import fetch

    return fetch(url, settings=settings, etag=etag, deadline=deadline)
