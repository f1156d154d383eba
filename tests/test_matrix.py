"""The behaviour matrix (docs/behaviour.md), rows 1-8, 11 and 12, through ``setup()``.

Each test is named after its row; each runs against a real loopback server and a real home.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import (
    GatewayUnknownModelError,
    RemoteConfigSource,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
    Settings,
    setup,
)
from pipelex_core.obtain import FALLBACK_FETCH_DEADLINE
from pipelex_core.settings import DEFAULT_FETCH_DEADLINE
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from tests.stored_cache import stored_cache

SettingsFactory = Callable[..., Settings]


def prime_cache(server: ConfigServer, make_settings: SettingsFactory) -> None:
    runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH


def run_stale(settings: Settings, **kwargs: Any) -> tuple[Any, list[RemoteConfigStaleWarning]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runtime = setup(needs_model_specs=True, settings=settings, **kwargs)
    stale = [w.message for w in caught if isinstance(w.message, RemoteConfigStaleWarning)]
    others = [w for w in caught if not isinstance(w.message, RemoteConfigStaleWarning)]
    assert others == []
    return runtime, stale


SOCKET_AUDIT = """
import json, sys
connects = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        connects.append(event)
sys.addaudithook(hook)
import warnings
warnings.simplefilter("ignore")
from pipelex_core import setup
runtime = setup(needs_model_specs=True)
print(json.dumps({"connects": connects,
                  "source": runtime.source.value if runtime.source else None}))
