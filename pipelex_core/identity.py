"""Who is asking: pipelex-core's version and the User-Agent every request it makes carries.

One place, so the fetcher, telemetry and ``--version`` agree; a server operator reading logs
can tell which release, Python and platform sent a request.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform


@functools.cache
def pipelex_core_version() -> str:
    """The installed pipelex-core version ("unknown" when run from a source tree)."""
    try:
        return importlib.metadata.version("pipelex-core")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def user_agent() -> str:
    """``pipelex-core/<version> python/<x.y> <platform>``."""
    python = ".".join(platform.python_version_tuple()[:2])
    return f"pipelex-core/{pipelex_core_version()} python/{python} {platform.system().lower()}"
