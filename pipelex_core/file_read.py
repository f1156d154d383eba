"""Read a file the tool was pointed at, whatever is really at that path.

A directory, a FIFO or a device where a file is expected must give a clear error, never a
hang (opening a FIFO waits for a writer; reading one waits for data) nor an endless read
(``/dev/zero``). So the path is opened without blocking, checked for a regular file through
the open descriptor (no race with a swap), and read with a bound.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFileError(Exception):
    """Why a path could not be read as a file; ``reason`` completes "it is …" sentences."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_regular_file(path: Path, *, limit: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`FileNotFoundError` when nothing is there, and :class:`UnreadableFileError`
    for anything else that is not a readable regular file of at most ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise UnreadableFileError("a symbolic link, which is never followed") from None
        raise UnreadableFileError(f"unreadable ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise UnreadableFileError(f"{kind}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UnreadableFileError(f"unreadable ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise UnreadableFileError(f"larger than {limit:,} bytes")
    return b"".join(chunks)
