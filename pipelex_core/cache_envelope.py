"""The cache's formats: the payload with its time, source URL, ETag and hash.

Two layouts (docs/cache.md): the *shared form* the cache file is written in, which Pipelex
0.50-0.72 read too (``schema_version``, ``cached_at``, ``raw_config`` and no other key), with
pipelex-core's metadata in a ``.meta`` file beside it; and the self-contained *envelope* that
``cache export`` writes and older pipelex-core releases kept as the cache. Both are read.
It lives in the core, not the file-cache plugin, because ``cache export``/``import`` speak the
same formats whatever plugin stores the cache. Pure functions over bytes: no file I/O here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import attrs

from pipelex_core import json_bytes
from pipelex_core.errors import CacheUnusableError
from pipelex_core.hook_payloads import CachedConfig

CACHE_SCHEMA_VERSION = 1


#: Written last, and followed by the payload's canonical JSON, so that a reader can hash the
#: payload's bytes as they stand instead of re-serialising the parsed payload.
PAYLOAD_MARKER = b', "payload": '
_HEADER_KEYS = frozenset(
    {"cache_schema_version", "cached_at", "source_url", "etag", "payload_sha256"}
)


def canonical_payload(payload: dict[str, Any]) -> bytes:
    """The payload's canonical JSON (sorted keys, compact, UTF-8): what the hash covers."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def payload_sha256(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON."""
    return hashlib.sha256(canonical_payload(payload)).hexdigest()


def encode_envelope(cached: CachedConfig) -> bytes:
    """The envelope as JSON; the payload comes last, in its canonical form."""
    canonical = canonical_payload(cached.payload)
    header = {
        "cache_schema_version": CACHE_SCHEMA_VERSION,
        "cached_at": cached.cached_at.isoformat(),
        "source_url": cached.source_url,
        "etag": cached.etag,
        "payload_sha256": hashlib.sha256(canonical).hexdigest(),
    }
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return head[:-1] + PAYLOAD_MARKER + canonical + b"}"


#: The shared form: exactly these keys, the canonical payload last (Pipelex refuses any other).
SHARED_MARKER = b', "raw_config": '
_SHARED_HEADER_KEYS = frozenset({"schema_version", "cached_at"})
META_SCHEMA_VERSION = 1


