"""A failure of requests or urllib3, named in words with the party at fault.

The HTTP stack reports failures as chains of its own exceptions (``MaxRetryError`` wrapping
``NewConnectionError`` wrapping ``ConnectionRefusedError``, and so on); none of those names may
reach a message. This walks the chain and says what happened and who failed: the server, the
network, the proxy, or the certificate's trust.
"""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from pipelex_core import RemoteConfigFetchError
from pipelex_http_fetcher.failures import (
    AtFault,
    describe_certificate_error,
    describe_proxy,
    describe_socket_error,
    fetch_failure,
    proxy_address,
    unresolved,
)


def transport_failure(
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
