"""The TLS context of an https fetch, built from the trust the environment picked, and the
requests adapter that makes every connection use it, through a proxy's tunnel too.

Imported only when an https URL is about to be fetched: it loads ssl and requests, and
truststore only when the operating system's trust store is the one used.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from urllib3.util.ssl_ import create_urllib3_context

from pipelex_core import ConfigurationError
from pipelex_http_fetcher.environment import Trust


def ssl_context(trust: Trust) -> ssl.SSLContext:
    """Verification against the locations ``trust`` names and nothing else; or, when it names
    none, against the system's store with certifi's bundle added (on Linux both go to the same
    OpenSSL store; on macOS and Windows truststore adds what the context holds as extra
    anchors beside the system's)."""
    if trust.uses_system_store:
        import truststore
        from requests.utils import DEFAULT_CA_BUNDLE_PATH  # certifi's, as requests finds it

        system: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        system.load_verify_locations(cafile=DEFAULT_CA_BUNDLE_PATH)
        return system
    context = create_urllib3_context()  # urllib3's defaults (TLS 1.2+), no CA loaded yet
    for name, value in trust.locations:
        try:
            if name == "SSL_CERT_DIR" or os.path.isdir(value):
                context.load_verify_locations(capath=value)
            else:
                context.load_verify_locations(cafile=value)
        except ssl.SSLError as exc:
            raise ConfigurationError(
                f"{name}={value!r} holds no certificate OpenSSL can read "
                f"({exc.reason or exc.strerror or exc}).",
                f"Point {name} at a PEM file of CA certificates (text blocks starting "
                "-----BEGIN CERTIFICATE-----), or unset it.",
            ) from None
        except OSError as exc:
            raise ConfigurationError(
                f"{name}={value!r} cannot be read ({exc.strerror or exc}).",
                f"Make {value!r} readable, or point {name} elsewhere.",
            ) from None
    return context


class TrustingAdapter(HTTPAdapter):
    """An adapter whose https connections, direct or tunnelled through a proxy, verify with
    one context. requests would otherwise add its own choice (certifi, or the bundle variable)
    to each connection, and the tunnel would use urllib3's default context."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["ssl_context"] = self._context
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        conn.ca_certs = None  # the context already holds exactly the trust chosen
        conn.ca_cert_dir = None
