"""How a run's activity reaches a person: a transient status line, or details with ``-v``.

A fetch can take up to its deadline (10 s by default); on a terminal, a line says what is
being waited for and is erased when the fetch ends, so the screen is never silently stuck and
nothing is left behind. Never in a pipe, on a ``TERM=dumb`` terminal, with ``-q``, or in the
agent face, whose stdout is one JSON object (and whose stderr a program reads).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from typing import TextIO
from urllib.parse import urlsplit

from pipelex_core import activity

#: Back to the start of the line, and clear it: what erases the status line.
ERASE_LINE = "\r\x1b[K"


class TerminalReporter:
    """An :class:`activity.Listener` for the human face (and ``-v`` in either face)."""

    def __init__(self, stream: TextIO, *, verbose: bool, status_line: bool) -> None:
        self.stream = stream
        self.verbose = verbose
        self.status_line = status_line
        self.showing = False

    def detail(self, message: str) -> None:
        if self.verbose:
            self._write(f"pipelex: {message}\n")

    def fetch_started(self, url: str, seconds: float, fallback: bool) -> None:
        if not self.status_line:
            return
        then = ", then the cache" if fallback else ""
        line = f"Fetching the Gateway catalogue from {_where(url)} (up to {seconds:g} s{then})…"
        width = _width(self.stream)
        if len(line) >= width:  # a wrapped line could not be erased
            line = line[: max(0, width - 2)] + "…"
        self.showing = self._write(line)

    def fetch_ended(self) -> None:
        if self.showing:
            self.showing = False
            self._write(ERASE_LINE)

    def _write(self, text: str) -> bool:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or full stderr must not fail the run
            return False
        return True


def _width(stream: TextIO) -> int:
    """The width of the terminal the line goes to: stderr's, which may be a terminal while
    stdout is a pipe (``pipelex validate x > out``); ``COLUMNS`` first, as shutil reads it."""
    with contextlib.suppress(KeyError, ValueError):
        if (columns := int(os.environ["COLUMNS"])) > 0:
            return columns
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size().columns


def _where(url: str) -> str:
    """The host (and port) a person recognises, without the path, query or credentials."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


def status_line_wanted(stream: TextIO) -> bool:
    """A terminal that can erase a line: a TTY, and not ``TERM=dumb``."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return interactive and os.environ.get("TERM", "") != "dumb"


def install(*, agent_face: bool, quiet: bool, verbose: bool) -> None:
    """Install the process's listener for the face and verbosity chosen on the command line."""
    stream = sys.stderr  # None when the process started with stderr closed (2>&-)
    status_line = not (agent_face or quiet or verbose) and status_line_wanted(stream)
    if stream is None or not (status_line or verbose):
        activity.listen(None)
        return
    activity.listen(TerminalReporter(stream, verbose=verbose, status_line=status_line))
