"""TOML as the MTHDS documentation writes it: version 1.1, read fast when it is 1.0.

Pipelex's documentation writes bundles with inline tables spread over several lines
(``inputs = {`` then one input per line), which TOML 1.1 allows and the standard library's
``tomllib`` (TOML 1.0) refuses. Every 1.0 document means the same in 1.1, so a text is read
with ``tomllib`` first, and only a text it refuses is read again with ``tomli`` (>= 2.4, the
same parser, at TOML 1.1): the common case pays no import, and a document that is invalid in
both reports what TOML 1.1 finds wrong.
"""

from __future__ import annotations

import tomllib
from typing import Any


class TomlError(ValueError):
    """Text that is not TOML 1.1; the message says where and what."""


def loads(text: str) -> dict[str, Any]:
    """The document ``text`` holds; raises :class:`TomlError` (and ``RecursionError`` for
    tables nested beyond what the parser can follow)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pass
    import tomli  # only for what TOML 1.0 refuses: see the module's docstring

    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise TomlError(str(exc)) from None
