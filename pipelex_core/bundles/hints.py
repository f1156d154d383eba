"""Intent hints: a flat table of string keys to string values, at three sites.

Hints say how a value is meant to be presented (``intent = "prose"``); they never change
what a pipe accepts or produces. Their shape is strict (a malformed table is a problem);
their content is not (an unknown key or intent word is accepted, as the standard lets the
vocabulary grow).
"""

from __future__ import annotations

from typing import Any

#: The keys an input's table form takes: ``topic = { concept = "Text", hints = {…} }``.
SLOT_KEYS = frozenset({"concept", "hints"})


def hints_error(value: Any) -> str | None:
    """Why ``value`` cannot be a `hints` table, or None when its shape is right."""
    if not isinstance(value, dict):
        return f'`hints` is a table of text values, such as {{ intent = "prose" }}, not {value!r}'
    wrong = sorted(key for key, item in value.items() if not isinstance(item, str))
    if wrong:
        return (
            f'`hints` holds only text values (a flat table such as {{ intent = "prose" }}); '
            f"{', '.join(repr(key) for key in wrong)} is not text"
        )
    return None
