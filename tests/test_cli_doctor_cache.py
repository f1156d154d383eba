"""doctor, cache show/refresh/clear/export/import, and plugins through the installed commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipelex_core.testing.config_server import ConfigServer, closed_port_url
from tests.cli_runner import EXAMPLES, Cli
from tests.conftest import FIXTURES
from tests.stored_cache import write_pipelex_cache

BUNDLE = str(EXAMPLES / "bundles" / "summarize.mthds")


def prime(cli: Cli, server: ConfigServer) -> None:
    completed = cli.agent("init", "--gateway", "--accept-terms", "--remote-config-url", server.url)
    assert completed.envelope["result"]["cache_primed"] is True


def test_doctor_byok_is_healthy(cli: Cli) -> None:
    completed = cli.agent("doctor")
    assert completed.code == 0
    report = completed.envelope["result"]
    assert report["gateway"]["enabled"] is False
    assert report["problems"] == []
    assert report["cache"]["present"] is False
    assert report["telemetry"]["enabled"] is False
    names = {b["name"] for b in report["byok_backends"]}
    assert names == {"openai", "anthropic", "google", "mistral", "linkup", "internal"}
    internal = next(b for b in report["byok_backends"] if b["name"] == "internal")
    assert internal["api_key_env"] is None  # runs locally: no key to set
    assert {p["name"] for p in report["plugins"]} >= {"pipelex_http_fetcher", "pipelex_file_cache"}
    human = cli.run("doctor")
    assert human.code == 0
    assert "No problems found." in human.stdout
    assert "BYOK internal: 1 models, no key needed" in human.stdout


def test_doctor_reports_api_keys_without_printing_them(cli: Cli) -> None:
    completed = cli.agent("doctor", OPENAI_API_KEY="sk-secret-value-123")
    openai = next(b for b in completed.envelope["result"]["byok_backends"] if b["name"] == "openai")
    assert openai["api_key_set"] is True
    assert "sk-secret-value-123" not in completed.stdout + completed.stderr
    human = cli.run("doctor", OPENAI_API_KEY="sk-secret-value-123")
    assert "sk-secret-value-123" not in human.stdout + human.stderr


def test_doctor_unreachable_with_usable_cache_is_fine(cli: Cli, server: ConfigServer) -> None:
    prime(cli, server)
    completed = cli.agent("doctor", PIPELEX_REMOTE_CONFIG_URL=closed_port_url())
    assert completed.code == 0
    report = completed.envelope["result"]
    assert report["gateway"]["reachable"] is False
    assert "refused the connection" in report["gateway"]["reachability_error"]
    assert report["cache"]["usable"] is True
    assert report["cache"]["models"] == 68


def test_doctor_reachable_gateway(cli: Cli, server: ConfigServer) -> None:
    prime(cli, server)
    completed = cli.agent("doctor")
    assert completed.code == 0
    assert completed.envelope["result"]["gateway"]["reachable"] is True
    assert completed.envelope["result"]["telemetry"] == {
        "enabled": True,
        "reason": "Gateway inference run on a fresh remote config",
        "applies_to": "inference runs",
    }
    opted_out = cli.agent("doctor", DO_NOT_TRACK="1")
    assert opted_out.envelope["result"]["telemetry"]["enabled"] is False
    assert "opted out" in opted_out.envelope["result"]["telemetry"]["reason"]
    offline = cli.agent("doctor", PIPELEX_REMOTE_CONFIG_URL=closed_port_url())
    assert offline.envelope["result"]["telemetry"]["enabled"] is False
    assert "cached runs send nothing" in offline.envelope["result"]["telemetry"]["reason"]


def test_doctor_gateway_without_cache_or_network_needs_action(cli: Cli) -> None:
    completed = cli.agent(
        "doctor", PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=closed_port_url()
    )
    assert completed.code == 1
    envelope = completed.envelope
    assert envelope["ok"] is False
    assert envelope["error"]["type"] == "DoctorFoundProblemsError"
    assert any("no usable cache" in p for p in envelope["error"]["problems"])
    assert envelope["result"]["cache"]["present"] is False


def test_doctor_unusable_cache_needs_action(cli: Cli, cache_file: Path) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text('{"cache_schema_version": 99}')
    completed = cli.agent("doctor")
    assert completed.code == 1
    cache = completed.envelope["result"]["cache"]
    assert cache["present"] is True
    assert cache["usable"] is False
    assert "cache_schema_version 99" in cache["reason"]
    assert cache_file.read_text() == '{"cache_schema_version": 99}'
    human = cli.run("doctor")
    assert human.code == 1
    assert "Cache: UNUSABLE" in human.stdout


def test_doctor_invalid_config_file_needs_action(cli: Cli) -> None:
    (cli.home / "deck.toml").write_text("[aliases\n")
    completed = cli.agent("doctor")
    assert completed.code == 1
    deck = next(f for f in completed.envelope["result"]["config_files"] if f["file"] == "deck.toml")
    assert deck["valid"] is False
    assert "invalid TOML" in deck["error"]


def test_doctor_reports_an_invalid_service_file_once(cli: Cli) -> None:
    """The file check and the settings check both meet it: one problem, said once."""
    (cli.home / "pipelex_service.toml").write_text('remote_config_url = "https://x/a\nb"\n')
    completed = cli.agent("doctor")
    assert completed.code == 1
    problems = completed.envelope["result"]["problems"]
    assert len(problems) == 1
    assert "pipelex_service.toml: invalid TOML" in problems[0]


def test_cache_show_refresh_clear(cli: Cli, server: ConfigServer, cache_file: Path) -> None:
    absent = cli.agent("cache", "show")
    assert absent.code == 0
    assert absent.envelope["result"]["cache"]["present"] is False
    prime(cli, server)
    shown = cli.agent("cache", "show")
    assert shown.envelope["result"]["cache"]["models"] == 68
    assert shown.envelope["result"]["cache"]["etag"] == '"sample-v1"'
    refreshed = cli.agent("cache", "refresh")
    assert refreshed.code == 0
    assert refreshed.envelope["result"]["stored"] is True
    assert refreshed.envelope["result"]["remote_config"]["source"] == "fresh"
    cleared = cli.agent("cache", "clear")
    assert cleared.envelope["result"]["removed"] == [str(cache_file)]
    assert not cache_file.exists()
    again = cli.agent("cache", "clear")
    assert again.envelope["result"]["removed"] == []


def test_cache_export_import_round_trip_keeps_cached_at(
    cli: Cli, server: ConfigServer, cache_file: Path, tmp_path: Path
) -> None:
    prime(cli, server)
    exported = tmp_path / "snapshot.json"
    completed = cli.agent("cache", "export", str(exported))
    assert completed.code == 0
    original = json.loads(cache_file.read_bytes())
    snapshot = json.loads(exported.read_bytes())
    # An export is one self-contained file: the payload with its time, ETag, URL and hash.
    assert (snapshot["payload"], snapshot["cached_at"]) == (
        original["raw_config"],
        original["cached_at"],
    )
    assert snapshot["etag"] == '"sample-v1"'
    cli.agent("cache", "clear")

    sandbox = Cli(home=tmp_path / "sandbox-home")
    imported = sandbox.agent("cache", "import", str(exported))
    assert imported.code == 0, imported.stdout
    assert imported.envelope["result"]["cached_at"] == original["cached_at"]
    installed = sandbox.home / "cache" / "remote_config.json"
    assert json.loads(installed.read_bytes())["cached_at"] == original["cached_at"]
    assert stat.S_IMODE(installed.stat().st_mode) == 0o600
    # the sandbox has no network: its dry run runs on the imported cache, labelled
    dry = sandbox.agent(
        "run", BUNDLE, "--dry-run", PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=closed_port_url()
    )
    assert dry.code == 0
    assert dry.envelope["result"]["remote_config"] == {
        "source": "cached",
        "cached_at": original["cached_at"],
    }


def test_cache_import_refuses_a_tampered_file(
    cli: Cli, server: ConfigServer, cache_file: Path, tmp_path: Path
) -> None:
    prime(cli, server)
    before = cache_file.read_bytes()
    assert cli.agent("cache", "export", str(tmp_path / "good.json")).code == 0
    envelope = json.loads((tmp_path / "good.json").read_bytes())
    envelope["payload"]["aws_region"] = "tampered"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(envelope))
    completed = cli.agent("cache", "import", str(bad))
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "CacheUnusableError"
    assert "payload_sha256 does not match" in completed.envelope["error"]["message"]
    assert cache_file.read_bytes() == before


def test_cache_import_refuses_a_payload_failing_the_schema(
    cli: Cli, cache_file: Path, tmp_path: Path
) -> None:
    import datetime as dt

    from pipelex_core import CachedConfig, encode_envelope

    bad = tmp_path / "bad.json"
    bad.write_bytes(
        encode_envelope(CachedConfig(payload={"posthog": 1}, cached_at=dt.datetime.now(dt.UTC)))
    )
    completed = cli.agent("cache", "import", str(bad))
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "RemoteConfigValidationError"
    assert not cache_file.exists()


def test_cache_export_without_cache(cli: Cli, tmp_path: Path) -> None:
    completed = cli.agent("cache", "export", str(tmp_path / "x.json"))
    assert completed.code == 3
    assert "no usable cache to export" in completed.envelope["error"]["message"]
    assert not (tmp_path / "x.json").exists()


def test_plugins_lists_name_distribution_version_hooks(cli: Cli) -> None:
    completed = cli.agent("plugins")
    assert completed.code == 0
    rows = {row["name"]: row for row in completed.envelope["result"]["plugins"]}
    fetcher = rows["pipelex_http_fetcher"]
    assert fetcher["distribution"] == "pipelex-core"
    assert fetcher["version"]
    assert fetcher["hooks"] == ["fetch_config"]
    assert rows["pipelex_file_cache"]["hooks"] == [
        "clear_cached_config",
        "import_cached_config",
        "load_cached_config",
        "store_config",
    ]
    disabled = cli.agent("plugins", PIPELEX_DISABLE_PLUGINS="pipelex_http_fetcher")
    assert "pipelex_http_fetcher" not in {r["name"] for r in disabled.envelope["result"]["plugins"]}


def test_bad_environment_is_exit_3_not_a_traceback(cli: Cli) -> None:
    completed = cli.agent("validate", BUNDLE, PIPELEX_FETCH_DEADLINE="soon")
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "ConfigurationError"
    human = cli.run("validate", BUNDLE, PIPELEX_FETCH_DEADLINE="soon")
    assert human.code == 3
    assert "Traceback" not in human.stderr
    assert "PIPELEX_FETCH_DEADLINE='soon'" in human.stderr


def test_cache_export_behaves_like_a_shell_redirection(
    cli: Cli, server: ConfigServer, cache_file: Path, tmp_path: Path
) -> None:
    prime(cli, server)
    assert cli.agent("cache", "export", str(tmp_path / "first.json")).code == 0
    envelope = (tmp_path / "first.json").read_bytes()
    assert json.loads(envelope)["payload"] == json.loads(cache_file.read_bytes())["raw_config"]
    # an existing file is not replaced without --force
    existing = tmp_path / "snapshot.json"
    existing.write_bytes(b"keep me")
    refused = cli.agent("cache", "export", str(existing))
    assert refused.code == 2
    assert "already exists" in refused.envelope["error"]["message"]
    assert existing.read_bytes() == b"keep me"
    assert cli.agent("cache", "export", "--force", str(existing)).code == 0
    assert existing.read_bytes() == envelope
    # a symlink is written through, never replaced
    target = tmp_path / "target.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert cli.agent("cache", "export", str(link)).code == 0
    assert link.is_symlink()
    assert target.read_bytes() == envelope
    # a FIFO is written through (a reader drains it), never replaced by a file
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE) as reader:
        assert cli.agent("cache", "export", str(fifo)).code == 0
        drained, _ = reader.communicate(timeout=30)
    assert drained == envelope
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    # - is stdout in the human face, refused in the agent face (its stdout is the envelope)
    assert json.loads(cli.run("cache", "export", "-").stdout) == json.loads(envelope)
    assert cli.agent("cache", "export", "-").code == 2


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://example.com/x", "Refusing plain http:// remote config URL"),
        ("ftp://x/y", "it must start with https://"),
        ("https://a..b/x", "the host 'a..b' has an empty label"),
    ],
)
@pytest.mark.parametrize("gateway", ["0", "1"], ids=["byok", "gateway"])
def test_doctor_never_clears_a_url_the_commands_refuse(
    cli: Cli, url: str, fragment: str, gateway: str
) -> None:
    (cli.home / "pipelex_service.toml").write_text(f'remote_config_url = "{url}"\n')
    completed = cli.agent("doctor", PIPELEX_GATEWAY=gateway)
    assert completed.code == 1
    problems = completed.envelope["result"]["problems"]
    assert any(fragment in problem for problem in problems), problems
    if gateway == "1":
        assert completed.envelope["result"]["gateway"]["reachable"] is None  # never fetched
        assert cli.agent("models", PIPELEX_GATEWAY="1").code == 3  # what doctor foretells


def test_cache_import_reads_only_a_regular_file_and_never_waits(cli: Cli, tmp_path: Path) -> None:
    """/dev/zero would be read forever, a FIFO would wait for a writer: both refused at once."""
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    for path, what in ((Path("/dev/zero"), "a character device"), (fifo, "a FIFO (named pipe)")):
        completed = cli.agent("cache", "import", str(path))
        assert completed.code == 2
        assert completed.envelope["error"]["message"] == (
            f"{path} cannot be imported: it is {what}, not a regular file."
        )
    assert not (cli.home / "cache" / "remote_config.json").exists()


def test_doctor_reports_a_fifo_at_the_cache_path_without_waiting(
    cli: Cli, cache_file: Path
) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(cache_file)
    completed = cli.agent("doctor", PIPELEX_GATEWAY="1", PIPELEX_OFFLINE="1")
    assert completed.code == 1
    cache = completed.envelope["result"]["cache"]
    assert cache["usable"] is False
    assert cache["reason"] == "it is a FIFO (named pipe), not a regular file"


def test_cache_refresh_that_cannot_write_is_not_ok(
    cli: Cli, server: ConfigServer, cache_file: Path
) -> None:
    prime(cli, server)
    cache_file.unlink()
    cache_file.mkdir()  # something that is not ours where the cache goes
    completed = cli.agent("cache", "refresh")
    assert completed.code == 3
    assert completed.envelope["ok"] is False
    assert completed.envelope["error"]["type"] == "CacheNotRefreshedError"
    assert "could not write the cache" in completed.envelope["error"]["message"]
    assert completed.envelope["result"]["stored"] is False
    assert any("is left as it is" in w["message"] for w in completed.envelope["warnings"])
    assert cache_file.is_dir()


def test_a_cache_dated_in_the_future_says_so(cli: Cli, cache_file: Path) -> None:
    """Clock skew between machines (export on one, import on another) is named, not a
    negative age."""
    from pipelex_core import CachedConfig, encode_envelope

    payload = json.loads((FIXTURES / "remote_config.sample.json").read_text())
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    cache_file.parent.mkdir(parents=True, mode=0o700)
    cache_file.write_bytes(encode_envelope(CachedConfig(payload=payload, cached_at=ahead)))
    shown = cli.run("cache", "show", PIPELEX_GATEWAY="1")
    assert shown.code == 0
    assert "dated 3 h in the future: the clocks of two machines disagree" in shown.stdout
    assert " -" not in shown.stdout.split("cached at", 1)[1].split("\n", 1)[0]


def test_a_cache_of_another_url_stands_in_but_says_whose_it_is(
    cli: Cli, server: ConfigServer
) -> None:
    """Decision: after the URL changes (staging to production), the old URL's cache may still
    stand in during an outage, labelled as always; the stale warning and doctor name its URL.
    The envelope's `remote_config` keeps its two keys."""
    prime(cli, server)
    other = closed_port_url()
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    completed = cli.agent("validate", bundle, PIPELEX_REMOTE_CONFIG_URL=other)
    assert completed.code == 0, completed.stdout
    assert completed.envelope["result"]["remote_config"]["source"] == "cached"
    [warning] = completed.envelope["warnings"]
    assert f"the cache came from {server.url}, not the configured {other}" in warning["message"]
    doctor = cli.run("doctor", PIPELEX_REMOTE_CONFIG_URL=other)
    assert doctor.code == 0  # an unreachable URL with a usable cache is the designed fallback
    assert f"fetched from {server.url}, not the configured URL" in doctor.stdout
    same = cli.agent("validate", bundle, PIPELEX_OFFLINE="1")
    assert "the cache came from" not in same.envelope["warnings"][0]["message"]


