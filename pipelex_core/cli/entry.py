"""The console scripts. The ``pipelex`` process is ours alone, so here (and only here, never
in the library) the cyclic garbage collector is tuned for a command that lives a fraction of
a second.

A run allocates tens of thousands of long-lived objects (modules, classes, the catalogue) and
almost no cyclic garbage; with CPython's default threshold of 700 allocations the collector
walks them some seventy times during start-up (≈ 10 ms), and once more over everything at
interpreter exit (≈ 10 to 20 ms). ``docs/benchmarks.md`` has the measurements.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import sys

#: Young collections every 50,000 net allocations instead of 700: a pathological run that
#: does make cyclic garbage is still collected, in a few large steps instead of many small.
SHORT_RUN_GC_THRESHOLD = (50_000, 20, 20)
#: Exit status when stdout is closed under us, as a shell reports a process killed by SIGPIPE.
EXIT_OUTPUT_CLOSED = 141
#: Exit status when the output cannot be written (a full disk behind stdout): like every other
#: failure of the environment, 3; the command's work may be done, its answer is lost.
EXIT_OUTPUT_UNWRITABLE = 3
#: Errors of a write to stdout that are the destination's, not ours.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def main() -> None:
    """``pipelex``."""
    _run(agent=False)


def agent_main() -> None:
    """``pipelex-agent``: the same commands, always in the JSON face."""
    _run(agent=True)


def _run(*, agent: bool) -> None:
    gc.set_threshold(*SHORT_RUN_GC_THRESHOLD)
    for stream in (sys.stdout, sys.stderr):
        # a terminal or pipe that cannot encode a path or a "…" prints an escape, not a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        from pipelex_core.cli.app import main as run_cli

        run_cli(agent=agent)
    except BrokenPipeError:
        # the reader went away (`| head`): nothing left to say, and no traceback to say it
        _discard_stdout()
        raise SystemExit(EXIT_OUTPUT_CLOSED) from None
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        # stdout cannot take the answer (`> /dev/full`): say so where it can still be read
        _discard_stdout()
        with contextlib.suppress(OSError):
            sys.stderr.write(
                f"Error: could not write the output to stdout: {exc.strerror or exc}.\n"
                "Hint: Free space where the output goes, or send it elsewhere, and run the "
                "command again.\n"
            )
            sys.stderr.flush()
        raise SystemExit(EXIT_OUTPUT_UNWRITABLE) from None
    finally:
        # What is alive now lives until exit; freezing it spares the final full collection.
        # atexit handlers still run and streams are still flushed: this skips only the walk.
        gc.freeze()


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of what could not be
    written does not fail again at exit."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
