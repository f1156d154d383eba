"""``pipelex init``: write the config files and, for the Gateway, prime the cache once.

Existing files that would change are kept unless ``--force``: init never silently
overwrites a user's configuration. Priming failing (offline, say) is a warning: init still
succeeds and leaves any existing cache as it was.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from pipelex_core.cli.output import CliState, Outcome, remote_config_field, run_command
from pipelex_core.errors import (
    ConfigurationError,
    PipelexError,
    PipelexUsageError,
    TermsNotAcceptedError,
)
from pipelex_core.hookspecs import hookimpl
from pipelex_core.kit import kit_file
from pipelex_core.settings import (
    BACKENDS_FILE,
    GATEWAY_BACKEND,
    SERVICE_FILE,
    Settings,
    home_from_env,
    read_toml,
)

TERMS = (
    "The Pipelex Gateway serves models under the Pipelex terms of service; using it sends "
    "anonymous usage telemetry unless DO_NOT_TRACK=1 or PIPELEX_TELEMETRY=0."
)


class CachePrimingWarning(UserWarning):
    """``init`` could not prime the remote-config cache; it still succeeded."""


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(init)


@click.command(short_help="Write the config files; prime the cache.")
@click.option("--gateway", is_flag=True, help="Use the Pipelex Gateway.")
@click.option("--byok", is_flag=True, help="Use your own keys (no Gateway, no network).")
@click.option("--accept-terms", is_flag=True, help="Accept the Gateway's terms of service.")
@click.option("--remote-config-url", metavar="URL", help="Fetch the Gateway catalogue from URL.")
@click.option("--force", is_flag=True, help="Overwrite existing config files that differ.")
@click.pass_obj
def init(
    state: CliState,
    gateway: bool,
    byok: bool,
    accept_terms: bool,
    remote_config_url: str | None,
    force: bool,
) -> int:
    """Write the config files; with the Gateway and terms accepted, prime the cache."""
    if gateway and byok:  # two flags, not a --gateway/--byok pair, so that both can be seen
        raise click.UsageError("--gateway and --byok contradict each other: give one.")
    use_gateway = True if gateway else (False if byok else None)
    return run_command(
        state,
        "init",
        lambda: _init(state, use_gateway, accept_terms, remote_config_url, force),
    )


def _interactive(state: CliState) -> bool:
    return not state.json and sys.stdin.isatty()


def _init(
    state: CliState,
    use_gateway: bool | None,
    accept_terms: bool,
    remote_config_url: str | None,
    force: bool,
) -> Outcome:
    if remote_config_url is not None:
        from pipelex_core.url_policy import check_url_allowed

        check_url_allowed(remote_config_url)
    interactive = _interactive(state)
    if use_gateway is None:
        use_gateway = interactive and click.confirm(
            "Use the Pipelex Gateway (one key for every model)? Otherwise your own keys (BYOK)",
            default=False,
            err=True,
        )
    if use_gateway and not accept_terms:
        if interactive:
            accept_terms = click.confirm(f"{TERMS}\nAccept the terms?", default=False, err=True)
        if not accept_terms:
            raise TermsNotAcceptedError(
                "The Pipelex Gateway needs its terms of service accepted.",
                "Re-run with --accept-terms, or use your own keys with --byok.",
            )

    home = home_from_env(os.environ)
    contents = {
        BACKENDS_FILE: backends_toml(gateway=use_gateway),
        SERVICE_FILE: service_toml(url=remote_config_url, terms_accepted=accept_terms),
    }
    contents = {name: checked_toml(name, text) for name, text in contents.items()}
    files = write_config_files(home, contents, force=force)

    result: dict[str, Any] = {
        "home": str(home),
        "gateway": use_gateway,
        "terms_accepted": accept_terms,
        "files": files,
        "cache_primed": False,
        "cache_priming_error": None,
        "remote_config": None,
    }
    lines = [f"Wrote the {'Gateway' if use_gateway else 'BYOK'} configuration in {home}:"]
    lines += [f"  {entry['path']}: {entry['status']}" for entry in files]
    if use_gateway:
        _prime(state, Settings.load(), result, lines)
    return Outcome(result=result, text="\n".join(lines))


def _prime(state: CliState, settings: Settings, result: dict[str, Any], lines: list[str]) -> None:
    from pipelex_core.runtime import setup

    try:
        runtime = setup(
            needs_model_specs=True,
            require_fresh=True,
            settings=settings,
            plugins=state.booted_plugins(),
            check_models=False,
        )
    except PipelexError as exc:
        result["cache_priming_error"] = exc.message
        warnings.warn(
            CachePrimingWarning(
                f"Could not prime the remote-config cache: {exc.message} The configuration was "
                "written; run `pipelex cache refresh` while online."
            ),
            stacklevel=2,
        )
        lines.append("Cache not primed (see the warning); any existing cache was left as it was.")
        return
    result["cache_primed"] = runtime.cache_written
    if not runtime.cache_written:
        result["cache_priming_error"] = "the fetched config could not be written to the cache"
    result["remote_config"] = remote_config_field(runtime.result)
    models = len(runtime.remote_config.backend_model_specs) if runtime.remote_config else 0
    lines.append(
        f"Primed the cache with {models} Gateway models ({settings.cache_path})."
        if runtime.cache_written
        else "Fetched the Gateway catalogue but could not cache it (see the warning)."
    )


def backends_toml(*, gateway: bool) -> str:
    """The kit's backends.toml with the Gateway switched on or off."""
    kit = read_toml(kit_file(BACKENDS_FILE))
    lines = [
        "# Written by `pipelex init`. Backends that serve models; API keys are read from the",
        "# environment variables named here, and only for inference.",
        "",
        f"[{GATEWAY_BACKEND}]",
        f"enabled = {'true' if gateway else 'false'}",
    ]
    for name, table in kit.items():
        if name == GATEWAY_BACKEND:
            continue
        lines += ["", f"[{name}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def service_toml(*, url: str | None, terms_accepted: bool) -> str:
    lines = ["# Written by `pipelex init`."]
    if url is not None:
        lines.append(f"remote_config_url = {_toml_value(url)}")
    lines += ["", "[agreement]", f"terms_accepted = {'true' if terms_accepted else 'false'}"]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    return str(value)


#: TOML's short escapes; any other control character is written as ``\uXXXX``.
_TOML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(value: str) -> str:
    """A TOML basic string that reads back as ``value``, whatever characters it holds."""
    out = []
    for char in value:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def checked_toml(name: str, text: str) -> str:
    """``text`` if it reads back as TOML: a file ``init`` writes must never break later runs."""
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # a bug here, caught before anything is written
        raise RuntimeError(f"init produced invalid TOML for {name}: {exc}") from exc
    return text


def write_config_files(
    home: Path, contents: dict[str, str], *, force: bool
) -> list[dict[str, str]]:
    """Write each file atomically (0600 in a 0700 home); refuse to change one without force.

    Every existing file is read before any is written, so a file that cannot be read (a
    directory in its place, say) stops the run before anything changed."""
    from pipelex_core.atomic import write_atomically

    wanted = {name: text.encode("utf-8") for name, text in contents.items()}
    existing = {name: _current_bytes(home, name) for name in contents}
    conflicts = [name for name in contents if existing[name] not in (None, wanted[name])]
    if conflicts and not force:
        names = ", ".join(str(home / name) for name in conflicts)
        raise PipelexUsageError(
            f"Refusing to overwrite existing configuration that differs: {names}.",
            "Re-run with --force to replace it (or edit the files by hand).",
        )
    try:
        home.mkdir(parents=True, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise _config_path_error(home, home, exc) from None
    statuses = []
    for name, data in wanted.items():
        path = home / name
        if existing[name] == data:
            statuses.append({"path": str(path), "status": "unchanged"})
            continue
        try:
            write_atomically(path, data)
        except OSError as exc:
            raise _config_path_error(home, path, exc) from None
        status = "written" if existing[name] is None else "replaced"
        statuses.append({"path": str(path), "status": status})
    return statuses


def _current_bytes(home: Path, name: str) -> bytes | None:
    """Compared as bytes: a file in another encoding differs, it does not crash."""
    from pipelex_core.file_read import UnreadableFileError, read_regular_file
    from pipelex_core.settings import MAX_CONFIG_BYTES

    path = home / name
    try:
        return read_regular_file(path, limit=MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return None
    except UnreadableFileError as exc:
        raise ConfigurationError(
            f"Cannot write the configuration in {home}: {path}: it is {exc.reason}.",
            f"Move {path} out of the way, then run `pipelex init` again.",
            path=path,
        ) from None
    except OSError as exc:
        raise _config_path_error(home, path, exc) from None


def _config_path_error(home: Path, path: Path, exc: OSError) -> ConfigurationError:
    """An unreadable or unwritable config path is the user's to fix, not a crash."""
    return ConfigurationError(
        f"Cannot write the configuration in {home}: {path}: {exc.strerror or exc}.",
        "Check that PIPELEX_HOME is a directory you can write to, with no directory where "
        "a config file should be (`pipelex doctor` lists them).",
        path=path,
    )
