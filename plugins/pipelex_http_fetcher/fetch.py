"""One fetch of the remote config, bounded by ``settings.fetch_deadline`` from start to finish.

The request runs in a daemon thread that the caller waits on for at most the deadline: DNS
look-ups and stalled sockets cannot be interrupted portably, but they can be walked away from.
"""

from __future__ import annotations

import queue
import threading
import time
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
import urllib3.util
from requests.adapters import HTTPAdapter

from pipelex_core import (
    ConfigurationError,
    FetchedConfig,
    InsecureUrlError,
    PipelexError,
    RemoteConfigFetchError,
    Settings,
    check_url_allowed,
    redact_url,
    user_agent,
)
from pipelex_http_fetcher.environment import Trust, trust_from_environment
from pipelex_http_fetcher.failures import (
    fetch_failure,
)
from pipelex_http_fetcher.response import read_response
from pipelex_http_fetcher.retry import DeadlineRetry
from pipelex_http_fetcher.transport import transport_failure

MAX_REDIRECTS = 5
BROKEN_REDIRECT_HINT = "The server's redirect is broken: retry later, or tell whoever runs it."


def fetch(
    url: str, *, settings: Settings, etag: str | None, deadline: float | None = None
) -> FetchedConfig:
    """Fetch before the monotonic ``deadline`` (default: ``settings.fetch_deadline`` from now)
    or raise :class:`RemoteConfigFetchError`."""
    check_url_allowed(url)
    problem = _unparseable(url)
    if problem is not None:
        raise ConfigurationError(
            f"Invalid remote config URL {redact_url(url)!r}: it cannot be parsed ({problem}).",
            "Fix PIPELEX_REMOTE_CONFIG_URL or remote_config_url in pipelex_service.toml.",
        )
    trust = trust_from_environment()
    if deadline is None:
        deadline = time.monotonic() + settings.fetch_deadline
    outcome: queue.SimpleQueue[FetchedConfig | BaseException] = queue.SimpleQueue()

    def work() -> None:
        try:
            outcome.put(
                _fetch(
                    url,
                    etag=etag,
                    deadline=deadline,
                    fail_fast=settings.fallback_available,
                    trust=trust,
                )
            )
        except BaseException as exc:  # handed to the waiting caller, never lost
            outcome.put(exc)

    threading.Thread(target=work, name="pipelex-fetch", daemon=True).start()
    try:
        result = outcome.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise fetch_failure(
            redact_url(url),
            f"no answer within {settings.fetch_deadline:g}s (the network or the server is slow)",
            "network",
            hint="Check the network connection, or raise PIPELEX_FETCH_DEADLINE.",
        ) from None
    if isinstance(result, BaseException):
        raise result
    return result


def _fetch(
    url: str, *, etag: str | None, deadline: float, fail_fast: bool, trust: Trust
) -> FetchedConfig:
    safe_url = redact_url(url)
    retry = DeadlineRetry.for_fetch(deadline=deadline, fail_fast=fail_fast)
    with _session(retry) as session:
        headers = {"Accept": "application/json", "User-Agent": user_agent()}
        if etag:
            headers["If-None-Match"] = etag
        current = url
        trusting = False
        for _ in range(MAX_REDIRECTS + 1):
            if not trusting and urlsplit(current).scheme == "https":
                # the TLS context (and truststore) only when an https URL is fetched
                from pipelex_http_fetcher.trust import TrustingAdapter, ssl_context

                session.mount("https://", TrustingAdapter(ssl_context(trust), max_retries=retry))
                trusting = True
            try:
                response = session.get(
                    current,
                    headers=headers,
                    timeout=_remaining(deadline, safe_url),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                raise transport_failure(exc, current, safe_url) from exc
            except ValueError as exc:  # requests parses a redirect's Location before returning
                raise RemoteConfigFetchError(
                    f"{safe_url} answered with a redirect that cannot be followed ({exc}).",
                    BROKEN_REDIRECT_HINT,
                    url=safe_url,
                ) from None
            with response:
                if response.is_redirect:
                    current = _redirect_target(current, response.headers["Location"], safe_url)
                    continue
                return read_response(response, etag=etag, deadline=deadline, url=safe_url)
        raise fetch_failure(safe_url, f"more than {MAX_REDIRECTS} redirects", "server")


def _unparseable(url: str) -> str | None:
    """What urllib3, which will send the request, finds wrong with ``url``, or None."""
    try:
        urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError as exc:
        return str(exc)
    return None


def _redirect_target(current: str, location: str, safe_url: str) -> str:
    """Where a redirect leads. A target that cannot be fetched is the server's fault: a failed
    fetch like any other (the cache may stand in), not a configuration error; a plain-http
    target stays refused outright, as the configured URL would be."""
    try:
        target = urljoin(current, location)
        check_url_allowed(target)
    except InsecureUrlError:
        raise
    except (ConfigurationError, ValueError) as exc:
        detail = exc.message if isinstance(exc, PipelexError) else str(exc)
        raise RemoteConfigFetchError(
            f"{safe_url} redirected to {redact_url(location)!r}, which cannot be fetched "
            f"({detail.rstrip('.')}).",
            BROKEN_REDIRECT_HINT,
            url=safe_url,
        ) from None
    problem = _unparseable(target)
    if problem is not None:
        raise RemoteConfigFetchError(
            f"{safe_url} redirected to {redact_url(target)!r}, which cannot be parsed ({problem}).",
            BROKEN_REDIRECT_HINT,
            url=safe_url,
        )
    return target


def _session(retry: DeadlineRetry) -> requests.Session:
    """A session for plain http; ``_fetch`` mounts the trusting adapter before any https URL.
    It reads the environment's proxy settings, as users expect."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _remaining(deadline: float, url: str) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RemoteConfigFetchError(f"The fetch deadline passed fetching {url}.", url=url)
    return remaining
