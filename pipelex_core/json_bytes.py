"""JSON from bytes: a large catalogue parsed in two thirds of the time, never with another meaning.

A catalogue of thousands of models is a few megabytes of JSON, and ``json.loads`` is most of
what reading it costs. msgspec parses strict JSON (RFC 8259) into the same Python values in
about 0.65x the time, so a large document is handed to it first. It refuses what
``json.loads`` accepts beyond the RFC (``NaN`` and ``Infinity``, numbers beyond a float's
range, lone surrogates, a byte-order mark): whatever it refuses goes to ``json.loads``, which
decides exactly as it always did, so the parser never changes what a document means or how
its failure reads. A property test holds the two to the same values.

Below :data:`FAST_FROM_BYTES` the standard parser is used alone: in a command, importing
msgspec costs about 3 ms, which its parse pays back only from about a megabyte (a catalogue
of some 5,000 models; the Gateway's has 68), and the commands' start-up is a product feature.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: The size from which msgspec's import and parse cost less than ``json.loads`` in a command
#: (measured: even at 1.1 MB, 3 ms faster at 2.2 MB; docs/benchmarks.md).
FAST_FROM_BYTES = 1024 * 1024

#: Levels msgspec is called under, so that it gives up on nesting no deeper than
#: ``json.loads`` does: both count levels against a recursion limit, but ``json.loads``
#: starts from a few levels of its own (three Python frames on 3.11, one level of its C
#: scanner on 3.12), so msgspec called directly would accept a document nested a little
#: beyond what the fallback refuses. A margin beyond that only hands the edge cases to
#: ``json.loads``.
_NESTING_MARGIN = 8


def loads(data: bytes) -> Any:
    """The value ``data`` holds, as ``json.loads(data)`` returns it and raising what it raises
    (``ValueError`` for a document that is not JSON, ``RecursionError`` for one nested beyond
    what it can follow)."""
    if len(data) >= FAST_FROM_BYTES:
        import msgspec  # only for large documents: see the module's docstring

        try:
            return _under_frames(_NESTING_MARGIN, msgspec.json.decode, data)
        # beyond strict JSON: json.loads decides (DecodeError is a ValueError from 0.20 only)
        except (msgspec.DecodeError, ValueError, RecursionError):
            pass
    return json.loads(data)


def _under_frames(frames: int, decode: Callable[[bytes], Any], data: bytes) -> Any:
    """``decode(data)`` called ``frames`` levels deeper than this call. Each level is a
    Python frame entered from C (through ``map``): Python 3.11 counts the frame against the
    recursion limit, 3.12 and later count the C call against the limit the parsers' nesting
    uses, so the margin holds on every Python the project supports."""
    if frames:
        return next(map(_under_frames, (frames - 1,), (decode,), (data,)))
    return decode(data)
