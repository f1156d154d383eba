"""Which remote-config URLs may be fetched: https anywhere, plain http only on loopback.

The same rule guards the configured URL (before any request) and every redirect target.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pipelex_core.errors import ConfigurationError, InsecureUrlError


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url_allowed(url: str) -> None:
    """Raise a configuration error for a URL that must not be fetched."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"Invalid remote config URL {redact_url(url)!r}: expected an https:// URL.",
            "Fix PIPELEX_REMOTE_CONFIG_URL or remote_config_url in pipelex_service.toml.",
        )
    if parts.scheme == "http" and not is_loopback_host(host):
        raise InsecureUrlError(redact_url(url))


def redact_url(url: str) -> str:
    """The URL without credentials or query string, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"
