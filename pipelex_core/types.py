"""Provenance of remote-config data.

A stdlib-only leaf: plugins and callers may import it without pulling in anything else.
"""

from __future__ import annotations

import enum


class RemoteConfigSource(enum.Enum):
    """Where the remote config used by a run came from.

    Decided once, where the data is obtained, and carried to every consumer (the stale
    warning, telemetry gating, error messages, the CLI envelope) so nothing re-derives it.
    """

    FRESH = "fresh"
    CACHED = "cached"

    @property
    def is_cached(self) -> bool:
        return self is RemoteConfigSource.CACHED

    def __str__(self) -> str:
        return self.value
