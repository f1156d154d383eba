"""Two faces, one behaviour: every command's outcome, warnings and errors, rendered once.

Humans get text on stdout, warnings in yellow and errors in red with their hint on stderr,
and no traceback for an expected failure unless ``--debug``. Agents (``pipelex-agent`` or
``pipelex --json``) get exactly one JSON object on stdout. Both get the same exit code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import click

from pipelex_core.errors import (
    AbortedError,
    PipelexError,
    PipelexUsageError,
    RemoteConfigStaleWarning,
)
from pipelex_core.settings import Settings

if TYPE_CHECKING:
    from pipelex_core.hook_payloads import RemoteConfigResult
    from pipelex_core.plugins import Plugins

EXIT_OK = 0
EXIT_VERDICT = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4
#: click's convention for an abort (its "Aborted!"), shared with the verdict code.
EXIT_ABORTED = 1


@attrs.frozen
class Outcome:
    """What a command produced: the agent's ``result`` and the human's text.

    ``problem`` turns the outcome into a negative verdict (exit 1) that still carries its
    result, as ``doctor`` and ``--check`` need.
    """

    result: dict[str, Any]
    text: str = ""
    problem: PipelexError | None = None


@attrs.define
class CliState:
    """Per-process CLI state: the face, and the plugins booted once for every command."""

    json: bool = False
    debug: bool = False
    plugins: Plugins | None = None

    def settings(self) -> Settings:
        return Settings.load()

    def booted_plugins(self) -> Plugins:
        """The plugins ``main`` booted before parsing (every command runs after that)."""
        if self.plugins is None:
            raise RuntimeError("the CLI's plugins were not booted before the command ran")
        return self.plugins


def remote_config_field(result: RemoteConfigResult | None) -> dict[str, Any] | None:
    """The envelope's ``remote_config``: provenance of the catalogue (``runtime.result``),
    None for BYOK."""
    if result is None:
        return None
    return {
        "source": result.source.value,
        "cached_at": result.cached_at.isoformat() if result.cached_at else None,
    }


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, AbortedError):
        return EXIT_ABORTED
    if isinstance(error, PipelexUsageError | click.UsageError):
        return EXIT_USAGE
    if isinstance(error, PipelexError):
        return EXIT_VERDICT if error.is_verdict else EXIT_ENVIRONMENT
    return EXIT_INTERNAL


def error_object(error: BaseException) -> dict[str, Any]:
    if isinstance(error, PipelexError):
        return {
            "type": type(error).__name__,
            "message": error.message,
            "hint": error.hint,
            "domain": error.domain,
            "retryable": error.retryable,
            **error.details(),
        }
    if isinstance(error, click.UsageError):
        return {
            "type": "UsageError",
            "message": error.format_message(),
            "hint": "Run with --help for usage.",
            "domain": "usage",
            "retryable": False,
        }
    from pipelex_core.url_policy import redact_text

    return {
        "type": "InternalError",
        "message": redact_text(f"{type(error).__name__}: {error}"),
        "hint": "This is a bug in pipelex-core: re-run with --debug for the traceback, "
        "and report it.",
        "domain": "internal",
        "retryable": False,
    }


def warning_object(warning: warnings.WarningMessage) -> dict[str, Any]:
    category = warning.category.__name__
    entry: dict[str, Any] = {
        "type": category.removesuffix("Warning") or category,
        "message": str(warning.message),
    }
    if isinstance(warning.message, RemoteConfigStaleWarning):
        entry["cached_at"] = warning.message.cached_at.isoformat()
    return entry


def emit(
    state: CliState,
    command: str | None,
    *,
    outcome: Outcome | None = None,
    error: BaseException | None = None,
    caught: Sequence[warnings.WarningMessage] = (),
) -> int:
    """Print the outcome in the chosen face and return the exit code."""
    shown = [w for w in caught if issubclass(w.category, UserWarning)]
    failure = error if error is not None else (outcome.problem if outcome else None)
    code = exit_code_for(failure) if failure is not None else EXIT_OK
    if state.json:
        envelope: dict[str, Any] = {
            "schema_version": ENVELOPE_SCHEMA_VERSION,
            "ok": failure is None,
            "command": command,
        }
        if outcome is not None:
            envelope["result"] = outcome.result
        if failure is not None:
            envelope["error"] = error_object(failure)
            if state.debug:  # the traceback --debug promises, inside the one JSON object
                envelope["error"]["traceback"] = debug_traceback(failure)
        envelope["warnings"] = [warning_object(w) for w in shown]
        sys.stdout.write(strict_json(envelope) + "\n")
        sys.stdout.flush()
        return code
    color = colour_wanted()
    for warning in shown:
        click.secho(f"Warning: {warning.message}", fg="yellow", err=True, color=color)
    if outcome is not None and outcome.text:
        click.echo(outcome.text)
    if failure is not None:
        _print_error(state, failure)
    return code


def _print_error(state: CliState, error: BaseException) -> None:
    details = error_object(error)
    color = colour_wanted()
    click.secho(f"Error: {details['message']}", fg="red", err=True, color=color)
    if details.get("hint"):
        click.secho(f"Hint: {details['hint']}", fg="red", err=True, color=color)
    if state.debug:
        click.echo(debug_traceback(error), err=True)


def debug_traceback(error: BaseException) -> str:
    """The traceback ``--debug`` shows, chained causes included, with every URL's credentials
    and query string removed: the HTTP stack's messages repeat the URL whole."""
    import traceback

    from pipelex_core.url_policy import redact_text

    return redact_text("".join(traceback.format_exception(error)))


#: The agent envelope's version: a new key may appear without a change here; removing or
#: renaming a key, or changing what one means, takes a new version, and a new schema file
#: beside ``pipelex_core/schemas/agent-v1.json`` (docs/agent.md, "Compatibility").
ENVELOPE_SCHEMA_VERSION = 1


def colour_wanted() -> bool | None:
    """The colour conventions of no-color.org and force-color.org: ``NO_COLOR`` (any non-empty
    value) turns colour off even on a terminal, ``FORCE_COLOR`` (non-empty) turns it on even in
    a pipe, ``TERM=dumb`` is off; otherwise None: click colours a terminal only."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return None


def strict_json(value: Any, indent: int | None = None) -> str:
    """Exactly one JSON document whatever the output encoding: ASCII escapes, and a
    non-finite number (which JSON cannot hold) as null."""
    try:
        return json.dumps(
            value, default=_json_default, ensure_ascii=True, allow_nan=False, indent=indent
        )
    except ValueError:
        return json.dumps(_finite(value), default=_json_default, ensure_ascii=True, indent=indent)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _json_default(value: object) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def run_command(state: CliState, command: str, body: Callable[[], Outcome]) -> int:
    """Run ``body`` with warnings captured and every failure turned into an exit code."""
    with _capture() as caught:
        try:
            outcome = body()
        except (PipelexError, click.UsageError) as exc:
            return emit(state, command, error=exc, caught=caught)
        except (click.Abort, KeyboardInterrupt):
            return emit(state, command, error=aborted(), caught=caught)
        except Exception as exc:  # an unexpected failure: exit 4, traceback with --debug
            return emit(state, command, error=exc, caught=caught)
    return emit(state, command, outcome=outcome, caught=caught)


def aborted() -> AbortedError:
    return AbortedError(
        "Aborted.",
        "Stopped before finishing; files are written whole or not at all, so run "
        "the command again.",
    )


@contextlib.contextmanager
def _capture() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
