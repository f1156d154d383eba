"""Which remote-config URLs may be fetched: https anywhere, plain http only on loopback.

The same rule guards the configured URL (before any request) and every redirect target.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from pipelex_core.errors import ConfigurationError, InsecureUrlError


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    address = _ip_address(host)
    return address is not None and address.is_loopback


#: No host name contains these: the URL Standard's forbidden host code points (whitespace and
#: the delimiters), checked here so that a typo is a configuration error and not an "outage"
#: that would send every run to the cache.
_FORBIDDEN_IN_HOST = frozenset("\x00\t\n\r #%/:<>?@[\\]^|")


def check_url_allowed(url: str) -> None:
    """Raise a configuration error for a URL that must not be fetched, saying what is wrong."""
    control = next((char for char in url if ord(char) < 0x20 or ord(char) == 0x7F), None)
    if control is not None:  # urlsplit would drop tabs and newlines silently
        visible = "".join(char if char.isprintable() else "\ufffd" for char in url)
        raise _invalid(visible, f"it contains the control character {control!r}")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise _invalid(url, "it cannot be parsed") from None
    if parts.scheme not in ("http", "https"):
        raise _invalid(url, "it must start with https://")
    if not host:
        raise _invalid(url, "it names no host")
    if _ip_address(host) is None:
        forbidden = next((char for char in host if char in _FORBIDDEN_IN_HOST), None)
        if forbidden is not None:
            raise _invalid(url, f"the host {host!r} contains {forbidden!r}, which no host name may")
        problem = _host_name_problem(host)
        if problem is not None:
            raise _invalid(url, problem)
    try:
        _ = parts.port  # urllib checks the port only when it is read
    except ValueError:
        raise _invalid(url, "the port is not a number from 0 to 65535") from None
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InsecureUrlError(redact_url(url))


def redact_url(url: str) -> str:
    """The URL without credentials or query string, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return UNPARSEABLE
    if not parts.netloc:  # not a URL at all: drop whatever could be credentials or a query
        return url.partition("?")[0].rpartition("@")[2]
    netloc = parts.netloc.rpartition("@")[2]
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


UNPARSEABLE = "<unparseable URL>"

#: A URL's credentials (``scheme://user:pass@``) anywhere in free text.
_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^\s/@'\"<>]*@")
#: A query string after a URL or a bare path (``/x.json?token=…``, as urllib3 prints it).
_QUERY = re.compile(r"((?:[A-Za-z][A-Za-z0-9+.\-]*://|/)[^\s'\"<>?#]*)\?[^\s'\"<>#)\]]+")


def redact_text(text: str) -> str:
    """Free text (a traceback, a library's message) with every URL's credentials and query
    string removed, as :func:`redact_url` removes them from one URL."""
    return _QUERY.sub(r"\1?…", _CREDENTIALS.sub(r"\1", text))


def _invalid(url: str, problem: str) -> ConfigurationError:
    shown = redact_url(url)
    return ConfigurationError(
        f"Invalid remote config URL {shown if shown == UNPARSEABLE else repr(shown)}: {problem}.",
        "Fix PIPELEX_REMOTE_CONFIG_URL or remote_config_url in pipelex_service.toml.",
    )


#: DNS limits (RFC 1035): what the HTTP stack refuses to parse, refused here first.
MAX_HOST_NAME = 253


def _host_name_problem(host: str) -> str | None:
    """Why a host name cannot be looked up (an empty or over-long label), or None."""
    name = host[:-1] if host.endswith(".") else host
    try:
        encoded = name.encode("idna")  # the stdlib codec enforces 1 to 63 octets per label
    except UnicodeError:
        return f"the host {host!r} has an empty label or one longer than 63 characters"
    if len(encoded) > MAX_HOST_NAME:
        return (
            f"the host is {len(encoded)} characters long; a host name has at most {MAX_HOST_NAME}"
        )
    return None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
