"""``validate``, ``inputs`` and ``run --dry-run``: the commands that need only the catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipelex_core.cli.face import CliState, Outcome, remote_config_field, run_command
from pipelex_core.errors import InferenceNotAvailableError

if TYPE_CHECKING:
    from pipelex_core.runtime import Runtime

PATH = click.Path(exists=True, path_type=Path)


def register(cli: click.Group) -> None:
    cli.add_command(validate)
    cli.add_command(inputs)
    cli.add_command(run)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=PATH)
@click.pass_obj
def validate(state: CliState, paths: tuple[Path, ...]) -> int:
    """Check bundles (files or directories of .mthds) against the catalogue."""
    return run_command(state, "validate", lambda: _validate(state, paths))


@click.command()
@click.argument("path", type=PATH)
@click.option("--pipe", "pipe_name", metavar="NAME", help="The pipe (default: main_pipe).")
@click.pass_obj
def inputs(state: CliState, path: Path, pipe_name: str | None) -> int:
    """The inputs a pipe needs, with an example value for each."""
    return run_command(state, "inputs", lambda: _inputs(state, path, pipe_name))


@click.command()
@click.argument("path", type=PATH)
@click.option("--dry-run", is_flag=True, help="Walk the pipes without inference.")
@click.option("--inputs", "inputs_file", type=PATH, metavar="FILE", help="Inputs as JSON.")
@click.option("--pipe", "pipe_name", metavar="NAME", help="The pipe (default: main_pipe).")
@click.pass_obj
def run(
    state: CliState, path: Path, dry_run: bool, inputs_file: Path | None, pipe_name: str | None
) -> int:
    """Walk the pipes without inference (--dry-run), placeholder outputs per concept."""
    return run_command(state, "run", lambda: _run(state, path, dry_run, inputs_file, pipe_name))


def _validate(state: CliState, paths: tuple[Path, ...]) -> Outcome:
    from pipelex_core.bundles.service import check_bundles

    checked = check_bundles(paths, state.settings(), state.plugins)
    library = checked.checked.library
    models = [
        {"reference": use.reference, "handle": use.resolved.handle, "backend": use.resolved.backend}
        for use in checked.checked.model_uses
    ]
    result = {
        "valid": True,
        "files": [bundle.file for bundle in library.bundles],
        "pipes": sorted(checked.checked.pipes),
        "models": _distinct(models),
        "remote_config": remote_config_field(checked.runtime.result),
    }
    count = len(checked.checked.pipes)
    text = (
        f"Valid: {count} pipe{'s' if count != 1 else ''} in {len(library.bundles)} "
        f"file{'s' if len(library.bundles) != 1 else ''}{_provenance(checked.runtime)}."
    )
    return Outcome(result=result, text=text)


def _inputs(state: CliState, path: Path, pipe_name: str | None) -> Outcome:
    from pipelex_core.bundles.inputs import input_specs, start_pipe
    from pipelex_core.bundles.service import check_bundles

    checked = check_bundles([path], state.settings(), state.plugins)
    pipe = start_pipe(checked.checked, pipe_name)
    specs = input_specs(checked.checked, pipe)
    example = {spec.name: spec.example for spec in specs}
    result = {
        "pipe": pipe.code,
        "inputs": [spec.as_dict() for spec in specs],
        "example": example,
        "remote_config": remote_config_field(checked.runtime.result),
    }
    lines = [
        f"Pipe {pipe.code!r} takes {len(specs) or 'no'} input{'s' if len(specs) != 1 else ''}:"
    ]
    lines += [f"  {s.name}: {s.concept}{' (optional)' if s.optional else ''}" for s in specs]
    lines += ["", "Example inputs file (JSON):", json.dumps(example, indent=2)]
    return Outcome(result=result, text="\n".join(lines))


def _run(
    state: CliState, path: Path, dry_run: bool, inputs_file: Path | None, pipe_name: str | None
) -> Outcome:
    if not dry_run:
        raise InferenceNotAvailableError(
            "Live inference is not available in pipelex-core: it validates and dry-runs only.",
            "Add --dry-run to walk the pipes with placeholder outputs.",
        )
    from pipelex_core.bundles.dry_run import dry_run as walk
    from pipelex_core.bundles.inputs import input_specs, match_inputs, read_inputs_file, start_pipe
    from pipelex_core.bundles.service import check_bundles

    checked = check_bundles([path], state.settings(), state.plugins)
    pipe = start_pipe(checked.checked, pipe_name)
    specs = input_specs(checked.checked, pipe)
    generated = inputs_file is None
    if inputs_file is None:
        given: dict[str, Any] = {spec.name: spec.example for spec in specs}
    else:
        given = read_inputs_file(inputs_file)
    values = match_inputs(checked.checked, specs, given, pipe)
    outcome = walk(checked.checked, pipe, values)
    result = {
        "dry_run": True,
        "pipe": outcome.pipe,
        "inputs": given,
        "inputs_generated": generated,
        "output": outcome.output,
        "trace": list(outcome.trace),
        "remote_config": remote_config_field(checked.runtime.result),
    }
    lines = [f"Dry run of {pipe.code!r}{_provenance(checked.runtime)} (no inference):"]
    if generated and specs:
        lines.append(
            "Inputs: generated example values (no --inputs given; `pipelex inputs` prints them):"
        )
        lines += [f"  {name} = {json.dumps(value)}" for name, value in given.items()]
    for step in outcome.trace:
        indent = "  " * (int(step["depth"]) + 1)
        if "binding" in step:
            lines.append(f"{indent}bind {step['binding']} -> {step['result']}")
            continue
        model = f" -> {step['model']} on {step['backend']}" if step.get("model") else ""
        skipped = f" (skipped: {step['skipped']})" if step.get("skipped") else ""
        lines.append(f"{indent}{step['pipe']} ({step['type']}){model}{skipped}")
    lines += ["", "Output (placeholder):", json.dumps(outcome.output, indent=2, default=str)]
    return Outcome(result=result, text="\n".join(lines))


def _provenance(runtime: Runtime) -> str:
    result = runtime.result
    if result is None:
        return " (BYOK)"
    if result.source.is_cached and result.cached_at is not None:
        return f" (Gateway catalogue cached at {result.cached_at.isoformat()})"
    return " (fresh Gateway catalogue)"


def _distinct(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for model in models:
        seen.setdefault(tuple(model.values()), model)
    return list(seen.values())
