"""Read and write the cache file: no torn reads, no lost caches, no followed symlinks.

The cache file is written in the shared form Pipelex reads too, and pipelex-core's metadata
(hash, ETag, source URL) goes to ``<cache>.meta`` beside it, so neither tool breaks the
other's offline fallback. Each write goes to a fresh temp file in the same directory
(``mkstemp``: exclusive, 0600), is fsynced, then renamed over its target: the metadata first,
then the cache. A crash or a full disk between the two leaves the previous cache with
metadata whose ``cached_at`` no longer matches it, which reads as a cache without metadata
(no ETag, labelled as Pipelex's format): never a wrong one. The lock beside
the file only serialises writers; correctness never depends on it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from pipelex_core import (
    CachedConfig,
    CacheUnusableError,
    PipelexError,
    UnreadableFileError,
    decode_envelope,
    encode_shared,
    read_regular_file,
    write_atomically,
)

DIR_MODE = 0o700
LOCK_SUFFIX = ".lock"
META_SUFFIX = ".meta"
MAX_CACHE_BYTES = 64 * 1024 * 1024
MAX_META_BYTES = 64 * 1024


class CacheWriteError(PipelexError):
    """The cache could not be written; the previous file, if any, is untouched."""

    domain = "cache"


def read_cache(path: Path) -> CachedConfig | None:
    """The cached config, None when there is no cache, or :class:`CacheUnusableError`.

    Whatever is at the path is checked first: a directory, a FIFO or a device is an unusable
    cache with its reason, never a crash or a hang, and a link is never followed."""
    try:
        data = read_regular_file(path, limit=MAX_CACHE_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except UnreadableFileError as exc:
        raise CacheUnusableError(f"it is {exc.reason}", path=path) from None
    try:
        return decode_envelope(data, _read_metadata(path))
    except CacheUnusableError as exc:
        raise CacheUnusableError(exc.reason, exc.hint, path=path) from None


def metadata_path(path: Path) -> Path:
    """Where pipelex-core's metadata for the cache at ``path`` lives."""
    return path.with_name(path.name + META_SUFFIX)


def _read_metadata(path: Path) -> bytes | None:
    """The metadata beside the cache, or None: anything but a small regular file is ignored,
    since the cache stands without it (it only costs the ETag)."""
    try:
        return read_regular_file(metadata_path(path), limit=MAX_META_BYTES, follow_symlinks=False)
    except (FileNotFoundError, UnreadableFileError):
        return None


def write_cache(path: Path, cached: CachedConfig, *, lock_timeout: float) -> None:
    """Atomically replace the metadata, then the cache file; raise :class:`CacheWriteError`
    on any failure (the previous cache is then intact)."""
    import filelock

    data, meta = encode_shared(cached)
    try:
        _ensure_private_dir(path.parent)
        lock = filelock.FileLock(f"{path}{LOCK_SUFFIX}", timeout=lock_timeout, mode=0o600)
        with lock:
            _refuse_what_is_not_ours(path)
            _refuse_what_is_not_ours(metadata_path(path))
            _remove_stale_temp_files(path)
            write_atomically(metadata_path(path), meta)
            write_atomically(path, data)
    except filelock.Timeout:
        raise CacheWriteError(
            f"Another process held the cache lock {path}{LOCK_SUFFIX} for over {lock_timeout:g}s; "
            "the cache was not updated.",
            "Nothing was lost; the next successful fetch will update it.",
        ) from None
    except OSError as exc:
        raise CacheWriteError(
            f"Could not write the cache {path}: {exc.strerror or exc}; "
            "the previous cache is intact.",
            "Check free space and the permissions of the cache directory.",
        ) from None


def _refuse_what_is_not_ours(path: Path) -> None:
    """A directory, FIFO or device at the cache path was put there by someone else: never
    replaced (a planted symlink is, since only the link is replaced, never its target)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return
    kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
    if stat.S_ISFIFO(mode):
        kind = "a FIFO (named pipe)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    raise CacheWriteError(
        f"Could not write the cache {path}: {kind} is there, and it is left as it is.",
        f"Move {path} out of the way; the next successful fetch will write the cache.",
    )


def remove_cache(path: Path, *, lock_timeout: float) -> str | None:
    """Delete the cache file and its metadata (never the lock: another process may hold it);
    the cache's path, or None when there was nothing to remove."""
    import filelock

    meta = metadata_path(path)
    if not any(p.exists() or p.is_symlink() for p in (path, meta)):
        return None
    try:
        with filelock.FileLock(f"{path}{LOCK_SUFFIX}", timeout=lock_timeout, mode=0o600):
            path.unlink(missing_ok=True)
            if not meta.is_dir():
                meta.unlink(missing_ok=True)
    except filelock.Timeout:
        raise CacheWriteError(
            f"Another process held the cache lock {path}{LOCK_SUFFIX}; nothing was removed.",
            "Try again in a moment.",
        ) from None
    except OSError as exc:
        raise CacheWriteError(
            f"Could not remove the cache {path}: {exc.strerror or exc}."
        ) from None
    return str(path)


def _remove_stale_temp_files(path: Path) -> None:
    """Temp files left by a writer killed mid-write (SIGKILL, power loss).

    Called under the lock, so no live writer of ours owns one; a temp file is never the
    cache itself, so removing it loses nothing.
    """
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if stale.is_symlink() or stale.is_file():
                stale.unlink()  # unlinking a symlink removes the link, never its target


def _ensure_private_dir(directory: Path) -> None:
    if not directory.is_dir():
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(directory, DIR_MODE)