def test_the_unknown_model_check_cannot_be_disabled(cli: Cli) -> None:
    completed = cli.agent(
        "validate",
        str(EXAMPLES / "bundles" / "summarize.mthds"),
        PIPELEX_DISABLE_PLUGINS="pipelex_core.gateway_membership",
    )
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "ConfigurationError"
    assert completed.envelope["error"]["message"].startswith(
        "PIPELEX_DISABLE_PLUGINS names pipelex_core.gateway_membership, which cannot be disabled"
    )


def test_doctor_names_a_disabled_plugin_that_matches_nothing(cli: Cli) -> None:
    completed = cli.agent("doctor", PIPELEX_DISABLE_PLUGINS="pipelex_telemetry,pipelex_fetchr")
    assert completed.code == 1
    [problem] = completed.envelope["result"]["problems"]
    assert problem.startswith(
        "PIPELEX_DISABLE_PLUGINS names 'pipelex_fetchr', which no installed plugin is called"
    )
    assert "pipelex_http_fetcher" in problem


def test_doctor_reports_a_cache_anyone_may_write(
    cli: Cli, server: ConfigServer, cache_file: Path
) -> None:
    prime(cli, server)
    assert cli.agent("doctor").code == 0
    cache_file.parent.chmod(0o777)
    cache_file.chmod(0o666)
    metadata = cache_file.with_name(cache_file.name + ".meta")
    metadata.chmod(0o666)  # a file read with the cache: its hash, its ETag, its source
    completed = cli.agent("doctor")
    assert completed.code == 1
    problems = completed.envelope["result"]["problems"]
    assert problems == [
        f"{cache_file.parent} is writable by every user (drwxrwxrwx): anyone on this machine "
        f"could plant a catalogue there; run `chmod 700 {cache_file.parent}`",
        f"{cache_file} is writable by every user (-rw-rw-rw-): anyone on this machine could "
        f"plant a catalogue there; run `chmod 600 {cache_file}`",
        f"{metadata} is writable by every user (-rw-rw-rw-): anyone on this machine could "
        f"plant a catalogue there; run `chmod 600 {metadata}`",
    ]


