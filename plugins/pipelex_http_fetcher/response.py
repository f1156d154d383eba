"""Reading the server's answer: its status named, its size capped, its body read within the
deadline, its JSON checked (a broken body is the server's fault; a web page, the network's)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests
import urllib3.exceptions

from pipelex_core import FetchedConfig, RemoteConfigFetchError, RemoteConfigValidationError
from pipelex_http_fetcher.failures import AtFault, fetch_failure
from pipelex_http_fetcher.transport import transport_failure

#: A remote config larger than this is refused, without reading it all into memory.
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
CHUNK_SIZE = 64 * 1024


def read_response(
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
        raise transport_failure(exc, response.url or url, url, received=size) from exc
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
