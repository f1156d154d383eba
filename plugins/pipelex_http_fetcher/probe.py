"""A stdlib-only reachability probe, run before the HTTP stack is even imported.

With a usable cache to fall back on, an offline machine should not pay for importing
requests, urllib3 and ssl (tens of milliseconds) only to learn that the host does not
resolve or refuses connections. One TCP connect answers that; when it succeeds, the real
fetch follows. Skipped when a proxy is configured: then only the proxy is reachable.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

from pipelex_core import redact_url
from pipelex_http_fetcher.failures import describe_socket_error, fetch_failure

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def proxy_configured() -> bool:
    return any(os.environ.get(name) or os.environ.get(name.upper()) for name in PROXY_VARIABLES)


def probe(url: str, *, deadline: float) -> None:
    """Raise :class:`RemoteConfigFetchError` if ``url``'s host cannot be reached by TCP before
    the monotonic ``deadline``; DNS included, in a daemon thread so nothing can hold us."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()

    def connect() -> None:
        try:
            with socket.create_connection(
                (host, port), timeout=max(0.01, deadline - time.monotonic())
            ):
                outcome.put(None)
        except BaseException as exc:  # handed to the caller
            outcome.put(exc)

    threading.Thread(target=connect, name="pipelex-probe", daemon=True).start()
    try:
        error = outcome.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        error = TimeoutError("no answer in time")
    if error is None:
        return
    what, at_fault = describe_socket_error(error, host, port)
    raise fetch_failure(redact_url(url), what, at_fault, cause=error)
