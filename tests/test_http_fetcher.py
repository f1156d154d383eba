"""The built-in fetcher plugin: ETag revalidation, redirects, URL policy, size cap, errors."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

import pipelex_http_fetcher
from pipelex_core import (
    CachedConfig,
    ConfigurationError,
    FetchedConfig,
    InsecureUrlError,
    RemoteConfigFetchError,
    RemoteConfigSource,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    RemoteConfigValidationError,
    Settings,
    encode_envelope,
    setup,
)
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from pipelex_http_fetcher import response as response_module
from tests.stored_cache import stored_cache

SettingsFactory = Callable[..., Settings]


def fetch(server_url: str, settings: Settings, etag: str | None = None) -> FetchedConfig:
    result = pipelex_http_fetcher.fetch_config(url=server_url, settings=settings, etag=etag)
    assert result is not None
    return result


def test_fetch_returns_payload_and_etag(
    server: ConfigServer, make_settings: SettingsFactory, sample_payload: dict[str, object]
) -> None:
    fetched = fetch(server.url, make_settings(server.url))
    assert fetched.payload == sample_payload
    assert fetched.etag == '"sample-v1"'
    assert fetched.not_modified is False
    assert server.requests[0].headers["Accept"] == "application/json"
    assert "If-None-Match" not in server.requests[0].headers


def test_fetch_sends_if_none_match_and_handles_304(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    fetched = fetch(server.url, make_settings(server.url), etag='"sample-v1"')
    assert fetched.not_modified is True
    assert fetched.etag == '"sample-v1"'
    assert server.requests[0].headers["If-None-Match"] == '"sample-v1"'


def test_setup_revalidates_with_etag_and_refreshes_cached_at(
    server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))
    first = stored_cache(cache_file)
    # an old cache: a 304 must renew cached_at, strictly, not keep it (no sleep needed)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cache_file.write_bytes(
        encode_envelope(
            CachedConfig(first["payload"], old, etag='"sample-v1"', source_url=server.url)
        )
    )
    runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    second = stored_cache(cache_file)
    assert runtime.source is RemoteConfigSource.FRESH
    assert server.requests[1].headers["If-None-Match"] == '"sample-v1"'
    assert second["payload"] == first["payload"]
    assert second["payload_sha256"] == first["payload_sha256"]
    assert dt.datetime.fromisoformat(second["cached_at"]) > old


def test_an_etag_is_sent_only_to_the_url_it_was_cached_from(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, object],
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))  # cached with '"sample-v1"'
    with ConfigServer() as mirror:
        mirror.serve(sample_payload, etag='"sample-v1"')  # would answer 304 to that ETag
        runtime = setup(needs_model_specs=True, settings=make_settings(mirror.url))
        assert runtime.source is RemoteConfigSource.FRESH
        assert "If-None-Match" not in mirror.requests[0].headers
        assert mirror.body_bytes[-1] > 0  # the whole catalogue came from the mirror
    assert stored_cache(cache_file)["source_url"] == mirror.url
    # back at the first URL, the cache now belongs to the mirror: no ETag either
    setup(needs_model_specs=True, settings=make_settings(server.url))
    assert "If-None-Match" not in server.requests[-1].headers


def test_changed_etag_replaces_the_cache(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, object],
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))
    sample_payload["aws_region"] = "eu-west-3"
    server.serve(sample_payload, etag='"sample-v2"')
    setup(needs_model_specs=True, settings=make_settings(server.url))
    envelope = stored_cache(cache_file)
    assert envelope["etag"] == '"sample-v2"'
    assert envelope["payload"]["aws_region"] == "eu-west-3"


def test_loopback_redirect_is_followed(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.enqueue(Reply(status=302, headers={"Location": "/moved.json"}))
    fetched = fetch(server.url, make_settings(server.url))
    assert fetched.payload["aws_region"] == "us-east-1"
    assert [r.path for r in server.requests] == ["/remote_config.json", "/moved.json"]


def test_redirect_to_plain_http_elsewhere_is_refused_before_fallback(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))
    server.enqueue(Reply(status=302, headers={"Location": "http://config.example.com/x.json"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemoteConfigStaleWarning)
        with pytest.raises(InsecureUrlError) as raised:
            setup(needs_model_specs=True, settings=make_settings(server.url))
    assert raised.value.url == "http://config.example.com/x.json"
    assert "only loopback hosts may use http" in raised.value.message


@pytest.mark.parametrize(
    "url",
    ["http://config.example.com/remote.json", "http://10.0.0.1/remote.json", "ftp://x/y"],
)
def test_non_loopback_http_url_is_refused_before_any_request(
    url: str, server: ConfigServer, make_settings: SettingsFactory
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))
    requests_before = len(server.requests)
    with pytest.raises(
        ConfigurationError, match=r"(only loopback hosts may use http|must start with https://)"
    ):
        setup(needs_model_specs=True, settings=make_settings(url))
    assert len(server.requests) == requests_before


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x",
        "http://localhost:1/x",
        "http://[::1]:1/x",
        "https://a.b/x",
        "https://config_host.internal:8443/x",
        "https://bücher.example/x",
    ],
)
def test_allowed_urls(url: str) -> None:
    from pipelex_core import check_url_allowed

    check_url_allowed(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Invalid remote config URL 'not a url': it must start with https://."),
        ("ftp://x/y", "Invalid remote config URL 'ftp://x/y': it must start with https://."),
        ("https://", "Invalid remote config URL 'https://': it names no host."),
        (
            "https://exa mple.com/x",
            "Invalid remote config URL 'https://exa mple.com/x': "
            "the host 'exa mple.com' contains ' ', which no host name may.",
        ),
        (
            "https://config.example:port/x",
            "Invalid remote config URL 'https://config.example:port/x': "
            "the port is not a number from 0 to 65535.",
        ),
        ("http://[::1/x", "Invalid remote config URL <unparseable URL>: it cannot be parsed."),
        (
            "https://a..b/x.json",
            "Invalid remote config URL 'https://a..b/x.json': "
            "the host 'a..b' has an empty label or one longer than 63 characters.",
        ),
        (
            "https://.config.example/x",
            "Invalid remote config URL 'https://.config.example/x': "
            "the host '.config.example' has an empty label or one longer than 63 characters.",
        ),
        (
            f"https://{'a' * 300}.com/x",
            f"Invalid remote config URL 'https://{'a' * 300}.com/x': "
            f"the host '{'a' * 300}.com' has an empty label or one longer than 63 characters.",
        ),
        (
            f"https://{'label.' * 60}com/x",
            f"Invalid remote config URL 'https://{'label.' * 60}com/x': "
            "the host is 363 characters long; a host name has at most 253.",
        ),
        (
            "user:secret@host/x",
            "Invalid remote config URL 'host/x': it must start with https://.",
        ),
    ],
)
def test_malformed_urls_are_configuration_errors_saying_what_is_wrong(
    url: str, message: str, server: ConfigServer, make_settings: SettingsFactory
) -> None:
    setup(needs_model_specs=True, settings=make_settings(server.url))  # a cache exists
    requests_before = len(server.requests)
    with pytest.raises(ConfigurationError) as raised:
        setup(needs_model_specs=True, settings=make_settings(url))
    assert raised.value.message == message  # never "unreachable", never a fallback
    assert "secret" not in raised.value.message
    assert len(server.requests) == requests_before


@pytest.mark.parametrize("url", ["https://a..b/x.json", f"https://{'a' * 300}.com/x"])
def test_a_malformed_host_is_a_configuration_error_without_a_cache_too(
    url: str, make_settings: SettingsFactory
) -> None:
    with pytest.raises(ConfigurationError, match="has an empty label or one longer than 63"):
        setup(needs_model_specs=True, settings=make_settings(url))


@pytest.mark.parametrize("with_cache", [True, False], ids=["with-cache", "without-cache"])
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_variable_naming_nothing_is_a_configuration_error(
    variable: str,
    with_cache: bool,
    server: ConfigServer,
    make_settings: SettingsFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if with_cache:
        setup(needs_model_specs=True, settings=make_settings(server.url))
    requests_before = len(server.requests)
    missing = tmp_path / "no-such-bundle.pem"
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # the developer's own stay out
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(missing))
    with pytest.raises(ConfigurationError) as raised:
        setup(needs_model_specs=True, settings=make_settings(server.url))
    assert raised.value.message == (
        f"{variable}={str(missing)!r} names no file or directory, so no certificate can be checked."
    )
    assert raised.value.hint is not None
    assert f"Point {variable} at a PEM file" in raised.value.hint
    assert len(server.requests) == requests_before  # never a request, never a fallback


def test_only_the_ca_bundle_variable_requests_reads_is_checked(
    server: ConfigServer,
    make_settings: SettingsFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """requests uses REQUESTS_CA_BUNDLE when set and ignores CURL_CA_BUNDLE then."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "missing.pem"))
    runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH


