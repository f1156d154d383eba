"""Provenance values and the error family's data."""

from __future__ import annotations

import datetime as dt

import pytest

import pipelex_core
from pipelex_core import (
    BundleValidationError,
    CacheUnusableError,
    GatewayUnknownModelError,
    PipelexError,
    RemoteConfigFetchError,
    RemoteConfigSource,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
    UnknownModelError,
)


def test_source_values() -> None:
    assert RemoteConfigSource.FRESH.value == "fresh"
    assert RemoteConfigSource.CACHED.value == "cached"
    assert RemoteConfigSource.CACHED.is_cached is True
    assert RemoteConfigSource.FRESH.is_cached is False
    assert pipelex_core.types.RemoteConfigSource is RemoteConfigSource


@pytest.mark.parametrize(
    "error_type",
    [
        RemoteConfigFetchError,
        RemoteConfigUnavailableError,
        RemoteConfigValidationError,
        CacheUnusableError,
        GatewayUnknownModelError,
        UnknownModelError,
        BundleValidationError,
    ],
)
def test_every_error_is_a_pipelex_error(error_type: type[Exception]) -> None:
    assert issubclass(error_type, PipelexError)


def test_pipelex_error_message_and_hint() -> None:
    error = PipelexError("it broke", hint="do this")
    assert error.message == "it broke"
    assert error.hint == "do this"
    assert str(error) == "it broke\nHint: do this"
    assert str(PipelexError("alone")) == "alone"


def test_unknown_model_carries_model_and_source() -> None:
    when = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    error = GatewayUnknownModelError("gpt-x", source=RemoteConfigSource.CACHED, cached_at=when)
    assert error.model == "gpt-x"
    assert error.source is RemoteConfigSource.CACHED
    assert "2026-11-01T00:00:00+00:00" in error.message
    assert isinstance(error, UnknownModelError)


def test_stale_warning_names_time_and_remedy() -> None:
    when = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    warning = RemoteConfigStaleWarning(when, reason="the remote could not be reached")
    assert isinstance(warning, UserWarning)
    text = str(warning)
    assert "2026-11-28T09:30:00+00:00" in text
    assert "pipelex init" in text
    assert "pipelex cache refresh" in text


def test_public_api_names() -> None:
    for name in (
        "setup",
        "Settings",
        "RemoteConfig",
        "RemoteConfigResult",
        "RemoteConfigSource",
        "FetchedConfig",
        "CachedConfig",
        "hookimpl",
        "PipelexError",
        "RemoteConfigFetchError",
        "RemoteConfigUnavailableError",
        "RemoteConfigValidationError",
        "CacheUnusableError",
        "GatewayUnknownModelError",
        "UnknownModelError",
        "BundleValidationError",
        "RemoteConfigStaleWarning",
    ):
        assert name in pipelex_core.__all__
        assert hasattr(pipelex_core, name)
