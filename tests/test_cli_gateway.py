"""The behaviour matrix through the installed commands, in both faces (docs/behaviour.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from tests.bundle_text import llm_bundle
from tests.cli_runner import EXAMPLES, Cli
from tests.stored_cache import stored_cache

BUNDLE = str(EXAMPLES / "bundles" / "parallel_review.mthds")


@pytest.fixture
def gateway_cli(cli: Cli, server: ConfigServer) -> Cli:
    cli.env.update(PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=server.url)
    return cli


def init_gateway(cli: Cli, url: str, *extra: str) -> dict[str, Any]:
    completed = cli.agent("init", "--gateway", "--accept-terms", "--remote-config-url", url, *extra)
    assert completed.code == 0, completed.stdout + completed.stderr
    return completed.envelope


def test_row_9_init_online_primes_the_cache(
    cli: Cli, server: ConfigServer, cache_file: Path
) -> None:
    envelope = init_gateway(cli, server.url)
    result = envelope["result"]
    assert result["cache_primed"] is True
    assert result["cache_priming_error"] is None
    assert result["gateway"] is True
    assert result["remote_config"] == {"source": "fresh", "cached_at": None}
    assert envelope["warnings"] == []
    assert stored_cache(cache_file)["source_url"] == server.url
    backends = (cli.home / "backends.toml").read_text()
    assert "[pipelex_gateway]\nenabled = true" in backends
    service = (cli.home / "pipelex_service.toml").read_text()
    assert f'remote_config_url = "{server.url}"' in service
    assert "terms_accepted = true" in service


def test_row_10_init_offline_warns_and_keeps_the_cache(
    cli: Cli, server: ConfigServer, cache_file: Path
) -> None:
    init_gateway(cli, server.url)
    before = cache_file.read_bytes()
    dead = closed_port_url()
    envelope = init_gateway(cli, dead, "--force")
    result = envelope["result"]
    assert result["cache_primed"] is False
    assert "refused the connection" in result["cache_priming_error"]
    assert [w["type"] for w in envelope["warnings"]] == ["CachePriming"]
    assert cache_file.read_bytes() == before
    human = cli.run("init", "--gateway", "--accept-terms", "--remote-config-url", dead)
    assert human.code == 0
    assert "Warning: Could not prime the remote-config cache" in human.stderr


def test_init_gateway_needs_terms(cli: Cli, server: ConfigServer) -> None:
    completed = cli.agent("init", "--gateway", "--remote-config-url", server.url)
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "TermsNotAcceptedError"
    assert "--accept-terms" in completed.envelope["error"]["hint"]
    assert not (cli.home / "backends.toml").exists()
    assert server.requests == []


def test_init_refuses_to_overwrite_without_force(cli: Cli, server: ConfigServer) -> None:
    init_gateway(cli, server.url)
    completed = cli.agent("init", "--byok")
    assert completed.code == 2
    assert "--force" in completed.envelope["error"]["hint"]
    assert "enabled = true" in (cli.home / "backends.toml").read_text()
    forced = cli.agent("init", "--byok", "--force")
    assert forced.code == 0
    assert "[pipelex_gateway]\nenabled = false" in (cli.home / "backends.toml").read_text()
    assert forced.envelope["result"]["cache_primed"] is False


def test_init_refuses_plain_http_elsewhere(cli: Cli) -> None:
    completed = cli.agent(
        "init", "--gateway", "--accept-terms", "--remote-config-url", "http://config.example.com/x"
    )
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "InsecureUrlError"
    assert not (cli.home / "backends.toml").exists()


def test_init_byok_is_offline(cli: Cli, server: ConfigServer) -> None:
    completed = cli.agent("init", "--byok")
    assert completed.code == 0
    assert completed.envelope["result"]["gateway"] is False
    assert server.requests == []


def test_row_2_fresh_validate(gateway_cli: Cli) -> None:
    completed = gateway_cli.agent("validate", BUNDLE)
    assert completed.code == 0
    assert completed.envelope["result"]["remote_config"] == {"source": "fresh", "cached_at": None}
    assert completed.envelope["warnings"] == []
    assert {m["backend"] for m in completed.envelope["result"]["models"]} == {"pipelex_gateway"}


def test_row_3_outage_in_both_faces(gateway_cli: Cli) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    gateway_cli.env["PIPELEX_REMOTE_CONFIG_URL"] = closed_port_url()
    completed = gateway_cli.agent("run", BUNDLE, "--dry-run")
    assert completed.code == 0
    remote = completed.envelope["result"]["remote_config"]
    assert remote["source"] == "cached"
    (warning,) = completed.envelope["warnings"]
    assert warning["type"] == "RemoteConfigStale"
    assert warning["cached_at"] == remote["cached_at"]
    assert "pipelex cache refresh" in warning["message"]
    human = gateway_cli.run("run", BUNDLE, "--dry-run")
    assert human.code == 0
    assert human.stderr.startswith("Warning: Using the cached Pipelex Gateway remote config from")
    assert "Gateway catalogue cached at" in human.stdout


@pytest.mark.parametrize("command", [("validate", BUNDLE), ("cache", "refresh")])
def test_offline_with_no_cache_is_not_retryable(cli: Cli, command: tuple[str, ...]) -> None:
    """Retrying cannot help while PIPELEX_OFFLINE forbids the fetch: ``retryable`` is false."""
    completed = cli.agent(*command, PIPELEX_GATEWAY="1", PIPELEX_OFFLINE="1")
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "RemoteConfigUnavailableError"
    assert completed.envelope["error"]["retryable"] is False


def test_row_4_cold_outage(cli: Cli) -> None:
    cli.env.update(PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=closed_port_url())
    completed = cli.agent("validate", BUNDLE)
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "RemoteConfigUnavailableError"
    assert error["retryable"] is True
    assert error["cache_state"] == "absent"
    assert "pipelex init" in error["hint"]
    human = cli.run("validate", BUNDLE)
    assert human.code == 3
    assert "Error: The Pipelex Gateway remote config is unavailable" in human.stderr
    assert "Then: Run `pipelex init` while online" in human.stderr


def unknown_model_bundle(tmp_path: Path) -> str:
    path = tmp_path / "unknown.mthds"
    path.write_text(llm_bundle("gpt-9-imaginary"))
    return str(path)


def test_row_5_unknown_model_fresh(gateway_cli: Cli, tmp_path: Path) -> None:
    completed = gateway_cli.agent("validate", unknown_model_bundle(tmp_path))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert error["type"] == "GatewayUnknownModelError"
    assert error["model"] == "gpt-9-imaginary"
    assert error["source"] == "fresh"


def test_row_5_unknown_model_cached(gateway_cli: Cli, tmp_path: Path) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    gateway_cli.env["PIPELEX_REMOTE_CONFIG_URL"] = closed_port_url()
    completed = gateway_cli.agent("validate", unknown_model_bundle(tmp_path))
    assert completed.code == 1
    error = completed.envelope["error"]
    assert error["source"] == "cached"
    assert error["cached_at"] is not None
    assert "may be stale" in error["message"]
    assert "pipelex cache refresh" in error["hint"]
    assert [w["type"] for w in completed.envelope["warnings"]] == ["RemoteConfigStale"]


def test_row_6_schema_break(gateway_cli: Cli, server: ConfigServer, cache_file: Path) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    before = cache_file.read_bytes()
    server.serve({"posthog": {}, "backend_model_specs": {}, "aws_region": 1})
    completed = gateway_cli.agent("validate", BUNDLE)
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "RemoteConfigValidationError"
    assert "$.aws_region: expected a string, got an integer" in error["problems"]
    assert completed.envelope["warnings"] == []
    assert cache_file.read_bytes() == before


def test_row_7_cache_refresh_refuses_the_cache(gateway_cli: Cli, cache_file: Path) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    before = cache_file.read_bytes()
    gateway_cli.env["PIPELEX_REMOTE_CONFIG_URL"] = closed_port_url()
    completed = gateway_cli.agent("cache", "refresh")
    assert completed.code == 3
    assert completed.envelope["error"]["cache_refused"] is True
    assert "refused because fresh data is required" in completed.envelope["error"]["message"]
    assert cache_file.read_bytes() == before


def test_row_8_offline_switch(gateway_cli: Cli, server: ConfigServer) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    before = len(server.requests)
    completed = gateway_cli.agent("validate", BUNDLE, PIPELEX_OFFLINE="1")
    assert completed.code == 0
    assert completed.envelope["result"]["remote_config"]["source"] == "cached"
    assert "PIPELEX_OFFLINE=1" in completed.envelope["warnings"][0]["message"]
    assert len(server.requests) == before


def test_row_11_captive_portal(gateway_cli: Cli, server: ConfigServer) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    server.serve_reply(Reply(status=200, body=b"<html>Sign in to the hotel Wi-Fi</html>"))
    completed = gateway_cli.agent("validate", BUNDLE)
    assert completed.code == 0
    assert completed.envelope["result"]["remote_config"]["source"] == "cached"
    assert "not JSON" in completed.envelope["warnings"][0]["message"]


def test_row_12_flaky_then_fresh(gateway_cli: Cli, server: ConfigServer) -> None:
    server.enqueue(Reply(status=503, headers={"Retry-After": "0"}), Reply(status=502))
    completed = gateway_cli.agent("validate", BUNDLE)
    assert completed.code == 0
    assert completed.envelope["result"]["remote_config"]["source"] == "fresh"
    assert len(server.requests) == 3


def test_models_lists_the_catalogue_with_its_source(gateway_cli: Cli) -> None:
    completed = gateway_cli.agent("models")
    assert completed.code == 0
    rows = completed.envelope["result"]["models"]
    gateway = [r for r in rows if r["backend"] == "pipelex_gateway"]
    assert len(gateway) == 68
    assert {r["source"] for r in gateway} == {"fresh"}
    ocr = next(r for r in gateway if r["handle"] == "mistral-ocr")
    assert ocr["type"] == "text_extractor"
    assert ocr["inputs"] == ["pdf", "image"]
    assert completed.envelope["result"]["remote_config"]["source"] == "fresh"
    byok = gateway_cli.agent("models", "--backend", "anthropic")
    assert {r["backend"] for r in byok.envelope["result"]["models"]} == {"anthropic"}
    assert {r["source"] for r in byok.envelope["result"]["models"]} == {"kit"}


def test_models_in_byok_touch_no_network(cli: Cli, server: ConfigServer) -> None:
    completed = cli.agent("models", PIPELEX_REMOTE_CONFIG_URL=server.url)
    assert completed.code == 0
    assert completed.envelope["result"]["remote_config"] is None
    assert {r["backend"] for r in completed.envelope["result"]["models"]} == {
        "openai",
        "anthropic",
        "google",
        "mistral",
        "linkup",
        "internal",
    }
    assert server.requests == []


def test_human_face_of_unknown_model_and_schema_break(
    gateway_cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    unknown = gateway_cli.run("validate", unknown_model_bundle(tmp_path))
    assert unknown.code == 1
    assert (
        "Error: Model 'gpt-9-imaginary' is not in the Pipelex Gateway catalogue" in unknown.stderr
    )
    assert unknown.stdout == ""
    server.serve([1, 2, 3])
    broken = gateway_cli.run("validate", BUNDLE)
    assert broken.code == 3
    assert "does not match the expected schema" in broken.stderr
    assert "Hint: This is a server-side problem" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_human_face_of_the_offline_switch(gateway_cli: Cli, server: ConfigServer) -> None:
    assert gateway_cli.agent("validate", BUNDLE).code == 0
    before = len(server.requests)
    completed = gateway_cli.run("validate", BUNDLE, PIPELEX_OFFLINE="1")
    assert completed.code == 0
    assert "PIPELEX_OFFLINE=1" in completed.stderr
    assert completed.stdout.startswith("Valid: 6 pipes in 1 file (Gateway catalogue cached at")
    assert len(server.requests) == before


def test_the_unknown_model_is_found_among_several(gateway_cli: Cli, tmp_path: Path) -> None:
    """Membership checks every handle, not the first: the unknown one here is the third."""
    llm = 'type = "PipeLLM"\ndescription = "d"\ninputs = { text = "Text" }\noutput = "Text"\n'
    text = 'domain = "several"\n' + "".join(
        f'[pipe.p{i}]\n{llm}prompt = "Use $text"\nmodel = "{model}"\n'
        for i, model in enumerate(["gpt-5.6-terra", "claude-4.8-opus", "gpt-9-imaginary"])
    )
    path = tmp_path / "several.mthds"
    path.write_text(text, encoding="utf-8")
    completed = gateway_cli.agent("validate", str(path))
    assert completed.code == 1, completed.stdout
    error = completed.envelope["error"]
    assert error["type"] == "GatewayUnknownModelError"
    assert error["model"] == "gpt-9-imaginary"
    assert "gpt-5.6-terra" not in error["message"]


@pytest.mark.parametrize("order", [("--gateway", "--byok"), ("--byok", "--gateway")])
def test_init_with_both_gateway_and_byok_is_a_usage_error_and_writes_nothing(
    cli: Cli, order: tuple[str, str]
) -> None:
    completed = cli.agent("init", *order, "--accept-terms")
    assert completed.code == 2
    assert completed.envelope["command"] == "init"
    assert "--gateway and --byok contradict each other" in completed.envelope["error"]["message"]
    assert not (cli.home / "backends.toml").exists()
