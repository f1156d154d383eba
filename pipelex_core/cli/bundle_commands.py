"""``validate``, ``inputs`` and ``run --dry-run``: the commands that need only the catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipelex_core.cli.output import (
    CliState,
    Outcome,
    remote_config_field,
    run_command,
    strict_json,
)
from pipelex_core.errors import InferenceNotAvailableError, PipelexUsageError
from pipelex_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from pipelex_core.bundles.pipe_specs import PipeSpec
    from pipelex_core.bundles.service import CheckedBundles
    from pipelex_core.runtime import Runtime

PATH = click.Path(exists=True, path_type=Path)
ALLOW_SIGNATURES = click.option(
    "--allow-signatures",
    is_flag=True,
    help="Accept methods that reach unimplemented signatures (dry runs mock them).",
)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(validate)
    cli.add_command(inputs)
    cli.add_command(run)


@click.command(short_help="Check bundles against the MTHDS language.")
@click.argument("paths", nargs=-1, required=True, type=PATH)
@ALLOW_SIGNATURES
@click.pass_obj
def validate(state: CliState, paths: tuple[Path, ...], allow_signatures: bool) -> int:
    """Check bundles (files or directories of .mthds): the language, then every model."""
    return run_command(state, "validate", lambda: _validate(state, paths, allow_signatures))


@click.command()
@click.argument("path", type=PATH)
@click.option("--pipe", "pipe_name", metavar="NAME", help="The pipe (default: main_pipe).")
@ALLOW_SIGNATURES
@click.pass_obj
def inputs(state: CliState, path: Path, pipe_name: str | None, allow_signatures: bool) -> int:
    """The inputs a pipe needs, with an example value for each."""
    return run_command(state, "inputs", lambda: _inputs(state, path, pipe_name, allow_signatures))


@click.command(short_help="Run a method: offline for real, or dry.")
@click.argument("path", type=PATH)
@click.option("--dry-run", is_flag=True, help="Walk every pipe, with placeholder outputs.")
@click.option(
    "--inputs",
    "inputs_file",
    metavar="FILE|JSON",
    help="Inputs: a JSON or TOML file, or inline JSON starting with {.",
)
@click.option("--pipe", "pipe_name", metavar="NAME", help="The pipe (default: main_pipe).")
@click.option(
    "--output", "output", metavar="FILE", help="Also write the run's JSON there (- for stdout)."
)
@ALLOW_SIGNATURES
@click.pass_obj
def run(
    state: CliState,
    path: Path,
    dry_run: bool,
    inputs_file: str | None,
    pipe_name: str | None,
    output: str | None,
    allow_signatures: bool,
) -> int:
    """Run a method offline: for real when no pipe it reaches needs a model, else --dry-run."""
    return run_command(
        state,
        "run",
        lambda: _run(state, path, dry_run, inputs_file, pipe_name, output, allow_signatures),
    )


def _validate(state: CliState, paths: tuple[Path, ...], allow_signatures: bool) -> Outcome:
    from pipelex_core.bundles.service import check_bundles

    checked = check_bundles(
        paths, state.settings(), state.plugins, allow_signatures=allow_signatures
    )
    library = checked.checked.library
    models = [
        {"reference": use.reference, "handle": use.resolved.handle, "backend": use.resolved.backend}
        for use in checked.checked.model_uses
    ]
    result = {
        "valid": True,
        "files": [bundle.file for bundle in library.bundles],
        "pipes": checked.checked.pipe_names(),
        "models": _distinct(models),
        "remote_config": remote_config_field(checked.runtime.result),
    }
    count = len(checked.checked.registry.by_key)
    text = (
        f"Valid: {count} pipe{'s' if count != 1 else ''} in {len(library.bundles)} "
        f"file{'s' if len(library.bundles) != 1 else ''}{_provenance(checked.runtime)}."
    )
    return Outcome(result=result, text=text)


def _inputs(state: CliState, path: Path, pipe_name: str | None, allow_signatures: bool) -> Outcome:
    from pipelex_core.bundles.inputs import input_specs, start_pipe
    from pipelex_core.bundles.service import check_bundles

    checked = check_bundles(
        [path], state.settings(), state.plugins, allow_signatures=allow_signatures
    )
    pipe = start_pipe(checked.checked, pipe_name)
    specs = input_specs(checked.checked, pipe)
    example = {spec.name: spec.example for spec in specs}
    result = {
        "pipe": pipe.code,
        "inputs": [spec.as_dict() for spec in specs],
        "example": example,
        "remote_config": remote_config_field(checked.runtime.result),
    }
    count = f"{len(specs)} input{'s' if len(specs) != 1 else ''}:" if specs else "no inputs."
    lines = [f"Pipe {pipe.code!r} takes {count}"]
    lines += [f"  {s.name}: {s.concept}{' (optional)' if s.optional else ''}" for s in specs]
    lines += ["", "Example inputs file (JSON):", json.dumps(example, indent=2)]
    return Outcome(result=result, text="\n".join(lines))


def _run(
    state: CliState,
    path: Path,
    dry_run: bool,
    inputs_file: str | None,
    pipe_name: str | None,
    output: str | None,
    allow_signatures: bool,
) -> Outcome:
    from pipelex_core.bundles.inputs import input_specs, match_inputs, start_pipe
    from pipelex_core.bundles.inputs_file import read_inputs_file
    from pipelex_core.bundles.service import check_bundles

    if output == "-" and state.json:
        raise PipelexUsageError(
            "--output - writes to stdout, which the agent face keeps for its one JSON object.",
            "Name a file, or read `result` from the envelope.",
        )
    checked = check_bundles(
        [path], state.settings(), state.plugins, allow_signatures=allow_signatures
    )
    pipe = start_pipe(checked.checked, pipe_name)
    if not dry_run:
        return _real_run(state, checked, pipe, inputs_file, output)
    from pipelex_core.bundles.dry_run import dry_run as walk

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
    return _written(Outcome(result=result, text="\n".join(lines)), output)


def _written(outcome: Outcome, output: str | None) -> Outcome:
    """Write the run's JSON to ``--output`` (``-``: print it instead of the readable text)."""
    if output is None:
        return outcome
    data = (strict_json(outcome.result, indent=2) + "\n").encode("utf-8")
    if output == "-":
        return Outcome(result=outcome.result, text=data.decode("utf-8").rstrip("\n"))
    from pipelex_core.output_path import write_output

    write_output(output, data)
    return outcome


