"""Read the cache the file-cache plugin wrote, both files, the way a test wants to look at it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The files the cache directory holds after a successful write, and nothing else.
CACHE_DIR_FILES = ["remote_config.json", "remote_config.json.lock", "remote_config.json.meta"]


def stored_cache(cache_file: Path) -> dict[str, Any]:
    """The shared-form file and the metadata beside it, as one dict: ``payload``,
    ``cached_at``, ``etag``, ``source_url`` and ``payload_sha256``."""
    shared = json.loads(cache_file.read_bytes())
    assert list(shared) == ["schema_version", "cached_at", "raw_config"], list(shared)
    meta = json.loads(Path(f"{cache_file}.meta").read_bytes())
    assert meta["cached_at"] == shared["cached_at"]
    return {
        "payload": shared["raw_config"],
        "cached_at": shared["cached_at"],
        "etag": meta["etag"],
        "source_url": meta["source_url"],
        "payload_sha256": meta["payload_sha256"],
    }


#: When the caches written by :func:`write_pipelex_cache` say they were fetched.
PIPELEX_CACHED_AT = "2026-11-20T08:00:00+00:00"


def write_pipelex_cache(
    cache_file: Path, payload: Any, cached_at: str = PIPELEX_CACHED_AT
) -> bytes:
    """Write the cache as Pipelex 0.50-0.72 do (exactly these three keys); the bytes written."""
    cache_file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    data = json.dumps({"schema_version": 1, "cached_at": cached_at, "raw_config": payload}).encode()
    cache_file.write_bytes(data)
    return data
