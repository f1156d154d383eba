"""The built-in ``fetch_config``: HTTP(S) with retries, a hard deadline and ETag revalidation.

Importing this module is cheap: requests and urllib3 load only when a fetch happens.
"""

from __future__ import annotations

from pipelex_core import FetchedConfig, Settings, hookimpl


@hookimpl(trylast=True)
def fetch_config(url: str, settings: Settings, etag: str | None) -> FetchedConfig | None:
    from pipelex_http_fetcher.fetch import fetch

    return fetch(url, settings=settings, etag=etag)
