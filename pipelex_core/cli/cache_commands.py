"""``pipelex cache show | refresh | clear | export FILE | import FILE``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import click

from pipelex_core.cli.output import CliState, Outcome, remote_config_field, run_command
from pipelex_core.errors import (
    CacheUnusableError,
    PipelexError,
    PipelexUsageError,
    RemoteConfigUnavailableError,
)
from pipelex_core.hookspecs import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(cache)


@click.group(no_args_is_help=False)
def cache() -> None:
    """Inspect and manage the remote-config cache."""


@cache.command()
@click.pass_obj
def show(state: CliState) -> int:
    """What the cache holds: presence, age, validity, source."""
    return run_command(state, "cache show", lambda: _show(state))


def _show(state: CliState) -> Outcome:
    from pipelex_core.config_source import CacheStatus, describe_age, inspect_cache

    cache = inspect_cache(state.booted_plugins(), state.settings())
    report = cache.report()
    if cache.status is CacheStatus.ABSENT:
        text = f"No cache at {cache.path}."
    elif cache.status is CacheStatus.UNUSABLE:
        text = f"The cache at {cache.path} is unusable: {report['reason']}."
    else:
        text = (
            f"Cache at {cache.path}: {report['models']} models, cached at "
            f"{report['cached_at']} ({describe_age(report['age_seconds'])}), "
            f"from {report['source_url']}."
        )
        if "written_by" in report:
            text += f" Written by {report['written_by']}, read in its format (no ETag)."
    return Outcome(result={"cache": report}, text=text)


@cache.command()
@click.pass_obj
def refresh(state: CliState) -> int:
    """Fetch the remote config now and cache it (fresh data only)."""
    return run_command(state, "cache refresh", lambda: _refresh(state))


def _refresh(state: CliState) -> Outcome:
    from pipelex_core.config_source import inspect_cache
    from pipelex_core.runtime import setup

    settings = state.settings()
    if not settings.gateway_enabled:
        raise PipelexUsageError(
            "The Pipelex Gateway is disabled, so there is no remote config to cache.",
            "Enable it with `pipelex init --gateway --accept-terms` (or PIPELEX_GATEWAY=1).",
        )
    plugins = state.booted_plugins()
    runtime = setup(
        needs_model_specs=True,
        require_fresh=True,
        settings=settings,
        plugins=plugins,
        check_models=False,
    )
    report = inspect_cache(plugins, settings).report()
    result = {
        "cache": report,
        "stored": runtime.cache_written,
        "remote_config": remote_config_field(runtime.result),
    }
    models = len(runtime.remote_config.backend_model_specs) if runtime.remote_config else 0
    if not runtime.cache_written:  # caching is this command's whole job: not done is not ok
        failure = CacheNotRefreshedError(
            f"Fetched fresh data but could not write the cache at {report['path']} (see the "
            "warning for why); the previous cache, if any, is unchanged.",
            "Fix what the warning names (space, permissions, what is at the path), then run "
            "`pipelex cache refresh` again; `pipelex doctor` shows the cache.",
        )
        return Outcome(result=result, text=failure.message, problem=failure)
    return Outcome(result=result, text=f"Refreshed the cache: {models} models at {report['path']}.")


class CacheNotRefreshedError(PipelexError):
    """``cache refresh`` fetched fresh data but no cache plugin could store it: exit 3."""

    domain = "cache"


@cache.command()
@click.pass_obj
def clear(state: CliState) -> int:
    """Delete the cache (offline Gateway runs will then fail until the next fetch)."""
    return run_command(state, "cache clear", lambda: _clear(state))


def _clear(state: CliState) -> Outcome:
    settings = state.settings()
    removed = [
        entry for entry in state.booted_plugins().clear_cached_config(settings=settings) if entry
    ]
    text = "Removed " + ", ".join(removed) + "." if removed else "There was no cache to remove."
    return Outcome(result={"removed": removed}, text=text)


@cache.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
def export_(state: CliState, file: Path, force: bool) -> int:
    """Write the cache envelope to FILE, or - for stdout (to carry it into a sandbox)."""
    return run_command(state, "cache export", lambda: _export(state, file, force))


def _export(state: CliState, file: Path, force: bool) -> Outcome:
    from pipelex_core.cache_envelope import encode_envelope
    from pipelex_core.config_source import inspect_cache
    from pipelex_core.output_path import write_output

    settings = state.settings()
    state_of_cache = inspect_cache(state.booted_plugins(), settings)
    cached = state_of_cache.usable_entry
    report = state_of_cache.report()
    if cached is None:
        reason = report["reason"]
        raise RemoteConfigUnavailableError(
            f"There is no usable cache to export ({reason}).",
            "Prime it with `pipelex init` or `pipelex cache refresh` while online.",
            url=settings.remote_config_url,
            fetch_error=None,
            cache_state=state_of_cache.status.value,
            cache_path=settings.cache_path,
        )
    data = encode_envelope(cached)
    if str(file) == "-":
        if state.json:
            raise PipelexUsageError(
                "`cache export -` writes to stdout, which the agent face keeps for its one "
                "JSON object.",
                "Export to a file instead.",
            )
        return Outcome(result={}, text=data.decode("utf-8").rstrip("\n"))
    try:
        info = os.lstat(file)
    except OSError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode) and not force:
        raise PipelexUsageError(
            f"{file} already exists; nothing was written.",
            "Add --force to replace it, or export to another path.",
        )
    write_output(str(file), data)
    return Outcome(
        result={"file": str(file), "cached_at": report["cached_at"], "models": report["models"]},
        text=f"Exported the cache from {report['cached_at']} "
        f"({report['models']} models) to {file}.",
    )


@cache.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(state: CliState, file: Path) -> int:
    """Install FILE (a `cache export`) as the cache, after checking hash and payload."""
    return run_command(state, "cache import", lambda: _import(state, file))


#: An export holds one remote config (at most 16 MiB) and its envelope: anything larger is not one.
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def _import(state: CliState, file: Path) -> Outcome:
    from pipelex_core.cache_envelope import decode_envelope
    from pipelex_core.file_read import UnreadableFileError, read_regular_file
    from pipelex_core.remote_config import RemoteConfig

    settings = state.settings()
    try:
        data = read_regular_file(file, limit=MAX_IMPORT_BYTES)
    except (FileNotFoundError, UnreadableFileError) as exc:
        reason = exc.reason if isinstance(exc, UnreadableFileError) else "missing"
        raise PipelexUsageError(
            f"{file} cannot be imported: it is {reason}.",
            "Give the file `pipelex cache export FILE` wrote.",
        ) from None
    try:
        cached = decode_envelope(data)
    except CacheUnusableError as exc:
        raise CacheUnusableError(
            f"{file} cannot be imported: {exc.reason}.",
            "Export it again with `pipelex cache export FILE`.",
            path=file,
        ) from None
    config = RemoteConfig.from_payload(cached.payload)
    if not state.booted_plugins().import_cached_config(cached=cached, settings=settings):
        raise CacheUnusableError(
            "No cache plugin stored the import (is pipelex_file_cache disabled?)."
        )
    models = len(config.backend_model_specs)
    return Outcome(
        result={"file": str(file), "cached_at": cached.cached_at.isoformat(), "models": models},
        text=f"Imported a cache from {cached.cached_at.isoformat()} ({models} models).",
    )
