"""A failed fetch in words: what happened, which party is at fault, and the hint that fixes it.

The parties are the network between here and the server (offline, DNS, a firewall, a captive
portal), the proxy the environment names, the server (it refused, hung up, sent a broken
body or an error status), the URL itself (a 404 means the address is wrong) and the
certificate check (the trust here lacks the CA that signed the server's certificate, or that
certificate is wrong). Stdlib only, and no ssl: the probe, which runs before requests is
imported, names its failures here too.
"""

from __future__ import annotations

import os
import socket
from typing import Literal

from pipelex_core import RemoteConfigFetchError, redact_url

AtFault = Literal["network", "proxy", "server", "url", "certificate"]

#: What fixes a certificate signed by a CA the trust here lacks: the usual case behind a
#: company proxy that inspects HTTPS. Never "retry": the same call fails the same way.
UNTRUSTED_HINT = (
    "The TLS trust is at fault, not the network: if your company inspects HTTPS traffic, "
    "point SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) at a PEM file of its CA certificate, or add "
    "that CA to the system's trust store."
)
#: What fixes a certificate that is itself wrong (expired, for another host).
BAD_CERTIFICATE_HINT = (
    "The server's certificate is at fault (or this machine's clock): tell whoever runs the "
    "server. If a company proxy inspects HTTPS, its CA belongs in SSL_CERT_FILE (or "
    "REQUESTS_CA_BUNDLE) as a PEM file."
)

HINTS: dict[AtFault, str] = {
    "network": "Check the network connection (offline? a VPN, firewall or DNS problem?).",
    "proxy": "Check that the proxy is up and its address is right, or unset the variable "
    "(NO_PROXY=<host> bypasses it for one host).",
    "server": "The server is at fault, not your setup: retry later, or tell whoever runs it.",
    "url": "Check the URL in PIPELEX_REMOTE_CONFIG_URL or remote_config_url in "
    "pipelex_service.toml.",
    "certificate": UNTRUSTED_HINT,
}

#: OpenSSL's verification codes (``X509_V_ERR_*``) in words, with the hint that fixes each.
_VERIFICATION: dict[int, tuple[str, str]] = {
    2: ("it was issued by a CA that is not trusted here (unknown issuer)", UNTRUSTED_HINT),
    9: ("it is not valid yet (is this machine's clock right?)", BAD_CERTIFICATE_HINT),
    10: ("it has expired", BAD_CERTIFICATE_HINT),
    18: ("it is self-signed, and not trusted here", UNTRUSTED_HINT),
    19: ("its chain ends in a self-signed CA that is not trusted here", UNTRUSTED_HINT),
    20: ("it was issued by a CA that is not trusted here (unknown issuer)", UNTRUSTED_HINT),
    21: ("it was issued by a CA that is not trusted here (unknown issuer)", UNTRUSTED_HINT),
    62: ("it is not valid for {host} (hostname mismatch)", BAD_CERTIFICATE_HINT),
    64: ("it is not valid for {host} (IP address mismatch)", BAD_CERTIFICATE_HINT),
}


def fetch_failure(
    safe_url: str,
    what: str,
    at_fault: AtFault,
    *,
    cause: BaseException | None = None,
    status: int | None = None,
    hint: str | None = None,
) -> RemoteConfigFetchError:
    """The one wording of a failed fetch: ``Could not fetch URL: what.`` and the party's hint."""
    error = RemoteConfigFetchError(
        f"Could not fetch {safe_url}: {what}.",
        hint or HINTS[at_fault],
        url=safe_url,
        cause=cause,
        status=status,
        at_fault=at_fault,
    )
    if at_fault == "certificate":
        error.retryable = False  # the same trust and the same certificate fail the same way
    return error


def describe_certificate_error(error: BaseException, host: str) -> tuple[str, str]:
    """What an ``ssl.SSLCertVerificationError`` means, and the hint that fixes it (read from
    its ``verify_code``, so that this module need not import ssl)."""
    code = getattr(error, "verify_code", None)
    known = _VERIFICATION.get(code) if isinstance(code, int) else None
    if known is not None:
        detail, hint = known
        detail = detail.format(host=host)
    else:  # another code, or the words macOS or Windows gave through truststore
        message = getattr(error, "verify_message", None) or str(error) or "no detail"
        detail, hint = str(message), UNTRUSTED_HINT
    return f"the TLS certificate of {host} could not be verified: {detail}", hint


def describe_socket_error(error: BaseException, host: str, port: int) -> tuple[str, AtFault]:
    """What a connection attempt's OS error means, and whose fault it is."""
    if isinstance(error, socket.gaierror):
        return unresolved(host)
    if isinstance(error, ConnectionRefusedError):
        return f"{host}:{port} refused the connection (nothing is listening there)", "server"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no connection to {host}:{port} in time", "network"
    if isinstance(error, ConnectionResetError):
        return "the connection was reset (by the server, or by a firewall on the way)", "network"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror[:1].lower()}{error.strerror[1:]} ({host}:{port})", "network"
    return str(error) or type(error).__name__, "network"


def unresolved(host: str) -> tuple[str, AtFault]:
    """A host name no DNS answer resolves: the network's side (offline, or a typo)."""
    return f"the host name {host!r} could not be resolved (offline, or a wrong name)", "network"


def proxy_variable(scheme: str) -> str | None:
    """The environment variable that routes ``scheme`` through a proxy, as requests reads it."""
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        if os.environ.get(name):
            return name
    return None


def proxy_address(scheme: str) -> str | None:
    """The proxy URL the environment names for ``scheme``, or None."""
    name = proxy_variable(scheme)
    return os.environ[name] if name else None


def describe_proxy(scheme: str) -> str:
    """``the proxy http://host:port (from HTTPS_PROXY)``, credentials removed."""
    name = proxy_variable(scheme)
    if name is None:
        return "the proxy"
    return f"the proxy {redact_url(os.environ[name])} (from {name})"
