"""Network faults, each injected for real, each with and without a usable cache.

docs/reliability.md's table lists these faults and outcomes; keep both in step.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import (
    InsecureUrlError,
    RemoteConfigSource,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
    Settings,
    setup,
)
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url

SettingsFactory = Callable[..., Settings]
DEEP = b"[" * 100_000 + b"]" * 100_000
_SAMPLE = json.loads((Path(__file__).parent / "fixtures" / "remote_config.sample.json").read_text())
_SAMPLE["backend_model_specs"]["gpt-4o"]["costs"] = {"input": float("nan"), "output": 1e999}
NON_FINITE = json.dumps(_SAMPLE).encode()  # writes NaN and Infinity, as a broken server might


def over_cap_chunked() -> Reply:
    return Reply(status=200, body=b'{"x": "' + b"a" * (17 * 1024 * 1024) + b'"}', chunked=True)


#: fault -> (server reply, or None to use a closed port), outcome with cache, outcome without
FAULTS: dict[str, tuple[Reply | None, str, str]] = {
    "connection-refused": (None, "cached", "unavailable"),
    "accepts-never-answers": (Reply(hang=True), "cached", "unavailable"),
    "drips-byte-by-byte": (
        Reply(body=b'{"posthog": ' + b" " * 5000 + b"}", drip=0.002),
        "cached",
        "unavailable",
    ),
    "reset-mid-body": (
        Reply(
            body=b'{"posthog": {"endpoint": "x"}, "padding": "' + b"p" * 4096 + b'"}', reset=True
        ),
        "cached",
        "unavailable",
    ),
    "500-storm": (Reply(status=500), "cached", "unavailable"),
    "503-storm": (Reply(status=503, headers={"Retry-After": "0"}), "cached", "unavailable"),
    "redirect-to-plain-http-elsewhere": (
        Reply(status=302, headers={"Location": "http://config.example.com/rc.json"}),
        "insecure",
        "insecure",
    ),
    "redirect-to-an-unparseable-url": (
        Reply(status=302, headers={"Location": "http://[::1"}),
        "cached",
        "unavailable",
    ),
    "redirect-to-a-host-with-an-empty-label": (
        Reply(status=302, headers={"Location": "https://a..b/rc.json"}),
        "cached",
        "unavailable",
    ),
    "captive-portal-html": (
        Reply(body=b"<html><body>Log in to the Wi-Fi</body></html>"),
        "cached",
        "unavailable",
    ),
    "json-of-the-wrong-shape": (Reply(body=b'{"posthog": "nope"}'), "validation", "validation"),
    "size-over-the-cap-declared": (
        Reply(body=b"{}", declared_length=1024**3),
        "cached",
        "unavailable",
    ),
    "size-over-the-cap-streamed": (None, "cached", "unavailable"),  # chunked, built below
    "deeply-nested-json": (Reply(body=DEEP), "validation", "validation"),
    # NaN and Infinity are not JSON, yet Python's parser reads them: a schema break, no price
    "non-finite-cost": (Reply(body=NON_FINITE), "validation", "validation"),
    "invalid-utf8": (Reply(body=b'{"posthog": "\xff\xfe"}'), "cached", "unavailable"),
}


def outcome_of(settings: Settings) -> tuple[str, list[RemoteConfigStaleWarning]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            runtime = setup(needs_model_specs=True, settings=settings)
        except RemoteConfigUnavailableError:
            outcome = "unavailable"
        except RemoteConfigValidationError:
            outcome = "validation"
        except InsecureUrlError:
            outcome = "insecure"
        else:
            assert runtime.source is not None
            outcome = runtime.source.value
    stale = [w.message for w in caught if isinstance(w.message, RemoteConfigStaleWarning)]
    others = [w for w in caught if not isinstance(w.message, RemoteConfigStaleWarning)]
    assert others == []
    return outcome, stale


@pytest.mark.parametrize("with_cache", [True, False], ids=["with-cache", "without-cache"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_network_fault(
    fault: str,
    with_cache: bool,
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
) -> None:
    reply, expected_with, expected_without = FAULTS[fault]
    if with_cache:
        assert (
            setup(needs_model_specs=True, settings=make_settings(server.url)).source
            is RemoteConfigSource.FRESH
        )
    before = cache_file.read_bytes() if with_cache else None
    url = server.url
    if fault == "connection-refused":
        url = closed_port_url()
    elif fault == "size-over-the-cap-streamed":
        server.serve_reply(over_cap_chunked())
    else:
        assert reply is not None
        server.serve_reply(reply)
    outcome, stale = outcome_of(make_settings(url, PIPELEX_FETCH_DEADLINE="1"))
    assert outcome == (expected_with if with_cache else expected_without)
    assert len(stale) == (1 if outcome == "cached" else 0)
    if with_cache:
        assert cache_file.read_bytes() == before
    else:
        assert not cache_file.exists()


DNS = textwrap.dedent(
    """
    import json, warnings
    from pipelex_core import setup, RemoteConfigUnavailableError
    warnings.simplefilter("ignore")
    try:
        runtime = setup(needs_model_specs=True)
        print(json.dumps({"source": runtime.source.value}))
    except RemoteConfigUnavailableError as exc:
        print(json.dumps({"error": exc.message}))
    """
)


@pytest.mark.parametrize("with_cache", [True, False], ids=["with-cache", "without-cache"])
def test_dns_failure(
    with_cache: bool, server: ConfigServer, make_settings: SettingsFactory, home: Path
) -> None:
    """An unresolvable ``.invalid`` host, resolved inside a fresh network namespace (``unshare
    --net``) so that the look-up fails on this machine and no packet leaves it."""
    if with_cache:
        setup(needs_model_specs=True, settings=make_settings(server.url))
    completed = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", DNS],
        env={
            "PATH": "/usr/bin:/bin",
            "PIPELEX_HOME": str(home),
            "PIPELEX_GATEWAY": "1",
            "PIPELEX_REMOTE_CONFIG_URL": "https://pipelex-config.invalid/remote_config.json",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    if with_cache:
        assert result == {"source": "cached"}
    else:
        assert "the host name 'pipelex-config.invalid' could not be resolved" in result["error"]
        assert "there is no cache" in result["error"]
