"""What the hooks and ``setup()`` hand each other: raw payloads and provenance-tagged results."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from pipelex_core.remote_config import RemoteConfig
    from pipelex_core.types import RemoteConfigSource


@attrs.frozen(eq=False)
class FetchedConfig:
    """What ``fetch_config`` returns: the parsed JSON object, not yet validated.

    ``not_modified=True`` answers a conditional request (HTTP 304): the cached payload, whose
    ETag was sent, is still current; ``payload`` is then ignored and may be empty.
    """

    payload: dict[str, Any]
    etag: str | None = None
    not_modified: bool = False
    source_url: str | None = None


@attrs.frozen(eq=False)
class CachedConfig:
    """What ``load_cached_config`` returns: the payload as stored, not yet validated."""

    payload: dict[str, Any]
    cached_at: dt.datetime
    etag: str | None = None
    source_url: str | None = None
    #: Which tool wrote the file: "Pipelex" for a cache in Pipelex's own format, read as is.
    written_by: str = "pipelex-core"


@attrs.frozen
class RemoteConfigResult:
    """A validated remote config and where it came from."""

    config: RemoteConfig
    source: RemoteConfigSource
    cached_at: dt.datetime | None = None
    #: For cached data fetched from another URL than the one configured now (redacted): the
    #: cache still stands in, and says whose catalogue it is.
    cached_from: str | None = None


@attrs.frozen
class TelemetryDecision:
    """Whether a run may send telemetry, and the reason, for ``doctor`` and the runtime."""

    enabled: bool
    reason: str
