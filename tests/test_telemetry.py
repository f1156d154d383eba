"""Telemetry gating and capture (docs/behaviour.md) against a real loopback endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pipelex_telemetry
from pipelex_core import Plugins, RemoteConfigSource, Settings, setup
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from pipelex_telemetry import capture


@pytest.fixture
def endpoint() -> Iterator[ConfigServer]:
    with ConfigServer() as server:
        server.serve_reply(Reply(status=200, body=b'{"status": 1}'))
        yield server


@pytest.fixture
def gateway(sample_payload: dict[str, Any], endpoint: ConfigServer) -> Iterator[ConfigServer]:
    sample_payload["posthog"]["endpoint"] = endpoint.root_url
    with ConfigServer() as server:
        server.serve(sample_payload)
        yield server


def gateway_settings(home: Path, url: str, **env: str) -> Settings:
    return Settings.load(
        {"PIPELEX_HOME": str(home), "PIPELEX_GATEWAY": "1", "PIPELEX_REMOTE_CONFIG_URL": url, **env}
    )


def test_an_inference_run_on_fresh_data_sends_one_capture_event(
    home: Path, gateway: ConfigServer, endpoint: ConfigServer
) -> None:
    runtime = setup(needs_inference=True, settings=gateway_settings(home, gateway.url))
    assert runtime.telemetry_enabled is True
    assert runtime.telemetry_reason == "Gateway inference run on a fresh remote config"
    assert endpoint.wait_for_requests(1)
    capture.flush(5)
    (request,) = endpoint.requests
    assert request.method == "POST"
    assert request.path == "/capture/"
    assert request.headers["Content-Type"] == "application/json"
    from pipelex_core import user_agent

    assert request.headers["User-Agent"] == user_agent()
    event = request.json()
    assert set(event) == {"api_key", "event", "distinct_id", "properties", "timestamp"}
    assert event["api_key"] == "phc_sample_not_a_real_key"
    assert event["event"] == "pipelex_setup"
    assert str(uuid.UUID(event["distinct_id"])) == (home / "telemetry_id").read_text()
    assert event["properties"]["remote_config_source"] == "fresh"
    assert event["properties"]["gateway_models"] == 68
    body = request.body.decode()
    assert str(home) not in body


def test_the_anonymous_id_is_kept(
    home: Path, gateway: ConfigServer, endpoint: ConfigServer
) -> None:
    settings = gateway_settings(home, gateway.url)
    setup(needs_inference=True, settings=settings)
    setup(needs_inference=True, settings=settings)
    assert endpoint.wait_for_requests(2)
    capture.flush(5)
    ids = {request.json()["distinct_id"] for request in endpoint.requests}
    assert len(ids) == 1
    assert (home / "telemetry_id").stat().st_mode & 0o777 == 0o600


def settle_and_count(endpoint: ConfigServer) -> int:
    capture.flush(5)
    return len(endpoint.requests)


def test_a_cached_run_sends_nothing(
    home: Path, gateway: ConfigServer, endpoint: ConfigServer
) -> None:
    setup(needs_model_specs=True, settings=gateway_settings(home, gateway.url))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runtime = setup(needs_inference=True, settings=gateway_settings(home, closed_port_url()))
    assert runtime.source is RemoteConfigSource.CACHED
    assert runtime.telemetry_enabled is False
    assert "cached runs send nothing" in runtime.telemetry_reason
    assert settle_and_count(endpoint) == 0


@pytest.mark.parametrize(
    ("env", "needs_inference", "reason"),
    [
        ({}, False, "this run needs no inference"),
        ({"DO_NOT_TRACK": "1"}, True, "opted out"),
        ({"PIPELEX_TELEMETRY": "0"}, True, "opted out"),
        ({"PIPELEX_GATEWAY": "0"}, True, "the Gateway is disabled"),
    ],
    ids=["no-inference", "do-not-track", "pipelex-telemetry-0", "byok"],
)
def test_no_event_when_a_condition_fails(
    home: Path,
    gateway: ConfigServer,
    endpoint: ConfigServer,
    env: dict[str, str],
    needs_inference: bool,
    reason: str,
) -> None:
    settings = gateway_settings(home, gateway.url, **env)
    runtime = setup(needs_model_specs=True, needs_inference=needs_inference, settings=settings)
    assert runtime.telemetry_enabled is False
    assert reason in runtime.telemetry_reason
    assert settle_and_count(endpoint) == 0


def test_disabled_telemetry_plugin_means_off(
    home: Path, gateway: ConfigServer, endpoint: ConfigServer
) -> None:
    settings = gateway_settings(home, gateway.url, PIPELEX_DISABLE_PLUGINS="pipelex_telemetry")
    runtime = setup(needs_inference=True, settings=settings)
    assert runtime.telemetry_enabled is False
    assert runtime.telemetry_reason == "no telemetry plugin is loaded"
    assert settle_and_count(endpoint) == 0


def test_decision_is_the_plugins_rule() -> None:
    settings = Settings(home=Path("/nonexistent"), gateway_enabled=True)
    fresh = pipelex_telemetry.telemetry_decision(
        settings=settings, source=RemoteConfigSource.FRESH, needs_inference=True
    )
    assert fresh.enabled is True
    for source in (RemoteConfigSource.CACHED, None):
        decision = pipelex_telemetry.telemetry_decision(
            settings=settings, source=source, needs_inference=True
        )
        assert decision.enabled is False


def test_a_refused_telemetry_endpoint_never_fails_the_run(
    home: Path, sample_payload: dict[str, Any]
) -> None:
    """The catalogue names a plain-http endpoint elsewhere: the send is refused before any
    request, and the run goes on (telemetry is best effort by contract)."""
    sample_payload["posthog"]["endpoint"] = "http://telemetry.example.com"
    with ConfigServer() as server:
        server.serve(sample_payload)
        runtime = setup(needs_inference=True, settings=gateway_settings(home, server.url))
    assert runtime.source is RemoteConfigSource.FRESH
    assert runtime.telemetry_enabled is True


def test_a_third_party_decision_wins_whatever_the_registration_order(home: Path) -> None:
    """The built-in rule runs last (``trylast``), so a plugin's own rule decides even when
    that plugin is registered before the built-in one."""
    from pipelex_core import TelemetryDecision, hookimpl

    class Never:
        @hookimpl
        def telemetry_decision(self) -> TelemetryDecision:
            return TelemetryDecision(False, "company policy")

    plugins = Plugins.boot(load_entry_points=False, extra_plugins=[Never(), pipelex_telemetry])
    decision = plugins.telemetry_decision(
        settings=Settings(home=home, gateway_enabled=True),
        source=RemoteConfigSource.FRESH,
        needs_inference=True,
    )
    assert decision == TelemetryDecision(False, "company policy")


def test_plugins_boot_registers_telemetry() -> None:
    assert "pipelex_telemetry" in {info.name for info in Plugins.boot().infos}


#: Exits through the real atexit path. The report handler is registered first, so it runs
#: last, after telemetry's flush: what it prints is the exit cost measured in the process.
RUN = textwrap.dedent(
    """
    import atexit, json, time
    marks = {}
    atexit.register(lambda: print(json.dumps(
        {"exit_cost": time.monotonic() - marks["end"], "enabled": marks["enabled"]}
    ), flush=True))
    from pipelex_core import setup
    runtime = setup(needs_inference=True)
    marks["enabled"] = runtime.telemetry_enabled
    marks["end"] = time.monotonic()
    """
)

#: Waits for the send itself (budget far above it): how long a hanging endpoint holds a send.
SEND = textwrap.dedent(
    """
    import json, time
    started = time.monotonic()
    from pipelex_core import setup
    from pipelex_telemetry import capture
    setup(needs_inference=True)
    capture.flush(budget=60.0)
    print(json.dumps({"send_cost": time.monotonic() - started}), flush=True)
    """
)


def run_against(script: str, endpoint_url: str, home: Path, payload: dict[str, Any]) -> Any:
    payload["posthog"]["endpoint"] = endpoint_url
    with ConfigServer() as gateway:
        gateway.serve(payload)
        completed = subprocess.run(
            [sys.executable, "-c", script],
            env={
                "PIPELEX_HOME": str(home),
                "PIPELEX_GATEWAY": "1",
                "PIPELEX_REMOTE_CONFIG_URL": gateway.url,
                "PATH": "/usr/bin:/bin",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    return json.loads(completed.stdout)


@pytest.mark.parametrize("kind", ["hanging", "dead"])
def test_a_hanging_or_dead_endpoint_neither_fails_nor_stalls(
    kind: str, home: Path, sample_payload: dict[str, Any]
) -> None:
    """The README promises 0.5 s at exit for pending sends, whatever the endpoint does."""
    assert capture.EXIT_BUDGET == 0.5
    with ConfigServer() as endpoint:
        endpoint.serve_reply(Reply(hang=True))
        url = endpoint.root_url if kind == "hanging" else closed_port_url().rsplit("/", 1)[0]
        report = run_against(RUN, url, home, sample_payload)
        if kind == "hanging":
            assert endpoint.wait_for_requests(1)
    assert report["enabled"] is True
    # a hanging send holds its thread for the 2 s send timeout; exit waits only the budget
    assert report["exit_cost"] < capture.EXIT_BUDGET + 0.5 < capture.SEND_TIMEOUT


def test_a_hanging_endpoint_holds_a_send_for_the_send_timeout_only(
    home: Path, sample_payload: dict[str, Any]
) -> None:
    """The README promises a 2 s timeout per send: a hanging endpoint is given up on then."""
    assert capture.SEND_TIMEOUT == 2.0
    with ConfigServer() as endpoint:
        endpoint.serve_reply(Reply(hang=True))
        report = run_against(SEND, endpoint.root_url, home, sample_payload)
        assert endpoint.wait_for_requests(1)
    assert capture.SEND_TIMEOUT <= report["send_cost"] < capture.SEND_TIMEOUT + 3.0