def _real_run(
    state: CliState,
    checked: CheckedBundles,
    pipe: PipeSpec,
    inputs_file: str | None,
    output: str | None,
) -> Outcome:
    from pipelex_core.bundles.inputs import input_specs, match_inputs
    from pipelex_core.bundles.inputs_file import read_inputs_file
    from pipelex_core.bundles.real_run import blocking_pipes, readable, real_run

    blocking = blocking_pipes(checked.checked, pipe)
    if blocking:
        first, why = blocking[0]
        others = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        raise InferenceNotAvailableError(
            f"Pipe {first.code!r} {why}{others}: pipelex-core runs for real only the methods "
            "whose every pipe needs no model, so nothing was run.",
            "Add --dry-run to walk every pipe with placeholder outputs.",
        )
    specs = input_specs(checked.checked, pipe)
    required = [spec.name for spec in specs if not spec.optional]
    if inputs_file is None and required:
        raise PipelexUsageError(
            f"Pipe {pipe.code!r} needs inputs ({', '.join(required)}), and a real run uses "
            "only the values you give it.",
            "Pass --inputs FILE; `pipelex inputs` prints an example to start from.",
        )
    given = read_inputs_file(inputs_file) if inputs_file is not None else {}
    values = match_inputs(checked.checked, specs, given, pipe)
    outcome = real_run(checked.checked, pipe, values)
    result = {
        "dry_run": False,
        "pipe": outcome.pipe,
        "inputs": given,
        "output": outcome.output,
        "working_memory": dict(outcome.memory),
        "trace": list(outcome.trace),
        "remote_config": remote_config_field(checked.runtime.result),
    }
    text = readable(outcome.output, checked.checked, pipe)
    return _written(Outcome(result=result, text=text), output)


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
