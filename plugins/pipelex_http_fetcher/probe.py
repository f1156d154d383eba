"""A stdlib-only reachability probe, run before the HTTP stack is even imported.

With a usable cache to fall back on, an offline machine should not pay for importing
requests, urllib3 and ssl (tens of milliseconds) only to learn that the host does not
resolve or refuses connections. One TCP connect answers that; when it succeeds, the real
fetch follows.

The probe must never disagree with requests, so it runs only where requests cannot be using a
proxy: not when any proxy variable is set, and never on macOS or Windows, where requests also
reads the system's proxy settings (``urllib.request.getproxies()``), which cannot be read
without importing urllib.request, and with it http.client and ssl: the very cost the probe
saves. ``NO_PROXY`` is not consulted (matching it as requests does would mean re-implementing
its rules): with a proxy variable set, the fetch decides. Skipping the probe costs time, never
correctness.
"""

from __future__ import annotations

import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from pipelex_core import redact_url
from pipelex_http_fetcher.failures import describe_socket_error, fetch_failure

#: Where requests also reads proxies from the system's settings, not only the environment.
SYSTEM_PROXY_PLATFORMS = ("darwin", "win32")


def proxy_may_apply(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether requests might send the fetch through a proxy, so that a direct connect would
    prove nothing: any non-empty ``<scheme>_proxy`` variable, in any case (urllib reads them
    all), and always on macOS and Windows."""
    if platform in SYSTEM_PROXY_PLATFORMS:
        return True
    return any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in environ.items()
    )


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