def test_a_cache_pipelex_wrote_is_read_offline_and_labelled(cli: Cli, cache_file: Path) -> None:
    """Pipelex 0.50-0.72 keep {schema_version, cached_at, raw_config} at the same path."""
    payload = json.loads((FIXTURES / "remote_config.sample.json").read_text())
    written = write_pipelex_cache(cache_file, payload)
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    completed = cli.agent("validate", bundle, PIPELEX_GATEWAY="1", PIPELEX_OFFLINE="1")
    assert completed.code == 0, completed.stdout
    assert completed.envelope["result"]["remote_config"] == {
        "source": "cached",
        "cached_at": "2026-11-20T08:00:00+00:00",
    }
    [warning] = completed.envelope["warnings"]
    assert "the cache is one Pipelex wrote, read in its format" in warning["message"]
    shown = cli.run("cache", "show", PIPELEX_GATEWAY="1")
    assert "Written by Pipelex, read in its format (no ETag)." in shown.stdout
    assert cache_file.read_bytes() == written  # reading never rewrites it


def read_as_pipelex_does(cache_file: Path) -> dict[str, Any]:
    """The rules Pipelex 0.50-0.72 apply to the file: these three keys and no other, version 1,
    an ISO 8601 time, an object for the payload. Raises AssertionError where Pipelex refuses."""
    shared = json.loads(cache_file.read_bytes())
    assert isinstance(shared, dict)
    assert set(shared) == {"schema_version", "cached_at", "raw_config"}
    assert type(shared["schema_version"]) is int
    assert shared["schema_version"] == 1
    dt.datetime.fromisoformat(shared["cached_at"])
    assert isinstance(shared["raw_config"], dict)
    return shared


