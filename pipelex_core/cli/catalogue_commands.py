"""``pipelex models`` (the catalogue and where it came from) and ``pipelex plugins``."""

from __future__ import annotations

from typing import Any

import attrs
import click

from pipelex_core.cli.output import CliState, Outcome, remote_config_field, run_command
from pipelex_core.errors import PipelexUsageError
from pipelex_core.hookspecs import hookimpl
from pipelex_core.settings import GATEWAY_BACKEND


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(models)
    cli.add_command(plugins)


@click.command(short_help="The model catalogue, with its source.")
@click.option("--backend", metavar="NAME", help="Only the models of this backend.")
@click.pass_obj
def models(state: CliState, backend: str | None) -> int:
    """The catalogue: handle, backend, type, inputs/outputs, and its source."""
    return run_command(state, "models", lambda: _models(state, backend))


def _models(state: CliState, only: str | None) -> Outcome:
    from pipelex_core.models.byok import load_byok_backends
    from pipelex_core.runtime import setup

    settings = state.settings()
    rows: list[dict[str, Any]] = []
    runtime = setup(
        needs_model_specs=True, settings=settings, plugins=state.plugins, check_models=False
    )
    if runtime.remote_config is not None and runtime.source is not None:
        for handle, spec in runtime.remote_config.backend_model_specs.items():
            rows.append(_row(handle, GATEWAY_BACKEND, spec, runtime.source.value))
    for byok in load_byok_backends(settings):
        origin = "home" if byok.path and byok.path.is_relative_to(settings.home) else "kit"
        for handle, spec in byok.specs.items():
            rows.append(_row(handle, byok.name, spec, origin))
    if only is not None:
        known = sorted({row["backend"] for row in rows})
        if only not in known:
            raise PipelexUsageError(
                f"No enabled backend is named {only!r}.",
                f"Backends with models: {', '.join(known) or 'none'}.",
            )
        rows = [row for row in rows if row["backend"] == only]
    rows.sort(key=lambda row: (row["backend"], row["type"], row["handle"]))
    result = {"models": rows, "remote_config": remote_config_field(runtime.result)}
    width = max((len(row["handle"]) for row in rows), default=6)
    lines = [f"{'handle':<{width}}  {'backend':<16} {'type':<15} source   inputs -> outputs"]
    lines += [
        f"{row['handle']:<{width}}  {row['backend']:<16} {row['type']:<15} {row['source']:<8} "
        f"{','.join(row['inputs'])} -> {','.join(row['outputs'])}"
        for row in rows
    ]
    return Outcome(result=result, text="\n".join(lines))


def _row(handle: str, backend: str, spec: Any, source: str) -> dict[str, Any]:
    return {
        "handle": handle,
        "backend": backend,
        "type": spec.model_type,
        "inputs": list(spec.inputs),
        "outputs": list(spec.outputs),
        "costs": dict(spec.costs),
        "source": source,
    }


@click.command(short_help="Loaded plugins and their hooks.")
@click.pass_obj
def plugins(state: CliState) -> int:
    """Each loaded plugin: name, distribution and version, hooks implemented."""
    return run_command(state, "plugins", lambda: _plugins(state))


def _plugins(state: CliState) -> Outcome:
    loaded = state.booted_plugins()
    rows = [{**attrs.asdict(info), "hooks": loaded.hooks_of(info.name)} for info in loaded.infos]
    lines = [
        f"{row['name']} ({row['distribution'] or 'unknown'} {row['version'] or ''}): "
        + ", ".join(row["hooks"])
        for row in rows
    ]
    return Outcome(result={"plugins": rows}, text="\n".join(lines))
