"""Read and write the cache file: no torn reads, no lost caches, no followed symlinks.

A write goes to a fresh temp file in the same directory (``mkstemp``: exclusive, 0600),
is fsynced, then renamed over the cache. The lock beside the file only serialises writers;
correctness never depends on it, so losing it costs duplicated work, not a corrupt cache.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from pipelex_core import (
    CachedConfig,
    CacheUnusableError,
    PipelexError,
    decode_envelope,
    encode_envelope,
    write_atomically,
)

DIR_MODE = 0o700
LOCK_SUFFIX = ".lock"
MAX_CACHE_BYTES = 64 * 1024 * 1024


class CacheWriteError(PipelexError):
    """The cache could not be written; the previous file, if any, is untouched."""

    domain = "cache"


def read_cache(path: Path) -> CachedConfig | None:
    """The cached config, None when there is no cache, or :class:`CacheUnusableError`."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CacheUnusableError(
                "it is a symbolic link, which is never followed", path=path
            ) from None
        raise CacheUnusableError(f"it cannot be read ({exc.strerror})", path=path) from None
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_CACHE_BYTES + 1)
        except OSError as exc:
            raise CacheUnusableError(f"it cannot be read ({exc.strerror})", path=path) from None
    if len(data) > MAX_CACHE_BYTES:
        raise CacheUnusableError("it is larger than any remote config should be", path=path)
    try:
        return decode_envelope(data)
    except CacheUnusableError as exc:
        raise CacheUnusableError(exc.reason, exc.hint, path=path) from None


def write_cache(path: Path, cached: CachedConfig, *, lock_timeout: float) -> None:
    """Atomically replace the cache file; raise :class:`CacheWriteError` on any failure."""
    import filelock

    data = encode_envelope(cached)
    try:
        _ensure_private_dir(path.parent)
        lock = filelock.FileLock(f"{path}{LOCK_SUFFIX}", timeout=lock_timeout, mode=0o600)
        with lock:
            _remove_stale_temp_files(path)
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


def remove_cache(path: Path, *, lock_timeout: float) -> str | None:
    """Delete the cache file (never the lock: another process may hold it)."""
    import filelock

    if not path.exists() and not path.is_symlink():
        return None
    try:
        with filelock.FileLock(f"{path}{LOCK_SUFFIX}", timeout=lock_timeout, mode=0o600):
            path.unlink(missing_ok=True)
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