def test_both_tools_online_in_turn_keep_each_other_s_offline_fallback(
    cli: Cli, server: ConfigServer, cache_file: Path, sample_payload: dict[str, Any]
) -> None:
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    prime(cli, server)  # pipelex-core online: its fresh fetch writes the cache
    assert read_as_pipelex_does(cache_file)["raw_config"] == sample_payload
    # Pipelex online: it rewrites the whole file in its form
    pipelex_time = "2026-11-28T12:00:00.000001+00:00"
    write_pipelex_cache(cache_file, sample_payload, cached_at=pipelex_time)
    offline = cli.agent("validate", bundle, PIPELEX_GATEWAY="1", PIPELEX_OFFLINE="1")
    assert offline.code == 0, offline.stdout
    assert offline.envelope["result"]["remote_config"]["cached_at"] == pipelex_time
    # pipelex-core online again: no ETag to revalidate with (Pipelex's file), a full fetch
    etags_before = len(server.requests)
    assert cli.agent("cache", "refresh", PIPELEX_GATEWAY="1").code == 0
    assert "If-None-Match" not in server.requests[etags_before].headers
    assert read_as_pipelex_does(cache_file)["cached_at"] != pipelex_time
    shown = cli.agent("cache", "show", PIPELEX_GATEWAY="1").envelope["result"]["cache"]
    assert shown["etag"] == '"sample-v1"'
    assert "written_by" not in shown


