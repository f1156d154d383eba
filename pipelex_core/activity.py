"""What a run is doing, told to whoever listens: the terminal's status line and ``--verbose``.

The core and the plugins never print progress themselves: they report it here, and the CLI
decides what a person sees (a transient line on a terminal, details on stderr with ``-v``,
nothing with ``-q`` or in a pipe). A library caller who installs no listener sees nothing.
This is deliberately not :mod:`logging`: importing it costs every command milliseconds of
start-up, and the two kinds of report here are all the CLI renders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol


class Listener(Protocol):
    """Receives a run's reports; the CLI provides one per face and verbosity."""

    def detail(self, message: str) -> None:
        """A step worth telling a person who asked for details (``-v``)."""

    def fetch_started(self, url: str, seconds: float, fallback: bool) -> None:
        """A fetch of ``url`` began; it may take up to ``seconds`` (then the cache stands in
        when ``fallback``)."""

    def fetch_ended(self) -> None:
        """The fetch announced last is over, whatever its outcome."""


_listener: Listener | None = None


def listen(listener: Listener | None) -> None:
    """Install the process's listener (None: reports go nowhere)."""
    global _listener
    _listener = listener


def report_detail(message: str) -> None:
    """Report a step (which URL, which cache file, why a fallback); shown with ``-v``."""
    if _listener is not None:
        _listener.detail(message)


@contextlib.contextmanager
def fetching(url: str, seconds: float, *, fallback: bool) -> Iterator[None]:
    """Around a fetch: a terminal shows a status line meanwhile, so the wait is explained."""
    listener = _listener
    if listener is None:
        yield
        return
    listener.fetch_started(url, seconds, fallback)
    try:
        yield
    finally:
        listener.fetch_ended()