def encode_shared(cached: CachedConfig) -> tuple[bytes, bytes]:
    """The cache file in the shared form, and the metadata file that goes beside it.

    The metadata repeats ``cached_at``: a cache file whose time differs from it was written
    by another tool since, and the metadata (ETag, source URL) no longer describes it.
    """
    canonical = canonical_payload(cached.payload)
    cached_at = cached.cached_at.isoformat()
    head = json.dumps({"schema_version": 1, "cached_at": cached_at}).encode("utf-8")
    data = head[:-1] + SHARED_MARKER + canonical + b"}"
    meta = {
        "meta_schema_version": META_SCHEMA_VERSION,
        "cached_at": cached_at,
        "payload_sha256": hashlib.sha256(canonical).hexdigest(),
        "etag": cached.etag,
        "source_url": cached.source_url,
    }
    return data, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def decode_envelope(data: bytes, metadata: bytes | None = None) -> CachedConfig:
    """Parse and check a cache in either layout; anything off raises :class:`CacheUnusableError`.

    ``metadata`` is the ``.meta`` file beside a cache in the shared form, when there is one.
    """
    try:
        envelope = json_bytes.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CacheUnusableError(f"it is not valid JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(envelope, dict):
        raise CacheUnusableError("it is not a JSON object")
    if "cache_schema_version" not in envelope and set(envelope) == PIPELEX_CACHE_KEYS:
        return _with_metadata(_pipelex_cache(envelope), envelope, data, metadata)
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
    fast = _written_payload_sha256(data, PAYLOAD_MARKER, _HEADER_KEYS)
    if recorded != fast and recorded != payload_sha256(payload):
        raise CacheUnusableError("its payload_sha256 does not match the payload (corrupted?)")
    cached_at = _timestamp(envelope.get("cached_at"))
    etag = envelope.get("etag")
    source_url = envelope.get("source_url")
    if not isinstance(etag, str | None) or not isinstance(source_url, str | None):
        raise CacheUnusableError("its etag or source_url is not a string")
    return CachedConfig(payload=payload, cached_at=cached_at, etag=etag, source_url=source_url)


def _with_metadata(
    cached: CachedConfig, envelope: dict[str, Any], data: bytes, metadata: bytes | None
) -> CachedConfig:
    """A shared-form cache with the metadata pipelex-core wrote beside it, when it still
    describes this file: then the hash is checked, and the ETag and source URL come back."""
    meta = _parse_metadata(metadata)
    if meta is None or meta.get("cached_at") != envelope["cached_at"]:
        return cached  # no metadata, or the file was rewritten since (by Pipelex): its label
    recorded = meta.get("payload_sha256")
    fast = _written_payload_sha256(data, SHARED_MARKER, _SHARED_HEADER_KEYS)
    if recorded != fast and recorded != payload_sha256(cached.payload):
        raise CacheUnusableError(
            "its raw_config does not match the payload_sha256 recorded beside it (corrupted?)"
        )
    etag, source_url = meta.get("etag"), meta.get("source_url")
    return attrs.evolve(
        cached,
        etag=etag if isinstance(etag, str) else None,
        source_url=source_url if isinstance(source_url, str) else None,
        written_by="pipelex-core",
    )


def _parse_metadata(metadata: bytes | None) -> dict[str, Any] | None:
    """The metadata as a dict, or None when absent or unreadable: it only adds to a cache
    that stands on its own, so a damaged one costs the ETag, never the cache."""
    if metadata is None:
        return None
    try:
        meta = json.loads(metadata)
    except (ValueError, RecursionError):
        return None
    if not isinstance(meta, dict) or meta.get("meta_schema_version") != META_SCHEMA_VERSION:
        return None
    return meta


def _written_payload_sha256(data: bytes, marker: bytes, header_keys: frozenset[str]) -> str | None:
    """The hash of the payload's bytes as this module wrote them, without parsing.

    The bytes before the marker's first occurrence must parse, closed, as exactly the
    header's scalar fields: then the marker is the file's own top-level payload key
    (a quote inside a JSON string is always escaped) and what follows it is the payload.
    Any other layout (a hand-edited or foreign file) returns None, and the caller
    re-serialises the parsed payload canonically: slower, never wrong.
    """
    start = data.find(marker)
    if start < 0 or not data.endswith(b"}"):
        return None
    try:
        header = json.loads(data[:start] + b"}")
    except ValueError:
        return None
    if not isinstance(header, dict) or set(header) != header_keys:
        return None
    if any(isinstance(value, dict | list) for value in header.values()):
        return None
    return hashlib.sha256(data[start + len(marker) : -1]).hexdigest()


#: Pipelex 0.50 to 0.72 keep their cache at the same path, in this form and no other.
PIPELEX_CACHE_KEYS = frozenset({"schema_version", "cached_at", "raw_config"})


def _pipelex_cache(envelope: dict[str, Any]) -> CachedConfig:
    """A cache Pipelex wrote: usable as is, with no ETag and no hash to check (the payload
    still goes through the schema), labelled as Pipelex's."""
    if envelope["schema_version"] != 1:
        raise CacheUnusableError(
            f"it is a Pipelex cache of schema_version {envelope['schema_version']!r}; "
            "this version reads 1"
        )
    payload = envelope["raw_config"]
    if not isinstance(payload, dict):
        raise CacheUnusableError("its raw_config is not a JSON object")
    value = envelope["cached_at"]  # Python 3.11's fromisoformat reads a "Z" suffix too
    try:
        cached_at = _timestamp(value)
    except CacheUnusableError:
        if not isinstance(value, str):
            raise
        try:  # Pipelex writes UTC; a time without its zone is read as UTC
            cached_at = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
        except ValueError:
            raise CacheUnusableError(f"its cached_at {value!r} is not an ISO 8601 time") from None
    return CachedConfig(payload=payload, cached_at=cached_at, written_by="Pipelex")


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
