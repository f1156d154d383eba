"""A failed fetch is named in words, with the party at fault and the hint that fixes it.

Each failure is made for real: a loopback server that hangs up, cuts a body short, sends a
portal page or a broken body; a proxy that is down, hangs up or wants credentials (the same
loopback server, named in HTTP_PROXY). The library's own text never reaches the user.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipelex_core import RemoteConfigFetchError, RemoteConfigUnavailableError, Settings, setup
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from tests.cli_runner import Cli

SettingsFactory = Callable[..., Settings]

#: What the HTTP stack says, which must never reach a user.
LEAKS = ("RemoteDisconnected", "IncompleteRead", "Connection aborted", "MaxRetryError", "Pool(")

#: reply -> (words in the message, party at fault, words in the hint)
SERVER_FAULTS: dict[str, tuple[Reply, str, str, str]] = {
    "hangs-up-without-answering": (
        Reply(hang_up=True),
        "the server closed the connection without answering",
        "server",
        "The server is at fault, not your setup",
    ),
    "body-cut-short": (
        Reply(body=b'{"posthog": {', declared_length=1000),
        "the server stopped sending partway through the body (13 of 1,000 bytes)",
        "server",
        "The server is at fault",
    ),
    "truncated-json": (
        Reply(body=b'{"posthog": {"endpoint": '),
        "the server sent a body that is not valid JSON (Expecting value at byte 25 of 25)",
        "server",
        "The server is at fault",
    ),
    "portal-page": (
        Reply(body=b"<html>Log in to the Wi-Fi</html>", headers={"Content-Type": "text/html"}),
        "the answer is a web page, not JSON, starting '<html>Log in to the Wi-Fi</html>' "
        "(a captive portal's login page, or a proxy's error page?)",
        "network",
        "Log in to the network's portal, or fix the proxy",
    ),
    "503": (
        Reply(status=503),
        "the server answered HTTP 503 Service Unavailable",
        "server",
        "The server is at fault",
    ),
    "404": (
        Reply(status=404),
        "the server answered HTTP 404 Not Found: no remote config there",
        "url",
        "Check the URL in PIPELEX_REMOTE_CONFIG_URL",
    ),
}


def unavailable(settings: Settings) -> RemoteConfigUnavailableError:
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=settings)
    return raised.value


def assert_named(error: RemoteConfigUnavailableError, what: str, at_fault: str, hint: str) -> None:
    assert isinstance(error.fetch_error, RemoteConfigFetchError)
    assert what in error.message
    assert error.fetch_error.at_fault == at_fault
    assert error.details()["at_fault"] == at_fault
    assert error.hint is not None
    assert error.hint.startswith(hint)
    for leak in LEAKS:
        assert leak not in error.message


@pytest.mark.parametrize("fault", sorted(SERVER_FAULTS))
def test_a_server_fault_is_named_with_its_party(
    fault: str, server: ConfigServer, make_settings: SettingsFactory
) -> None:
    reply, what, at_fault, hint = SERVER_FAULTS[fault]
    server.serve_reply(reply)
    error = unavailable(make_settings(server.url, PIPELEX_FETCH_DEADLINE="2"))
    assert_named(error, what, at_fault, hint)


def test_nothing_listening_is_the_server_s_side(make_settings: SettingsFactory) -> None:
    url = closed_port_url()
    port = url.split(":")[2].split("/")[0]
    error = unavailable(make_settings(url, PIPELEX_FETCH_DEADLINE="1"))
    assert_named(
        error, f"127.0.0.1:{port} refused the connection (nothing is listening there)", "server", ""
    )


@pytest.fixture
def through_proxy(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def use(proxy_url: str) -> None:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)

    return use


def test_a_dead_proxy_is_blamed_not_the_server(
    server: ConfigServer,
    make_settings: SettingsFactory,
    through_proxy: Callable[[str], None],
) -> None:
    proxy = closed_port_url().rsplit("/", 1)[0]
    through_proxy(proxy.replace("http://", "http://user:hunter2@"))
    error = unavailable(make_settings(server.url, PIPELEX_FETCH_DEADLINE="1"))
    proxy_port = proxy.rsplit(":", 1)[1]
    assert_named(
        error,
        f"the proxy {proxy} (from HTTP_PROXY) failed: 127.0.0.1:{proxy_port} refused the "
        "connection",
        "proxy",
        "Check that the proxy is up and its address is right",
    )
    assert "hunter2" not in error.message
    assert server.requests == []  # the server was never the one that failed


def test_a_proxy_hanging_up_is_the_proxy_s_fault(
    server: ConfigServer,
    make_settings: SettingsFactory,
    through_proxy: Callable[[str], None],
) -> None:
    with ConfigServer() as proxy:
        proxy.serve_reply(Reply(hang_up=True))
        through_proxy(proxy.root_url)
        error = unavailable(make_settings(server.url, PIPELEX_FETCH_DEADLINE="1"))
        assert proxy.requests  # the request went to the proxy, which hung up
    assert_named(
        error,
        f"the proxy {proxy.root_url} (from HTTP_PROXY) failed: it closed the connection",
        "proxy",
        "Check that the proxy is up",
    )
    assert server.requests == []


def test_a_proxy_wanting_credentials_is_the_proxy_s_answer(
    server: ConfigServer,
    make_settings: SettingsFactory,
    through_proxy: Callable[[str], None],
) -> None:
    with ConfigServer() as proxy:
        proxy.serve_reply(Reply(status=407))
        through_proxy(proxy.root_url)
        error = unavailable(make_settings(server.url, PIPELEX_FETCH_DEADLINE="1"))
    assert_named(
        error, "the proxy answered HTTP 407 Proxy Authentication Required", "proxy", "Check"
    )


def test_the_agent_face_names_the_party(cli: Cli, server: ConfigServer) -> None:
    server.serve_reply(Reply(hang_up=True))
    completed = cli.agent(
        "cache", "refresh", PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=server.url
    )
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["at_fault"] == "server"
    assert "the server closed the connection without answering" in error["message"]
    assert error["hint"].startswith("The server is at fault, not your setup")


SECRET = "s3cr3t-t0ken"


@pytest.mark.parametrize("face", ["human", "agent"])
def test_debug_shows_the_traceback_without_the_url_s_secrets(
    face: str, cli: Cli, server: ConfigServer
) -> None:
    """The HTTP stack's messages repeat the URL whole (``…with url: /x?token=…``)."""
    server.serve_reply(Reply(hang_up=True))
    url = server.url.replace("http://", f"http://user:{SECRET}@") + f"?token={SECRET}"
    env = {"PIPELEX_GATEWAY": "1", "PIPELEX_REMOTE_CONFIG_URL": url}
    if face == "agent":
        completed = cli.agent("--debug", "cache", "refresh", **env)
        traceback = completed.envelope["error"]["traceback"]
        assert completed.stderr == ""
    else:
        completed = cli.run("--debug", "cache", "refresh", **env)
        traceback = completed.stderr
    assert completed.code == 3
    assert "Traceback (most recent call last)" in traceback
    assert "Max retries exceeded with url: /remote_config.json?…" in traceback
    assert SECRET not in completed.stdout + completed.stderr


def test_without_debug_the_agent_face_carries_no_traceback(cli: Cli, server: ConfigServer) -> None:
    server.serve_reply(Reply(hang_up=True))
    completed = cli.agent(
        "cache", "refresh", PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=server.url
    )
    assert "traceback" not in completed.envelope["error"]
