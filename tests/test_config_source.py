"""``doctor``, ``cache show`` and a run agree on the cache and the URL, by construction.

Every cache state and URL verdict goes through the three installed commands; what each says
about the cache (usable, absent, unusable and why) and about the URL must be the same, since
all three read it through ``pipelex_core.config_source``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelex_core.testing.config_server import ConfigServer, closed_port_url
from tests.cli_runner import EXAMPLES, Cli
from tests.stored_cache import write_pipelex_cache

BUNDLE = str(EXAMPLES / "bundles" / "parallel_review.mthds")


def absent(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    return None


def written_by_pipelex_core(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    with ConfigServer() as server:
        server.serve(payload, etag='"v1"')
        primed = cli.agent(
            "init", "--gateway", "--accept-terms", "--remote-config-url", server.url, "--force"
        )
    assert primed.code == 0, primed.stdout


def written_by_pipelex(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    write_pipelex_cache(cache_file, payload)


def not_json(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    cache_file.write_bytes(b'{"schema_version": 1, "raw_config": ')


def failing_the_schema(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    write_pipelex_cache(cache_file, {**payload, "aws_region": 7})


def of_a_foreign_version(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    cache_file.write_text(json.dumps({"cache_schema_version": 99, "payload": payload}))


def tampered_after_writing(cli: Cli, cache_file: Path, payload: dict[str, Any]) -> None:
    written_by_pipelex_core(cli, cache_file, payload)
    shared = json.loads(cache_file.read_bytes())
    shared["raw_config"]["aws_region"] = "somewhere-else"  # the metadata's hash now disagrees
    cache_file.write_text(json.dumps(shared))


CacheWriter = Callable[[Cli, Path, dict[str, Any]], None]
CACHES: dict[str, tuple[CacheWriter, str]] = {
    "absent": (absent, "absent"),
    "written-by-pipelex-core": (written_by_pipelex_core, "usable"),
    "written-by-pipelex": (written_by_pipelex, "usable"),
    "not-json": (not_json, "unusable"),
    "failing-the-schema": (failing_the_schema, "unusable"),
    "foreign-version": (of_a_foreign_version, "unusable"),
    "tampered": (tampered_after_writing, "unusable"),
}
URLS = {"allowed": closed_port_url, "refused": lambda: "http://catalogue.example/config.json"}


@pytest.mark.parametrize("url_verdict", sorted(URLS))
@pytest.mark.parametrize("cache_kind", sorted(CACHES))
def test_doctor_cache_show_and_a_run_say_the_same(
    cli: Cli,
    cache_file: Path,
    sample_payload: dict[str, Any],
    cache_kind: str,
    url_verdict: str,
) -> None:
    write, status = CACHES[cache_kind]
    configured = cli.agent(  # the Gateway on and its terms accepted; nothing cached yet
        "init", "--gateway", "--accept-terms", "--remote-config-url", closed_port_url()
    )
    assert configured.code == 0
    assert not cache_file.exists()
    write(cli, cache_file, sample_payload)
    url = URLS[url_verdict]()
    env = {"PIPELEX_GATEWAY": "1", "PIPELEX_REMOTE_CONFIG_URL": url}

    shown = cli.agent("cache", "show", **env)
    doctor = cli.agent("doctor", **env)
    run = cli.agent("validate", BUNDLE, **env)

    cache = shown.envelope["result"]["cache"]
    doctors_cache = doctor.envelope["result"]["cache"]
    assert {k: v for k, v in doctors_cache.items() if k != "age_seconds"} == {
        k: v for k, v in cache.items() if k != "age_seconds"
    }
    assert cache["present"] is (status != "absent")
    assert cache["usable"] is (status == "usable")
    problems = doctor.envelope["result"]["problems"]
    unusable = f"the cache at {cache_file} is unusable: {cache['reason']}"
    assert (unusable in problems) is (status == "unusable")

    if url_verdict == "refused":
        refusal = run.envelope["error"]["message"]
        assert run.code == 3, run.stdout
        assert run.envelope["error"]["type"] == "InsecureUrlError"
        assert refusal in problems
        assert doctor.envelope["result"]["gateway"]["reachability_error"] == refusal
        return
    if status == "usable":
        assert run.code == 0, run.stdout
        assert run.envelope["result"]["remote_config"]["source"] == "cached"
        assert run.envelope["result"]["remote_config"]["cached_at"] == cache["cached_at"]
        assert doctor.code == 0, problems
    else:
        assert run.code == 3, run.stdout
        error = run.envelope["error"]
        assert error["cache_state"] == status
        if status == "unusable":
            assert f"the cache at {cache_file} is unusable: {cache['reason']}" in error["message"]
        assert doctor.code == 1
        assert any("no usable cache" in problem for problem in problems)
