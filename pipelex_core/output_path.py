"""Write an explicit output path the way a shell redirection would.

``-`` is standard output. A device, a FIFO or a symlink is written through, never replaced;
a regular file (or a new one) is replaced atomically and keeps its permission bits; a
directory or a missing parent is a usage error that names the path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipelex_core.atomic import write_atomically
from pipelex_core.errors import PipelexUsageError

STDOUT = "-"


def write_output(target: str, data: bytes) -> None:
    """Write ``data`` to ``target`` (never ``-``: the caller prints that itself)."""
    path = Path(target)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise PipelexUsageError(f"Output path {target} cannot be used: {exc.strerror}.") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise PipelexUsageError(f"Output path {target} is a directory.", "Name a file in it.")
    try:
        if info is not None and not stat.S_ISREG(info.st_mode):
            # a device, a FIFO, a symlink: written through, as `> target` would
            with open(path, "wb") as handle:
                handle.write(data)
            return
        if not path.parent.is_dir():
            raise PipelexUsageError(
                f"Output path {target}: the folder {path.parent} does not exist.",
                "Create it first, or name a path in an existing folder.",
            )
        write_atomically(path, data)
        if info is not None:
            os.chmod(path, stat.S_IMODE(info.st_mode))
    except OSError as exc:
        raise PipelexUsageError(
            f"Output path {target} cannot be written: {exc.strerror}.",
            "Check the path and its permissions; nothing was changed.",
        ) from None
