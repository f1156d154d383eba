"""Which certificate authorities a fetch trusts, read from the environment and checked before
any request, so that a mistake in a variable is a configuration error naming it, not a
certificate failure (or a crash) in the middle of a fetch. Stdlib only, no TLS loaded.

The precedence (docs/networks.md):

1. ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE`` (the order requests reads them): that file
   or directory alone, as requests has always done with them.
2. Else ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` (both when both are set): what they name
   alone, as OpenSSL means them, since they replace its default locations.
3. Else the operating system's trust store (through truststore), and certifi's bundle beside
   it so that a minimal image without system CAs keeps working.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from pipelex_core import ConfigurationError

#: requests reads the first of these that is set (with ``trust_env``, its default).
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class Trust(NamedTuple):
    """The CA locations the environment names, each with its variable; none: the system's."""

    locations: tuple[tuple[str, str], ...] = ()

    @property
    def uses_system_store(self) -> bool:
        return not self.locations


def trust_from_environment(environ: Mapping[str, str] = os.environ) -> Trust:
    """The trust the precedence above picks; every variable it reads must name what it
    should (a variable it does not read is left alone, as requests and OpenSSL leave it)."""
    for name in CA_BUNDLE_VARIABLES:
        value = environ.get(name)
        if value:
            if not os.path.exists(value):
                raise _names_nothing(
                    name,
                    value,
                    "file or directory",
                    f"Point {name} at a PEM file of CA certificates (or a directory of them), "
                    "or unset it.",
                )
            return Trust(((name, value),))
    locations: list[tuple[str, str]] = []
    cert_file = environ.get("SSL_CERT_FILE")
    if cert_file:
        _check_cert_file(cert_file)
        locations.append(("SSL_CERT_FILE", cert_file))
    cert_dir = environ.get("SSL_CERT_DIR")
    if cert_dir and any(cert_dir.split(os.pathsep)):  # only empty entries: as if unset
        _check_cert_dir(cert_dir)
        locations.append(("SSL_CERT_DIR", cert_dir))
    return Trust(tuple(locations))


def _check_cert_file(value: str) -> None:
    if os.path.isdir(value):
        raise ConfigurationError(
            f"SSL_CERT_FILE={value!r} is a directory; SSL_CERT_FILE names a PEM file.",
            "Name that directory in SSL_CERT_DIR instead (its certificates named by hash, as "
            "c_rehash lays them out), or point SSL_CERT_FILE at a PEM file of CA certificates.",
        )
    if not os.path.exists(value):
        raise _names_nothing(
            "SSL_CERT_FILE",
            value,
            "file",
            "Point SSL_CERT_FILE at a PEM file of CA certificates (your company's CA, for "
            "one), or unset it.",
        )


def _check_cert_dir(value: str) -> None:
    """OpenSSL reads ``SSL_CERT_DIR`` as a list (``os.pathsep`` between entries): each entry
    must be a directory."""
    for entry in value.split(os.pathsep):
        if not entry:
            continue
        if os.path.isfile(entry):
            raise ConfigurationError(
                f"SSL_CERT_DIR={value!r} names a file, not a directory of certificates"
                + (f" ({entry!r})." if entry != value else "."),
                "Name that file in SSL_CERT_FILE instead, or point SSL_CERT_DIR at a directory "
                "of CA certificates named by hash (as c_rehash lays them out).",
            )
        if not os.path.isdir(entry):
            shown = f"directory ({entry!r} does not exist)" if entry != value else "directory"
            raise _names_nothing(
                "SSL_CERT_DIR",
                value,
                shown,
                "Point SSL_CERT_DIR at a directory of CA certificates named by hash (as "
                "c_rehash lays them out), or unset it.",
            )


def _names_nothing(name: str, value: str, what: str, hint: str) -> ConfigurationError:
    return ConfigurationError(
        f"{name}={value!r} names no {what}, so no certificate can be checked.", hint
    )