def test_cache_refresh_of_an_empty_catalogue_over_a_good_cache_is_not_a_refresh(
    cli: Cli, server: ConfigServer, cache_file: Path, sample_payload: dict[str, Any]
) -> None:
    """The good cache is kept for offline runs, so the refresh did not happen: not ok."""
    prime(cli, server)
    before = cache_file.read_bytes()
    server.serve({**sample_payload, "backend_model_specs": {}})
    completed = cli.agent("cache", "refresh", PIPELEX_GATEWAY="1")
    assert completed.code == 3
    assert completed.envelope["error"]["type"] == "CacheNotRefreshedError"
    assert completed.envelope["result"]["stored"] is False
    assert cache_file.read_bytes() == before


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online-but-down"])
def test_a_refused_refresh_hint_says_unset_offline_only_when_it_is_set(
    cli: Cli, server: ConfigServer, offline: bool
) -> None:
    prime(cli, server)
    env = {"PIPELEX_OFFLINE": "1"} if offline else {"PIPELEX_REMOTE_CONFIG_URL": closed_port_url()}
    completed = cli.agent("cache", "refresh", PIPELEX_GATEWAY="1", **env)
    assert completed.code == 3
    hint = completed.envelope["error"]["hint"]
    assert hint.endswith(" (unset PIPELEX_OFFLINE).") is offline, hint


def test_doctor_says_which_safety_properties_the_platform_gives(cli: Cli) -> None:
    """The cache's privacy and its refusal of symbolic links rest on POSIX: doctor says so."""
    import platform

    completed = cli.agent("doctor")
    system = completed.envelope["result"]["platform"]
    assert system["system"] == platform.system()
    assert system["posix"] is True
    assert system["private_cache"] is True
    human = cli.run("doctor").stdout
    assert f"Platform: {platform.system()} (POSIX): the cache is private (0600 files" in human


def test_doctor_on_a_system_without_posix_says_the_guarantees_do_not_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelex_core.cli.doctor import _render
    from pipelex_core.cli.doctor_checks import platform_report

    monkeypatch.setattr(os, "name", "nt")
    system = platform_report()
    monkeypatch.undo()
    assert system["posix"] is False
    assert system["private_cache"] is False
    shown = _render({"home": "/h", "config_files": [], "platform": system, "problems": []})
    assert "Platform: " in shown
    assert ": not a supported platform: the cache's permission modes and its refusal of " in shown
