"""One fetch of the remote config, bounded by ``settings.fetch_deadline`` from start to finish.

The request runs in a daemon thread that the caller waits on for at most the deadline: DNS
look-ups and stalled sockets cannot be interrupted portably, but they can be walked away from.
"""

from __future__ import annotations

import http.client
import json
import queue
import ssl
import threading
import time
from typing import Any
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
    RemoteConfigValidationError,
    Settings,
    check_url_allowed,
    redact_url,
    user_agent,
)
from pipelex_http_fetcher.environment import Trust, trust_from_environment
from pipelex_http_fetcher.failures import (
    AtFault,
    describe_certificate_error,
    describe_proxy,
    describe_socket_error,
    fetch_failure,
    proxy_address,
    unresolved,
)
from pipelex_http_fetcher.retry import DeadlineRetry

#: A remote config larger than this is refused, without reading it all into memory.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024
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
                raise _transport_failure(exc, current, safe_url) from exc
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


def _read(
    response: requests.Response, *, etag: str | None, deadline: float, url: str
) -> FetchedConfig:
    new_etag = response.headers.get("ETag")
    if response.status_code == 304 and etag:
        return FetchedConfig(payload={}, etag=new_etag or etag, not_modified=True, source_url=url)
    if response.status_code != 200:
        status = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
        at_fault: AtFault = "server"
        if response.status_code in (404, 410):
            at_fault, status = "url", f"the server answered {status}: no remote config there"
        elif response.status_code == 407:
            at_fault, status = "proxy", f"the proxy answered {status}"
        else:
            status = f"the server answered {status}"
        raise fetch_failure(url, status, at_fault, status=response.status_code)
    body = _body(response, deadline=deadline, url=url)
    payload = _json(body, url, response.headers.get("Content-Type", ""))
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
                raise fetch_failure(
                    url,
                    f"the deadline passed while the body was still arriving ({size:,} bytes)",
                    "network",
                    hint="Check the network connection, or raise PIPELEX_FETCH_DEADLINE.",
                )
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise _transport_failure(exc, response.url or url, url, received=size) from exc
    return b"".join(chunks)


def _json(body: bytes, url: str, content_type: str) -> Any:
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
        if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
            # a page put in the server's place: the network's portal or a proxy, not the server
            raise fetch_failure(
                url,
                f"the answer is a web page, not JSON, starting {preview!r} (a captive portal's "
                "login page, or a proxy's error page?)",
                "network",
                cause=exc,
                hint="Log in to the network's portal, or fix the proxy, then retry.",
            ) from None
        if isinstance(exc, json.JSONDecodeError):
            problem = f"{exc.msg} at byte {exc.pos:,} of {len(body):,}"
        elif isinstance(exc, UnicodeDecodeError):
            problem = f"its text is not in a Unicode encoding JSON allows ({exc.reason})"
        else:
            problem = str(exc)
        raise fetch_failure(
            url,
            f"the server sent a body that is not valid JSON ({problem}), starting {preview!r}",
            "server",
            cause=exc,
        ) from None


def _too_large(url: str) -> RemoteConfigFetchError:
    return RemoteConfigFetchError(
        f"The remote config at {url} is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB; "
        "refused.",
        url=url,
    )


def _transport_failure(
    exc: BaseException, target: str, safe_url: str, *, received: int | None = None
) -> RemoteConfigFetchError:
    """A requests/urllib3 failure named in words, with the party at fault: never the
    library's own text (``('Connection aborted.', RemoteDisconnected(...))``)."""
    chain = _chain(exc)
    parts = urlsplit(target)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    proxy_errors = requests.exceptions.ProxyError | urllib3.exceptions.ProxyError
    if any(isinstance(e, proxy_errors) for e in chain):
        proxy = urlsplit(proxy_address(parts.scheme) or "")
        what, _ = _what_failed(chain, proxy.hostname or "the proxy", proxy.port or 0, received)
        what = f"{describe_proxy(parts.scheme)} failed: {what.replace('the server', 'it')}"
        return fetch_failure(safe_url, what, "proxy", cause=exc)
    verification = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if verification is not None:
        what, hint = describe_certificate_error(verification, host)
        return fetch_failure(safe_url, what, "certificate", cause=exc, hint=hint)
    what, at_fault = _what_failed(chain, host, port, received)
    return fetch_failure(safe_url, what, at_fault, cause=exc)


def _what_failed(
    chain: list[BaseException], host: str, port: int, received: int | None
) -> tuple[str, AtFault]:
    """The most telling failure in the chain, checked from the most specific kind down."""
    for error in chain:
        if isinstance(error, http.client.IncompleteRead | urllib3.exceptions.IncompleteRead):
            got = error.partial if isinstance(error.partial, int) else len(error.partial)
            expected = error.expected if isinstance(error.expected, int) else None
            total = f" of {got + expected:,}" if expected is not None else ""
            what = f"the server stopped sending partway through the body ({got:,}{total} bytes)"
            return what, "server"
        if isinstance(error, http.client.RemoteDisconnected):
            return "the server closed the connection without answering", "server"
    for error in chain:
        if isinstance(error, urllib3.exceptions.NameResolutionError):
            return unresolved(host)
        if isinstance(error, urllib3.exceptions.ReadTimeoutError | requests.ReadTimeout):
            return "the server accepted the connection but did not answer in time", "server"
        if isinstance(error, urllib3.exceptions.SSLError | requests.exceptions.SSLError):
            reason = next((str(e) for e in chain if type(e).__module__ == "ssl"), "")
            return f"the TLS handshake with {host} failed ({reason or 'no detail'})", "network"
    for error in reversed(chain):  # the innermost operating-system error is the real cause
        if isinstance(error, OSError) and not isinstance(
            error, requests.RequestException | urllib3.exceptions.HTTPError
        ):
            return describe_socket_error(error, host, port)
    if any(isinstance(e, urllib3.exceptions.ConnectTimeoutError) for e in chain):
        return f"no connection to {host}:{port} in time", "network"
    if received is not None:
        what = f"the connection broke while the body was arriving ({received:,} bytes in)"
        return what, "network"
    return "the connection failed before an answer came", "network"


def _chain(exc: BaseException) -> list[BaseException]:
    """Every exception a requests/urllib3 error wraps: causes, contexts, a MaxRetryError's
    reason and exceptions passed as arguments, outermost first."""
    seen: set[int] = set()
    found: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        if isinstance(current, urllib3.exceptions.MaxRetryError) and current.reason is not None:
            pending.append(current.reason)
        pending.extend(a for a in current.args if isinstance(a, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return found
