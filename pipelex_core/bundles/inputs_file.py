"""Reading ``--inputs``: inline JSON, or a JSON or TOML file, as a mapping of input name to
value. Every fault (missing, unreadable, a FIFO, too large, not JSON or TOML, an infinity,
not an object) is a usage error saying what to write instead.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

from pipelex_core import toml_text
from pipelex_core.errors import PipelexUsageError
from pipelex_core.file_read import UnreadableFileError, read_regular_file

MAX_INPUTS_BYTES = 64 * 1024 * 1024


def read_inputs_file(source: str | Path) -> dict[str, Any]:
    """``--inputs``: inline JSON when it starts with ``{``, else a JSON or TOML file."""
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return _as_inputs(_parse_json(source, "--inputs"), "--inputs")
    return _read_inputs_path(Path(source))


def _parse_json(text: str, where: str) -> Any:
    def refuse_constant(token: str) -> Any:
        raise ValueError(f"{token} is not a JSON number")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except RecursionError:
        raise PipelexUsageError(f"{where} is nested too deeply.") from None
    except ValueError as exc:
        raise PipelexUsageError(
            f"{where} is not valid JSON: {exc}.",
            "Write a JSON object of input name -> value (`pipelex inputs` prints one).",
        ) from None


def _as_inputs(data: Any, where: str) -> dict[str, Any]:
    if _has_non_finite(data):
        raise PipelexUsageError(
            f"{where} holds a number too large for JSON (an infinity).",
            "Write the number within range, or as a string if it is text.",
        )
    if not isinstance(data, dict):
        raise PipelexUsageError(
            f"{where} must hold a JSON object of input name -> value.",
            "`pipelex inputs` prints one to start from.",
        )
    return data


def _has_non_finite(value: Any) -> bool:
    """``1e400`` parses as an infinity, which JSON cannot hold (iteratively: any depth)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _read_inputs_path(path: Path) -> dict[str, Any]:
    where = f"Inputs file {path}"
    try:
        raw = read_regular_file(path, limit=MAX_INPUTS_BYTES)  # a FIFO is never waited on
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise PipelexUsageError(f"{where} does not exist.") from None
    except UnreadableFileError as exc:
        raise PipelexUsageError(f"{where} cannot be read: it is {exc.reason}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelexUsageError(f"{where} cannot be read: {exc}.") from None
    if path.suffix.lower() != ".toml":
        return _as_inputs(_parse_json(text, where), where)
    try:
        return _as_inputs(_plain_dates(toml_text.loads(text)), where)
    except RecursionError:
        raise PipelexUsageError(f"{where} is nested too deeply.") from None
    except toml_text.TomlError as exc:
        raise PipelexUsageError(
            f"{where} is not valid TOML: {exc}.",
            "Write a table of input name = value (`pipelex inputs` prints one in JSON).",
        ) from None


def _plain_dates(value: Any) -> Any:
    """TOML dates and times as the ISO strings an inputs file gives in JSON."""
    if isinstance(value, dict):
        return {key: _plain_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_dates(item) for item in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value
