"""The root ``pipelex`` group and its `main` (both faces).

Plugins are booted once, before parsing, because ``register_commands`` adds commands to the
group: the built-in commands' modules implement it exactly as a third party's plugin does.
Every command then reuses the same plugins.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Sequence

import click

from pipelex_core.cli.output import CliState, Outcome, aborted, emit
from pipelex_core.errors import PipelexError
from pipelex_core.plugins import Plugins
from pipelex_core.settings import disabled_plugins_from_env

ROOT_EPILOG = """\b
Examples:
  pipelex validate my_method.mthds          check a bundle (offline, BYOK)
  pipelex run my_method.mthds --dry-run     run it without inference
  pipelex-agent validate my_method.mthds    the same, as one JSON object
  pipelex init --gateway --accept-terms     use the Gateway; prime its cache

\b
Environment:
  PIPELEX_HOME               config and cache directory (default ~/.pipelex)
  PIPELEX_GATEWAY            1/0: the Gateway on or off (else backends.toml)
  PIPELEX_OFFLINE            1: never fetch; use the cache
  PIPELEX_REMOTE_CONFIG_URL  the Gateway catalogue's URL
  PIPELEX_FETCH_DEADLINE     seconds a fetch may take (default 10)
  PIPELEX_CACHE_LOCK_TIMEOUT seconds to wait for the cache lock
  PIPELEX_DISABLE_PLUGINS    comma-separated plugin names to skip
  PIPELEX_TELEMETRY, DO_NOT_TRACK   telemetry opt-outs
  SSL_CERT_FILE, SSL_CERT_DIR  CAs to trust (a company's) instead of the system's
  REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE  the same, read first
  HTTPS_PROXY, ALL_PROXY, NO_PROXY    the proxy to fetch through; hosts that bypass it
  NO_COLOR, FORCE_COLOR      colour off / on

\b
Exit codes:
  0 success   1 negative verdict or aborted   2 usage error
  3 the environment prevents a verdict (network, cache, config, plugin)
  4 internal error (a bug: --debug shows the traceback)
"""


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=False,
    epilog=ROOT_EPILOG,
)
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON object (agent mode).")
@click.option("--debug", is_flag=True, help="Show tracebacks for failures.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No status line or details: results, warnings, errors."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Tell each step on stderr (URLs, cache, fallbacks)."
)
@click.version_option(package_name="pipelex-core", prog_name="pipelex")
@click.pass_obj
def cli(state: CliState, json_mode: bool, debug: bool, quiet: bool, verbose: bool) -> None:
    """Pipelex pipelines that keep working offline, with every result labelled."""
    state.json = state.json or json_mode
    state.debug = debug
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose contradict each other: give one.")
    from pipelex_core.cli import progress

    progress.install(agent_face=state.json, quiet=quiet, verbose=verbose)


#: Options of the root group that may also be written after the command
#: (``pipelex validate --json FILE``), as agents and people do write them.
ANYWHERE_FLAGS = ("--json", "--debug", "-q", "--quiet", "-v", "--verbose")


def main(argv: Sequence[str] | None = None, *, agent: bool = False) -> None:
    given = list(sys.argv[1:] if argv is None else argv)
    options, rest = _split_at_double_dash(given)
    options = [flag for arg in options for flag in _unbundled(arg)]
    state = CliState(json=agent or "--json" in options, debug="--debug" in options)
    try:
        state.plugins = Plugins.boot(disabled=disabled_plugins_from_env(os.environ), commands=True)
        state.plugins.register_commands(cli=cli)
    except PipelexError as exc:
        sys.exit(emit(state, _command_of(given), error=exc))
    named = _commands_in(options)
    own = _options_of(named[-1][1]) if named else set()  # a command's own -v is not the root's
    flags = [flag for flag in ANYWHERE_FLAGS if flag in options and flag not in own]
    args = flags + [arg for arg in options if arg not in flags] + rest
    state.json = agent or "--json" in flags
    state.debug = "--debug" in flags
    if state.json and _asks_for_text(args):
        sys.exit(_text_in_envelope(state, args))
    try:
        code = cli.main(args, prog_name="pipelex", standalone_mode=False, obj=state)
    except click.UsageError as exc:
        sys.exit(emit(state, _command_of(args), error=exc))
    except (click.Abort, KeyboardInterrupt):
        sys.exit(emit(state, _command_of(args), error=aborted()))
    sys.exit(code if isinstance(code, int) else 0)


def _unbundled(arg: str) -> list[str]:
    """``-qv`` as ``-q -v`` (click reads bundled short flags that way at the root; so must the
    search for root flags written after the command)."""
    letters = arg[1:]
    if arg.startswith("-") and len(letters) > 1 and set(letters) <= {"q", "v"}:
        return [f"-{letter}" for letter in letters]
    return [arg]


def _asks_for_text(args: Sequence[str]) -> bool:
    return any(arg in ("-h", "--help", "--version") for arg in args)


def _text_in_envelope(state: CliState, args: Sequence[str]) -> int:
    """In the agent face, ``--help`` and ``--version`` come back inside the one JSON object.

    Only click's text is captured: the envelope, a usage error's included, goes to stdout."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            cli.main(args, prog_name="pipelex", standalone_mode=False, obj=state)
    except click.UsageError as exc:
        return emit(state, _command_of(args), error=exc)
    if "--version" in args:  # no command takes --version: the root's answered, whatever follows
        return emit(state, "version", outcome=Outcome(result=_version()))
    return emit(
        state, _helped_command(args) or "help", outcome=Outcome(result={"help": buffer.getvalue()})
    )


def _helped_command(args: Sequence[str]) -> str | None:
    """The command whose help click printed: the one named before the first ``-h``/``--help``
    (``--help validate`` is the root's help, ``cache --help show`` the cache group's)."""
    first = next(i for i, arg in enumerate(args) if arg in ("-h", "--help"))
    return _command_of(args[:first])


def _version() -> dict[str, str]:
    """The version as data, not click's sentence: ``{"version": "0.1.0", "python": …}``."""
    import platform

    from pipelex_core.identity import pipelex_core_version

    return {
        "version": pipelex_core_version(),
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
    }


def _split_at_double_dash(args: list[str]) -> tuple[list[str], list[str]]:
    """The arguments before ``--`` (where options are read) and from it on (kept as given)."""
    if "--" not in args:
        return args, []
    index = args.index("--")
    return args[:index], args[index:]


def _command_of(args: Sequence[str]) -> str | None:
    """The command's full name (``cache show``), the same string its success would report,
    as far as the words name commands; None when no word does."""
    named = _commands_in(args)
    if named:
        return " ".join(name for name, _ in named)
    words = [a for a in args if not a.startswith("-")]
    return words[0] if words else None


def _commands_in(args: Sequence[str]) -> list[tuple[str, click.Command]]:
    """The commands the words of ``args`` name, outermost first (``cache``, then ``show``)."""
    named: list[tuple[str, click.Command]] = []
    group: click.Command = cli
    for word in (a for a in args if not a.startswith("-")):
        if not isinstance(group, click.Group) or word not in group.commands:
            break
        group = group.commands[word]
        named.append((word, group))
    return named


def _options_of(command: click.Command) -> set[str]:
    """The option names a command defines itself: a plugin's ``-v`` is its own, not the root's."""
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
