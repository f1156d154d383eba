"""Routing (README, "Configuration") through the installed command: who serves each handle."""

from __future__ import annotations

from pathlib import Path

from pipelex_core.testing.config_server import ConfigServer
from tests.bundle_text import llm_bundle
from tests.cli_runner import Cli, Completed


def bundle(tmp_path: Path, model: str) -> str:
    path = tmp_path / f"{model.replace('/', '_')}.mthds"
    path.write_text(llm_bundle(model))
    return str(path)


def unknown_model(completed: Completed) -> str:
    """The one problem of a bundle whose only fault is a model no backend serves."""
    error = completed.envelope["error"]
    assert error["type"] == "BundleValidationError"
    [problem] = error["problems"]
    assert problem["code"] == "unknown_model"
    return str(problem["message"])


def backends(home: Path, *, gateway: bool, disabled: tuple[str, ...] = ()) -> None:
    lines = [f"[pipelex_gateway]\nenabled = {'true' if gateway else 'false'}"]
    for name in ("openai", "anthropic", "google", "mistral", "linkup"):
        enabled = "false" if name in disabled else "true"
        lines.append(f"[{name}]\nenabled = {enabled}")
    (home / "backends.toml").write_text("\n".join(lines) + "\n")


def models_of(completed: Completed) -> list[tuple[str, str]]:
    return [(m["handle"], m["backend"]) for m in completed.envelope["result"]["models"]]


def test_a_route_sends_a_gateway_handle_to_an_enabled_byok_backend(
    cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    backends(cli.home, gateway=True)
    (cli.home / "routing.toml").write_text('[routes]\n"claude-*" = "anthropic"\n')
    cli.env["PIPELEX_REMOTE_CONFIG_URL"] = server.url
    routed = cli.agent("validate", bundle(tmp_path, "claude-4.8-opus"))
    assert routed.code == 0, routed.stdout
    assert models_of(routed) == [("claude-4.8-opus", "anthropic")]
    unrouted = cli.agent("validate", bundle(tmp_path, "gpt-4o"))
    assert models_of(unrouted) == [("gpt-4o", "pipelex_gateway")]
    # a routed handle is checked against the BYOK specs, not the Gateway catalogue
    missing = cli.agent("validate", bundle(tmp_path, "claude-9-imaginary"))
    assert missing.code == 1
    assert "'claude-9-imaginary' on backend 'anthropic'" in unknown_model(missing)


def test_a_route_to_a_disabled_backend_is_ignored(
    cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    backends(cli.home, gateway=True, disabled=("anthropic",))
    (cli.home / "routing.toml").write_text('[routes]\n"claude-*" = "anthropic"\n')
    cli.env["PIPELEX_REMOTE_CONFIG_URL"] = server.url
    completed = cli.agent("validate", bundle(tmp_path, "claude-4.8-opus"))
    assert completed.code == 0, completed.stdout
    assert models_of(completed) == [("claude-4.8-opus", "pipelex_gateway")]


def test_byok_uses_the_first_enabled_backend_that_lists_the_handle(
    cli: Cli, tmp_path: Path
) -> None:
    backends(cli.home, gateway=False)
    served = cli.agent("validate", bundle(tmp_path, "gemini-3.1-pro"))
    assert models_of(served) == [("gemini-3.1-pro", "google")]
    backends(cli.home, gateway=False, disabled=("google",))
    unserved = cli.agent("validate", bundle(tmp_path, "gemini-3.1-pro"))
    assert unserved.code == 1
    assert "serves 'gemini-3.1-pro'" in unknown_model(unserved)


def test_a_home_spec_file_replaces_the_kits(cli: Cli, tmp_path: Path) -> None:
    (cli.home / "backends").mkdir()
    (cli.home / "backends" / "openai.toml").write_text(
        '[defaults]\nsdk = "openai"\nmodel_type = "llm"\n'
        '[models."my-fine-tune"]\nmodel_id = "ft:gpt-4o:me"\n'
    )
    mine = cli.agent("validate", bundle(tmp_path, "my-fine-tune"))
    assert models_of(mine) == [("my-fine-tune", "openai")]
    # gpt-4o was in the kit's openai.toml only, and no other kit backend lists it
    replaced = cli.agent("validate", bundle(tmp_path, "gpt-4o"))
    assert replaced.code == 1
    assert "serves 'gpt-4o'" in unknown_model(replaced)
    listed = cli.agent("models", "--backend", "openai")
    assert [(r["handle"], r["source"]) for r in listed.envelope["result"]["models"]] == [
        ("my-fine-tune", "home")
    ]


def test_doctor_names_a_route_to_a_backend_that_is_not_defined(cli: Cli, tmp_path: Path) -> None:
    routing = cli.home / "routing.toml"
    routing.write_text('[routes]\n"gpt-*" = "opneai"\n"claude-*" = "anthropic"\n')
    message = (
        f"{routing}: route 'gpt-*' names backend 'opneai', which backends.toml does not define"
    )
    completed = cli.agent("doctor")
    assert completed.code == 1
    report = completed.envelope["result"]
    assert report["problems"] == [message]
    assert completed.envelope["error"]["message"] == f"1 problem needs your action: {message}"
    entry = next(f for f in report["config_files"] if f["file"] == "routing.toml")
    assert entry["valid"] is False
    assert entry["error"] == message
    # at run time the route is ignored, as a route to a disabled backend is
    validated = cli.agent("validate", bundle(tmp_path, "gpt-5.6-terra"))
    assert validated.code == 0
    assert models_of(validated) == [("gpt-5.6-terra", "openai")]


EXTRACT_LOCALLY = """\
domain = "reading"
main_pipe = "read_pdf"

[pipe.read_pdf]
type = "PipeExtract"
description = "Read the text of a PDF on this machine"
inputs = { report = "Document" }
output = "Page[]"
model = "pypdfium2-extract-pdf"
"""


def test_the_local_pdf_extractor_needs_no_key_and_no_gateway(
    cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    """Pipelex documents pypdfium2-extract-pdf as built in, with no API key: the kit's
    keyless `internal` backend serves it, and its route keeps it off the Gateway."""
    path = tmp_path / "read.mthds"
    path.write_text(EXTRACT_LOCALLY)
    byok = cli.agent("validate", str(path))
    assert byok.code == 0, byok.stdout
    assert models_of(byok) == [("pypdfium2-extract-pdf", "internal")]
    (cli.home / "backends.toml").write_text(
        "[pipelex_gateway]\nenabled = true\n[internal]\nenabled = true\n"
    )
    cli.env["PIPELEX_REMOTE_CONFIG_URL"] = server.url
    gateway = cli.agent("validate", str(path))
    assert gateway.code == 0, gateway.stdout
    assert models_of(gateway) == [("pypdfium2-extract-pdf", "internal")]
