"""One fetch of the remote config, bounded by ``settings.fetch_deadline`` from start to finish.

The request runs in a daemon thread that the caller waits on for at most the deadline: DNS
look-ups and stalled sockets cannot be interrupted portably, but they can be walked away from.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any
from urllib.parse import urljoin

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
    RemoteConfigValidationError,
    Settings,
    check_url_allowed,
    redact_url,
)
from pipelex_http_fetcher.environment import check_ca_bundle_variables
from pipelex_http_fetcher.probe import network_error
from pipelex_http_fetcher.retry import DeadlineRetry

#: A remote config larger than this is refused, without reading it all into memory.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024
USER_AGENT = "pipelex-core remote-config fetcher"
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
    check_ca_bundle_variables()
    if deadline is None:
        deadline = time.monotonic() + settings.fetch_deadline
    outcome: queue.SimpleQueue[FetchedConfig | BaseException] = queue.SimpleQueue()

    def work() -> None:
        try:
            outcome.put(
                _fetch(url, etag=etag, deadline=deadline, fail_fast=settings.fallback_available)
            )
        except BaseException as exc:  # handed to the waiting caller, never lost
            outcome.put(exc)

    threading.Thread(target=work, name="pipelex-fetch", daemon=True).start()
    try:
        result = outcome.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise RemoteConfigFetchError(
            f"No answer from {redact_url(url)} within {settings.fetch_deadline:g}s.",
            "Check the network, or raise PIPELEX_FETCH_DEADLINE.",
            url=redact_url(url),
        ) from None
    if isinstance(result, BaseException):
        raise result
    return result


def _fetch(url: str, *, etag: str | None, deadline: float, fail_fast: bool) -> FetchedConfig:
    safe_url = redact_url(url)
    with _session(deadline, fail_fast=fail_fast) as session:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if etag:
            headers["If-None-Match"] = etag
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = session.get(
                    current,
                    headers=headers,
                    timeout=_remaining(deadline, safe_url),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                raise _network_error(exc, safe_url) from exc
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
                return _read(response, etag=etag, deadline=deadline, url=safe_url)
        raise RemoteConfigFetchError(f"Too many redirects fetching {safe_url}.", url=safe_url)


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


def _session(deadline: float, *, fail_fast: bool) -> requests.Session:
    session = requests.Session()  # trusts the environment's proxy settings, as users expect
    adapter = HTTPAdapter(
        max_retries=DeadlineRetry.for_fetch(deadline=deadline, fail_fast=fail_fast)
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _remaining(deadline: float, url: str) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RemoteConfigFetchError(f"The fetch deadline passed fetching {url}.", url=url)
    return remaining


def _read(
    response: requests.Response, *, etag: str | None, deadline: float, url: str
) -> FetchedConfig:
    new_etag = response.headers.get("ETag")
    if response.status_code == 304 and etag:
        return FetchedConfig(payload={}, etag=new_etag or etag, not_modified=True, source_url=url)
    if response.status_code != 200:
        raise RemoteConfigFetchError(
            f"{url} answered HTTP {response.status_code} {response.reason or ''}".rstrip() + ".",
            url=url,
            status=response.status_code,
        )
    body = _body(response, deadline=deadline, url=url)
    payload = _json(body, url)
    if not isinstance(payload, dict):
        raise RemoteConfigValidationError(
            [f"$: expected an object, got {type(payload).__name__}"], url=url
        )
    return FetchedConfig(payload=payload, etag=new_etag, source_url=url)


def _body(response: requests.Response, *, deadline: float, url: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_PAYLOAD_BYTES:
        raise _too_large(url)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(CHUNK_SIZE):
            size += len(chunk)
            if size > MAX_PAYLOAD_BYTES:
                raise _too_large(url)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise RemoteConfigFetchError(
                    f"The fetch deadline passed while reading the body from {url}.", url=url
                )
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise _network_error(exc, url) from exc
    return b"".join(chunks)


def _json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        # Valid JSON, but nested beyond what any remote config needs: a server bug, like a
        # wrong shape, and never a reason to fall back.
        raise RemoteConfigValidationError(
            ["$: nested too deeply to be a remote config"], url=url
        ) from None
    except ValueError as exc:
        preview = body[:60].decode("utf-8", "replace").replace("\n", " ")
        raise RemoteConfigFetchError(
            f"{url} answered 200 but the body is not JSON ({type(exc).__name__}), starting "
            f"{preview!r}: a captive portal or proxy page?",
            "Check the network (log in to the portal, or fix the proxy).",
            url=url,
            cause=exc,
        ) from None


def _too_large(url: str) -> RemoteConfigFetchError:
    return RemoteConfigFetchError(
        f"The remote config at {url} is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB; "
        "refused.",
        url=url,
    )


def _network_error(exc: BaseException, url: str) -> PipelexError:
    return network_error(url, _root_cause(exc), exc)


def _root_cause(exc: BaseException) -> str:
    """The most specific reason in a requests/urllib3 chain, e.g. 'Connection refused'."""
    seen: set[int] = set()
    current: BaseException | None = exc
    reason = str(exc)
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.MaxRetryError) and current.reason is not None:
            current = current.reason
            continue
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        if isinstance(current, urllib3.exceptions.NameResolutionError):
            return "the host name could not be resolved"
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            text = str(current)
            reason = text.rpartition(": ")[2] or text
        elif isinstance(current, urllib3.exceptions.ReadTimeoutError | requests.ReadTimeout):
            return "the server did not answer in time"
        elif isinstance(current, urllib3.exceptions.ConnectTimeoutError | requests.ConnectTimeout):
            return "the connection timed out"
        elif not isinstance(current, requests.RequestException):
            reason = str(current) or type(current).__name__
        nxt = current.__cause__ or current.__context__
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        current = nxt
    return reason