"""


def audited_setup(env: dict[str, str]) -> dict[str, Any]:
    """Run setup() in a fresh interpreter that records every socket connect and DNS look-up."""
    completed = subprocess.run(
        [sys.executable, "-c", SOCKET_AUDIT],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_row_1_byok_never_fetches(server: ConfigServer, home: Path) -> None:
    settings = Settings.load({"PIPELEX_HOME": str(home), "PIPELEX_REMOTE_CONFIG_URL": server.url})
    assert settings.gateway_enabled is False
    runtime = setup(needs_model_specs=True, needs_inference=True, settings=settings)
    assert runtime.remote_config is None
    assert runtime.source is None
    assert runtime.cached_at is None
    assert runtime.telemetry_enabled is False
    assert server.requests == []


def test_row_1_byok_opens_no_socket(server: ConfigServer, home: Path) -> None:
    audit = audited_setup({"PIPELEX_HOME": str(home), "PIPELEX_REMOTE_CONFIG_URL": server.url})
    assert audit == {"connects": [], "source": None}
    assert server.requests == []


def test_row_2_fresh_fetch_is_validated_then_cached(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH
    assert runtime.cached_at is None
    assert runtime.remote_config is not None
    assert len(runtime.remote_config.backend_model_specs) == 68
    envelope = stored_cache(cache_file)
    assert envelope["etag"] == '"sample-v1"'
    assert envelope["source_url"] == server.url
    assert len(server.requests) == 1


def test_setup_without_model_needs_fetches_nothing(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    runtime = setup(settings=make_settings(server.url))
    assert runtime.remote_config is None
    assert runtime.source is None
    assert server.requests == []


def test_row_3_outage_uses_labelled_cache(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    prime_cache(server, make_settings)
    runtime, stale = run_stale(make_settings(closed_port_url()))
    assert runtime.source is RemoteConfigSource.CACHED
    assert runtime.source.is_cached
    assert isinstance(runtime.cached_at, dt.datetime)
    assert runtime.telemetry_enabled is False
    assert len(stale) == 1
    message = str(stale[0])
    assert runtime.cached_at.isoformat() in message
    assert "pipelex init" in message
    assert "pipelex cache refresh" in message
    assert "refused the connection" in message
    assert stale[0].cached_at == runtime.cached_at


def test_row_3_on_stale_config_hook_is_told(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    from pipelex_core import Plugins, hookimpl

    seen: list[Any] = []

    class Listener:
        @hookimpl
        def on_stale_config(self, result: Any, settings: Settings) -> None:
            seen.append((result.source, result.cached_at, settings.home))

    prime_cache(server, make_settings)
    settings = make_settings(closed_port_url())
    plugins = Plugins.boot(extra_plugins=[Listener()])
    runtime, _ = run_stale(settings, plugins=plugins)
    assert seen == [(RemoteConfigSource.CACHED, runtime.cached_at, settings.home)]


def test_row_4_cold_outage_says_why_and_what_to_do(
    make_settings: SettingsFactory, cache_file: Path
) -> None:
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(closed_port_url()))
    error = raised.value
    assert "refused the connection" in error.message
    assert f"there is no cache at {cache_file}" in error.message
    assert error.hint is not None
    assert "pipelex init" in error.hint
    assert "PIPELEX_GATEWAY=0" in error.hint
    assert error.cache_state == "absent"
    assert error.cache_path == cache_file
    assert error.fetch_error is not None
    assert not cache_file.exists()


def test_row_4_unusable_cache_reason_is_carried(
    make_settings: SettingsFactory, cache_file: Path
) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b'{"cache_schema_version": 1, "payload": ')
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(closed_port_url()))
    error = raised.value
    assert error.cache_state == "unusable"
    assert error.cache_error is not None
    assert "not valid JSON" in error.cache_error.reason
    assert f"the cache at {cache_file} is unusable: it is not valid JSON" in error.message
    assert cache_file.read_bytes() == b'{"cache_schema_version": 1, "payload": '


def test_row_4_cache_failing_the_schema_is_unusable(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    from pipelex_core import CachedConfig, encode_envelope

    cache_file.parent.mkdir(parents=True)
    bad = CachedConfig(payload={"posthog": 1}, cached_at=dt.datetime.now(dt.UTC))
    cache_file.write_bytes(encode_envelope(bad))
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(closed_port_url()))
    assert raised.value.cache_state == "unusable"
    assert "fails the remote-config schema" in raised.value.message
    assert "$.posthog: expected an object" in raised.value.message


def write_deck(home: Path, llm_default: str) -> None:
    (home / "deck.toml").write_text(f'[choice_defaults]\nllm = "{llm_default}"\n', encoding="utf-8")


def test_row_5_unknown_model_fresh(
    server: ConfigServer, make_settings: SettingsFactory, home: Path
) -> None:
    write_deck(home, "gpt-9-imaginary")
    with pytest.raises(GatewayUnknownModelError) as raised:
        setup(needs_model_specs=True, settings=make_settings(server.url))
    error = raised.value
    assert error.model == "gpt-9-imaginary"
    assert error.source is RemoteConfigSource.FRESH
    assert "'gpt-9-imaginary' is not in the Pipelex Gateway catalogue" in error.message
    assert "stale" not in error.message


def test_row_5_unknown_model_cached_says_cache_may_be_stale(
    server: ConfigServer, make_settings: SettingsFactory, home: Path
) -> None:
    prime_cache(server, make_settings)
    write_deck(home, "gpt-9-imaginary")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RemoteConfigStaleWarning)
        with pytest.raises(GatewayUnknownModelError) as raised:
            setup(needs_model_specs=True, settings=make_settings(closed_port_url()))
    error = raised.value
    assert error.model == "gpt-9-imaginary"
    assert error.source is RemoteConfigSource.CACHED
    assert "may be stale" in error.message
    assert error.hint is not None
    assert "pipelex cache refresh" in error.hint


def test_row_6_schema_break_never_falls_back(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    prime_cache(server, make_settings)
    before = cache_file.read_bytes()
    server.serve({"posthog": {"endpoint": 3}, "backend_model_specs": [], "aws_region": "x"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RemoteConfigValidationError) as raised:
            setup(needs_model_specs=True, settings=make_settings(server.url))
    problems = raised.value.problems
    assert "$.posthog.endpoint: expected a string, got an integer" in problems
    assert "$.posthog.project_api_key: required field missing" in problems
    assert "$.backend_model_specs: expected an object, got an array" in problems
    assert cache_file.read_bytes() == before


def test_row_6_json_of_the_wrong_shape_is_a_schema_break(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    prime_cache(server, make_settings)
    before = cache_file.read_bytes()
    server.serve(["not", "an", "object"])
    with pytest.raises(RemoteConfigValidationError, match=r"\$: expected an object"):
        setup(needs_model_specs=True, settings=make_settings(server.url))
    assert cache_file.read_bytes() == before


def test_row_7_require_fresh_refuses_the_cache(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    prime_cache(server, make_settings)
    before = cache_file.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RemoteConfigUnavailableError) as raised:
            setup(
                needs_model_specs=True,
                require_fresh=True,
                settings=make_settings(closed_port_url()),
            )
    error = raised.value
    assert error.cache_refused is True
    assert "was refused because fresh data is required" in error.message
    assert "refused the connection" in error.message
    assert cache_file.read_bytes() == before


def test_row_7_a_cache_failing_the_schema_is_unusable_not_refused(
    make_settings: SettingsFactory, cache_file: Path
) -> None:
    """Fresh data required or not, the error describes the cache as a run falling back would
    find it: one whose payload fails the schema is unusable, never "refused" as if usable."""
    from pipelex_core import CachedConfig, encode_envelope

    cache_file.parent.mkdir(parents=True)
    bad = CachedConfig(payload={"posthog": 1}, cached_at=dt.datetime.now(dt.UTC))
    cache_file.write_bytes(encode_envelope(bad))
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(
            needs_model_specs=True,
            require_fresh=True,
            settings=make_settings(closed_port_url()),
        )
    error = raised.value
    assert error.cache_state == "unusable"
    assert error.cache_refused is False
    assert "fails the remote-config schema" in error.message
    assert "refused because fresh data is required" not in error.message


def test_row_7_require_fresh_online_is_fresh(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    runtime = setup(needs_model_specs=True, require_fresh=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH


def test_row_8_offline_switch_uses_cache_with_zero_requests(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    prime_cache(server, make_settings)
    requests_before = len(server.requests)
    runtime, stale = run_stale(make_settings(server.url, PIPELEX_OFFLINE="1"))
    assert runtime.source is RemoteConfigSource.CACHED
    assert len(stale) == 1
    assert "PIPELEX_OFFLINE=1" in str(stale[0])
    assert len(server.requests) == requests_before


def test_row_8_offline_switch_opens_no_socket(
    server: ConfigServer, make_settings: SettingsFactory, home: Path
) -> None:
    prime_cache(server, make_settings)
    requests_before = len(server.requests)
    audit = audited_setup(
        {
            "PIPELEX_HOME": str(home),
            "PIPELEX_GATEWAY": "1",
            "PIPELEX_OFFLINE": "1",
            "PIPELEX_REMOTE_CONFIG_URL": server.url,
        }
    )
    assert audit == {"connects": [], "source": "cached"}
    assert len(server.requests) == requests_before


def test_row_8_offline_switch_without_cache_is_unavailable(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(server.url, PIPELEX_OFFLINE="1"))
    assert "PIPELEX_OFFLINE=1" in raised.value.message
    assert raised.value.hint is not None
    assert "Unset PIPELEX_OFFLINE" in raised.value.hint
    assert server.requests == []


@pytest.mark.parametrize(
    ("reply", "named"),
    [
        (
            Reply(status=200, body=b"<html><body>Please log in to the Wi-Fi</body></html>"),
            "the answer is a web page, not JSON, starting '<html><body>Please log in",
        ),
        (
            Reply(status=200, body=b"\xff\xfe not utf-8 \x80"),
            "the server sent a body that is not valid JSON (Expecting value at byte 0 of",
        ),
        (
            Reply(status=200, body=b'{"aws_region": "\x80"}'),
            "not valid JSON (its text is not in a Unicode encoding JSON allows (invalid start",
        ),
        (
            Reply(status=200, body=b'{"posthog": '),
            "the server sent a body that is not valid JSON (Expecting value at byte 12 of 12)",
        ),
    ],
    ids=["captive-portal-html", "utf16-bom-garbage", "invalid-utf8", "truncated-json"],
)
def test_row_11_not_json_is_a_network_failure(
    reply: Reply,
    named: str,
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
) -> None:
    prime_cache(server, make_settings)
    before = cache_file.read_bytes()
    server.serve_reply(reply)
    runtime, stale = run_stale(make_settings(server.url))
    assert runtime.source is RemoteConfigSource.CACHED
    assert len(stale) == 1
    assert named in str(stale[0])
    assert cache_file.read_bytes() == before


def test_row_11_not_json_without_cache_is_unavailable(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.serve_reply(Reply(status=200, body=b"<html>portal</html>"))
    with pytest.raises(RemoteConfigUnavailableError, match="not JSON"):
        setup(needs_model_specs=True, settings=make_settings(server.url))


def test_row_12_four_failures_then_success_is_fresh(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.enqueue(
        Reply(status=503, headers={"Retry-After": "0"}),
        Reply(status=500),
        Reply(status=429, headers={"Retry-After": "0"}),
        Reply(status=502),
    )
    runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH
    assert len(server.requests) == 5


def test_row_12_five_failures_fall_back_to_cache(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    prime_cache(server, make_settings)
    server.requests.clear()
    server.enqueue(*[Reply(status=503, headers={"Retry-After": "0"})] * 5)
    runtime, stale = run_stale(make_settings(server.url))
    assert runtime.source is RemoteConfigSource.CACHED
    assert len(server.requests) == 5
    assert "HTTP 503" in str(stale[0])


def test_row_12_five_failures_without_cache_is_unavailable(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.enqueue(*[Reply(status=500)] * 5)
    with pytest.raises(RemoteConfigUnavailableError, match="HTTP 500"):
        setup(needs_model_specs=True, settings=make_settings(server.url))
    assert len(server.requests) == 5


def test_row_12_retry_after_is_honoured(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.enqueue(Reply(status=429, headers={"Retry-After": "1"}))
    runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH
    first, second = server.requests
    assert second.at - first.at >= 1.0


def test_row_12_retry_after_beyond_the_deadline_falls_back_at_once(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    prime_cache(server, make_settings)
    server.requests.clear()
    server.enqueue(Reply(status=503, headers={"Retry-After": "120"}))
    runtime, _ = run_stale(make_settings(server.url))
    assert runtime.source is RemoteConfigSource.CACHED
    assert len(server.requests) == 1


def test_row_12_hanging_server_is_bounded_by_the_deadline(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.serve_reply(Reply(hang=True))
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(
            needs_model_specs=True,
            settings=make_settings(server.url, PIPELEX_FETCH_DEADLINE="0.5"),
        )
    assert "within 0.5s" in raised.value.message


def test_row_12_hanging_server_with_a_cache_falls_back_at_the_fallback_deadline(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    """With the default 10 s deadline and a usable cache, a hanging server costs the 1.5 s
    fallback deadline, not the full one: waited out, then the cache, labelled."""
    prime_cache(server, make_settings)
    server.serve_reply(Reply(hang=True))
    settings = make_settings(server.url)
    assert settings.fetch_deadline == DEFAULT_FETCH_DEADLINE == 10.0
    assert FALLBACK_FETCH_DEADLINE == 1.5  # the figure the README promises
    started = time.monotonic()
    runtime, stale = run_stale(settings)
    elapsed = time.monotonic() - started
    assert runtime.source is RemoteConfigSource.CACHED
    assert len(stale) == 1
    assert f"within {FALLBACK_FETCH_DEADLINE}s" in str(stale[0])
    assert FALLBACK_FETCH_DEADLINE <= elapsed < DEFAULT_FETCH_DEADLINE


def test_row_7_require_fresh_keeps_the_full_retry_budget_even_with_a_cache(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    """The cache cannot stand in when fresh data is required, so the fetch must not give up
    early as it does when a fallback is allowed: a Retry-After of 2 s is waited out."""
    prime_cache(server, make_settings)
    server.requests.clear()
    server.enqueue(Reply(status=503, headers={"Retry-After": "2"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime = setup(
            needs_model_specs=True, require_fresh=True, settings=make_settings(server.url)
        )
    assert runtime.source is RemoteConfigSource.FRESH
    first, second = server.requests
    assert second.at - first.at >= 2.0


def test_an_empty_catalogue_never_empties_a_good_cache(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    """The run uses the fresh (empty) catalogue, labelled fresh, with a warning; the cache
    keeps its models for offline runs."""
    from pipelex_core import RemoteConfigEmptyCatalogueWarning

    prime_cache(server, make_settings)
    before = cache_file.read_bytes()
    server.serve({**sample_payload, "backend_model_specs": {}}, etag='"empty"')
    with pytest.warns(RemoteConfigEmptyCatalogueWarning, match="lists no models") as caught:
        runtime = setup(
            needs_model_specs=True, check_models=False, settings=make_settings(server.url)
        )
    assert runtime.source is RemoteConfigSource.FRESH
    assert runtime.remote_config is not None
    assert len(runtime.remote_config.backend_model_specs) == 0
    assert "68 models) was kept for offline runs" in str(caught[0].message)
    assert cache_file.read_bytes() == before


def test_an_empty_catalogue_with_no_cache_is_cached_without_a_word(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    server.serve({**sample_payload, "backend_model_specs": {}}, etag='"empty"')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime = setup(
            needs_model_specs=True, check_models=False, settings=make_settings(server.url)
        )
    assert runtime.source is RemoteConfigSource.FRESH
    assert cache_file.exists()


def test_setup_s_warnings_point_at_the_code_that_called_setup(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    """A library user's warning filter and traceback see their own line, not pipelex-core's."""
    from pipelex_core import RemoteConfigCacheWriteWarning, RemoteConfigEmptyCatalogueWarning

    def warned(settings: Settings) -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            setup(needs_model_specs=True, check_models=False, settings=settings)  # the line
        return caught

    call_line = next(
        number
        for number, text in enumerate(Path(__file__).read_text().splitlines(), start=1)
        if text.endswith("settings=settings)  # the line")
    )

    prime_cache(server, make_settings)
    server.serve({**sample_payload, "backend_model_specs": {}})
    empty = warned(make_settings(server.url))
    server.serve_reply(Reply(status=500))
    stale = warned(make_settings(server.url, PIPELEX_FETCH_DEADLINE="1"))
    server.serve(sample_payload)
    cache_file.unlink()
    cache_file.mkdir()  # the write fails: a directory is in the way
    unwritten = warned(make_settings(server.url))
    kinds = [
        (RemoteConfigEmptyCatalogueWarning, empty),
        (RemoteConfigStaleWarning, stale),
        (RemoteConfigCacheWriteWarning, unwritten),
    ]
    for kind, caught in kinds:
        assert [w.category for w in caught] == [kind]
        assert (caught[0].filename, caught[0].lineno) == (__file__, call_line), kind


def test_an_empty_catalogue_over_a_cache_failing_the_schema_replaces_it(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    """A cache that fails the schema has no models worth keeping: the fresh (empty) catalogue
    is cached over it, without the keep-the-cache warning."""
    prime_cache(server, make_settings)
    shared = json.loads(cache_file.read_bytes())
    shared["raw_config"]["posthog"] = "broken"
    cache_file.write_text(json.dumps(shared))
    Path(f"{cache_file}.meta").unlink()  # read as a cache Pipelex wrote: loaded, then checked
    server.serve({**sample_payload, "backend_model_specs": {}}, etag='"empty"')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime = setup(
            needs_model_specs=True, check_models=False, settings=make_settings(server.url)
        )
    assert runtime.source is RemoteConfigSource.FRESH
    assert json.loads(cache_file.read_bytes())["raw_config"]["backend_model_specs"] == {}


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (500, True), (599, True), (428, False), (499, False), (600, False)],
)
def test_row_12_which_statuses_are_retried(
    status: int, retried: bool, server: ConfigServer, make_settings: SettingsFactory
) -> None:
    """429 and every 5xx, no Retry-After needed; any other failure status is final."""
    server.enqueue(Reply(status=status))
    if retried:
        runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
        assert runtime.source is RemoteConfigSource.FRESH
        assert len(server.requests) == 2
    else:
        with pytest.raises(RemoteConfigUnavailableError, match=f"HTTP {status}"):
            setup(needs_model_specs=True, settings=make_settings(server.url))
        assert len(server.requests) == 1


def test_row_12_retries_back_off_exponentially(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    """0.05 s doubling from the second retry: lower bounds only (a wait can only be longer)."""
    server.enqueue(*[Reply(status=500)] * 3)
    setup(needs_model_specs=True, settings=make_settings(server.url))
    at = [request.at for request in server.requests]
    assert len(at) == 4
    assert at[2] - at[1] >= 0.1
    assert at[3] - at[2] >= 0.2


def test_row_12_retry_after_beyond_the_deadline_is_not_slept_without_a_cache(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    """The 503 is the answer at once (not a wait of 120 s cut off by the deadline)."""
    server.enqueue(Reply(status=503, headers={"Retry-After": "120"}))
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(server.url))
    assert "the server answered HTTP 503 Service Unavailable" in raised.value.message
    assert len(server.requests) == 1


def test_the_retry_policy_fails_fast_on_connections_only_with_a_fallback() -> None:
    """With a cache to fall back on, a refused connection is final; without one, it is
    retried like a failed read. Redirects are followed by the fetcher, never retried."""
    from pipelex_http_fetcher.retry import DeadlineRetry

    hurried = DeadlineRetry.for_fetch(deadline=0.0, fail_fast=True)
    patient = DeadlineRetry.for_fetch(deadline=0.0, fail_fast=False)
    assert (hurried.connect, patient.connect) == (0, 4)
    assert (hurried.read, hurried.status, hurried.other, hurried.redirect) == (4, 4, 0, 0)
