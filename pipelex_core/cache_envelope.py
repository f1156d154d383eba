"""The cache envelope of SPEC §5: the raw payload with its schema version, time, URL and hash.

It lives in the core, not the file-cache plugin, because ``cache export``/``import`` speak the
same format whatever plugin stores the cache. Pure functions over bytes: no file I/O here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from pipelex_core.errors import CacheUnusableError
from pipelex_core.results import CachedConfig

CACHE_SCHEMA_VERSION = 1


def payload_sha256(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON (sorted keys, compact, UTF-8)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_envelope(cached: CachedConfig) -> bytes:
    envelope = {
        "cache_schema_version": CACHE_SCHEMA_VERSION,
        "cached_at": cached.cached_at.isoformat(),
        "source_url": cached.source_url,
        "etag": cached.etag,
        "payload_sha256": payload_sha256(cached.payload),
        "payload": cached.payload,
    }
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def decode_envelope(data: bytes) -> CachedConfig:
    """Parse and check an envelope; anything off raises :class:`CacheUnusableError`."""
    try:
        envelope = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CacheUnusableError(f"it is not valid JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(envelope, dict):
        raise CacheUnusableError("it is not a JSON object")
    version = envelope.get("cache_schema_version")
    if version != CACHE_SCHEMA_VERSION:
        raise CacheUnusableError(
            f"it has cache_schema_version {version!r}, this version reads {CACHE_SCHEMA_VERSION}"
        )
    payload = envelope.get("payload")
    if not isinstance(payload, dict):
        raise CacheUnusableError("its payload is missing or not a JSON object")
    recorded = envelope.get("payload_sha256")
    if not isinstance(recorded, str):
        raise CacheUnusableError("its payload_sha256 is missing")
    if recorded != payload_sha256(payload):
        raise CacheUnusableError("its payload_sha256 does not match the payload (corrupted?)")
    cached_at = _timestamp(envelope.get("cached_at"))
    etag = envelope.get("etag")
    source_url = envelope.get("source_url")
    if not isinstance(etag, str | None) or not isinstance(source_url, str | None):
        raise CacheUnusableError("its etag or source_url is not a string")
    return CachedConfig(payload=payload, cached_at=cached_at, etag=etag, source_url=source_url)


def _timestamp(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise CacheUnusableError("its cached_at is missing")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CacheUnusableError(f"its cached_at {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise CacheUnusableError(f"its cached_at {value!r} has no time zone")
    return parsed
