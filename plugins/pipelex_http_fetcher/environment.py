"""Environment variables that steer requests, checked before a fetch so that a mistake in them
is a configuration error naming the variable, not a crash in the middle of a request."""

from __future__ import annotations

import os

from pipelex_core import ConfigurationError

#: requests reads the first of these that is set (with ``trust_env``, its default).
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def check_ca_bundle_variables() -> None:
    """The CA bundle variable requests will use must name a file or a directory that exists."""
    for name in CA_BUNDLE_VARIABLES:
        value = os.environ.get(name)
        if not value:
            continue
        if not os.path.exists(value):
            raise ConfigurationError(
                f"{name}={value!r} names no file or directory, so no certificate can be checked.",
                f"Point {name} at a PEM file of CA certificates (or a directory of them), "
                "or unset it.",
            )
        return  # requests uses only the first one set