def test_payload_over_the_cap_is_refused(
    server: ConfigServer, make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(response_module, "MAX_PAYLOAD_BYTES", 1024)
    server.serve_reply(Reply(status=200, body=b'{"x": "' + b"a" * 4096 + b'"}'))
    with pytest.raises(RemoteConfigFetchError, match="larger than"):
        fetch(server.url, make_settings(server.url))


def test_connection_reset_mid_body_is_a_fetch_error(
    server: ConfigServer, make_settings: SettingsFactory, sample_payload: dict[str, object]
) -> None:
    server.serve_reply(Reply(status=200, body=json.dumps(sample_payload).encode(), reset=True))
    with pytest.raises(RemoteConfigFetchError, match="Could not fetch"):
        fetch(server.url, make_settings(server.url))


def test_http_error_status_is_a_fetch_error_with_status(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.serve_reply(Reply(status=404, body=b"gone"))
    with pytest.raises(RemoteConfigFetchError) as raised:
        fetch(server.url, make_settings(server.url))
    assert raised.value.status == 404
    assert "HTTP 404" in raised.value.message
    assert len(server.requests) == 1


def test_json_array_is_a_validation_error(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.serve([1, 2])
    with pytest.raises(RemoteConfigValidationError, match=r"\$: expected an object"):
        fetch(server.url, make_settings(server.url))


def test_connection_refused_names_the_cause() -> None:
    url = closed_port_url()
    settings = Settings(home=Path("/nonexistent"), remote_config_url=url, fetch_deadline=5)
    with pytest.raises(RemoteConfigFetchError) as raised:
        pipelex_http_fetcher.fetch_config(url=url, settings=settings, etag=None)
    assert "refused the connection" in raised.value.message
    assert raised.value.cause is not None


def test_credentials_in_the_url_never_reach_messages(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    server.serve_reply(Reply(status=500))
    url = server.url.replace("http://", "http://user:s3cr3t-token@") + "?key=s3cr3t-token"
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(url))
    assert "s3cr3t-token" not in str(raised.value)
    assert "s3cr3t-token" not in repr(raised.value.args)


FAST_PATH = """
import json, sys, warnings
warnings.simplefilter("ignore")
from pipelex_core import setup
runtime = setup(needs_model_specs=True)
stack = sorted(m for m in ("requests", "urllib3", "ssl") if m in sys.modules)
print(json.dumps({"source": runtime.source.value, "http_stack": stack}))
"""


@pytest.mark.parametrize("proxy", [False, True], ids=["no-proxy", "proxy-set"])
def test_offline_fallback_never_imports_the_http_stack(
    proxy: bool, server: ConfigServer, make_settings: SettingsFactory, home: Path
) -> None:
    import subprocess
    import sys

    setup(needs_model_specs=True, settings=make_settings(server.url))
    env = {
        "PATH": "/usr/bin:/bin",
        "PIPELEX_HOME": str(home),
        "PIPELEX_GATEWAY": "1",
        "PIPELEX_REMOTE_CONFIG_URL": closed_port_url(),
    }
    if proxy:
        env["HTTPS_PROXY"] = env["HTTP_PROXY"] = closed_port_url().rsplit("/", 1)[0]
    completed = subprocess.run(
        [sys.executable, "-c", FAST_PATH], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(completed.stdout)
    assert result["source"] == "cached"
    if proxy:
        assert "requests" in result["http_stack"]  # with a proxy only the real fetch can tell
    else:
        assert result["http_stack"] == []


def test_requests_say_which_release_python_and_platform_sent_them(
    server: ConfigServer, make_settings: SettingsFactory
) -> None:
    import platform
    import re

    from pipelex_core import pipelex_core_version

    setup(needs_model_specs=True, settings=make_settings(server.url))
    agent = server.requests[0].headers["User-Agent"]
    python = ".".join(platform.python_version_tuple()[:2])
    assert (
        agent
        == f"pipelex-core/{pipelex_core_version()} python/{python} {platform.system().lower()}"
    )
    assert re.fullmatch(r"pipelex-core/\d+\.\d+\.\d+\S* python/3\.\d+ [a-z]+", agent)
