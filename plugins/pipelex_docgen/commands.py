"""The ``pipelex dev`` commands. Fresh data only; nothing is written unless it changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from pipelex_core import CliState, Outcome, PipelexError, run_command, write_output

Renderer = Callable[..., str]
OUTPUT = click.Path(dir_okay=False, path_type=Path)


class DocDriftError(PipelexError):
    """``--check`` found the committed file differs from what fresh data would write."""

    domain = "docgen"
    is_verdict = True


@click.group(no_args_is_help=False, short_help="Regenerate committed files (fresh data).")
def dev() -> None:
    """Developer tools: regenerate committed files from the fresh Gateway catalogue."""


@dev.command(name="gateway-models")
@click.option("--output", required=True, type=OUTPUT, metavar="FILE")
@click.option("--check", is_flag=True, help="Exit 1 if FILE is out of date; write nothing.")
@click.pass_obj
def gateway_models(state: CliState, output: Path, check: bool) -> int:
    """Markdown reference of the Gateway models (fresh data only)."""
    return run_command(
        state,
        "dev gateway-models",
        lambda: _generate(state, output, "gateway_models_markdown", check=check),
    )


@dev.command(name="test-models")
@click.option("--output", required=True, type=OUTPUT, metavar="FILE")
@click.pass_obj
def test_models(state: CliState, output: Path) -> int:
    """JSON fixture of the Gateway handles per model type (fresh data only)."""
    return run_command(
        state, "dev test-models", lambda: _generate(state, output, "test_models_json", check=False)
    )


def _generate(state: CliState, output: Path, renderer: str, *, check: bool) -> Outcome:
    # Registered on every `pipelex` start, run rarely: the work's imports wait until here.
    from pipelex_core import remote_config_field, setup
    from pipelex_docgen import render as renderers

    render: Renderer = getattr(renderers, renderer)
    settings = state.settings()
    if not settings.gateway_enabled:
        raise PipelexError(
            "The doc generators document the Pipelex Gateway catalogue, and the Gateway is "
            "disabled.",
            "Enable it for this command: PIPELEX_GATEWAY=1.",
        )
    runtime = setup(
        needs_model_specs=True,
        require_fresh=True,
        settings=settings,
        plugins=state.plugins,
        check_models=False,
    )
    config = runtime.remote_config
    assert config is not None  # the Gateway is enabled and require_fresh succeeded
    text = render(config, now=dt.datetime.now(dt.UTC), source_url=settings.remote_config_url)
    current = output.read_text(encoding="utf-8") if output.exists() else None
    up_to_date = current is not None and renderers.without_timestamp(
        current
    ) == renderers.without_timestamp(text)
    result = {
        "output": str(output),
        "up_to_date": up_to_date,
        "written": False,
        "models": len(config.backend_model_specs),
        "remote_config": remote_config_field(runtime.result),
    }
    if check:
        if up_to_date:
            return Outcome(result=result, text=f"{output} is up to date.")
        return Outcome(
            result=result,
            text=f"{output} is out of date.",
            problem=DocDriftError(
                f"{output} differs from what the fresh Gateway catalogue would write.",
                "Regenerate it without --check and commit the result.",
            ),
        )
    if up_to_date:
        return Outcome(result=result, text=f"{output} is up to date; not rewritten.")
    output.parent.mkdir(parents=True, exist_ok=True)
    # as a shell redirection: a device or symlink written through, a file keeps its mode
    write_output(str(output), text.encode("utf-8"))
    result["written"] = True
    return Outcome(result=result, text=f"Wrote {output} ({result['models']} models).")
