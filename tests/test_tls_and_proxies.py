"""Corporate networks: a company CA to trust, a proxy to go through (docs/networks.md).

Everything is real: an HTTPS server on 127.0.0.1 whose certificate comes from a CA made here
with trustme (a TLS front before the scriptable config server), a CONNECT proxy on loopback
that pipes bytes and records each tunnel, and the installed ``pipelex-agent`` in a subprocess
whose environment names the trust and the proxy explicitly (the suite's own has neither).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from pipelex_core.testing.config_server import ConfigServer, closed_port_url
from pipelex_http_fetcher.probe import proxy_may_apply
from tests.cli_runner import BIN, EXAMPLES, Cli, Completed
from tests.tls_support import (
    PROXIED_HOST,
    ConnectProxy,
    TlsFront,
    can_unshare_net,
    hashed_ca_dir,
    needs_openssl,
    run_in_network_namespace,
    write_pem,
)

BUNDLE = str(EXAMPLES / "bundles" / "parallel_review.mthds")

#: What the TLS stack says, which must never reach a user.
LEAKS = ("CERTIFICATE_VERIFY_FAILED", "_ssl.c", "MaxRetryError", "SSLError", "HTTPSConnectionPool")


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def backend_port(server: ConfigServer) -> int:
    return int(server.root_url.rsplit(":", 1)[1])


@pytest.fixture
def tls(server: ConfigServer, ca: trustme.CA) -> Iterator[TlsFront]:
    with TlsFront(backend_port(server), ca.issue_cert("127.0.0.1", PROXIED_HOST)) as front:
        yield front


@pytest.fixture
def ca_pem(ca: trustme.CA, tmp_path: Path) -> Path:
    return write_pem(ca, tmp_path / "company-ca.pem")


@pytest.fixture
def other_ca_pem(tmp_path: Path) -> Path:
    """A CA that did not sign the server's certificate."""
    return write_pem(trustme.CA(), tmp_path / "other-ca.pem")


def validate(cli: Cli, url: str, **env: str) -> Completed:
    return cli.agent("validate", BUNDLE, PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=url, **env)


def source_of(completed: Completed) -> str:
    assert completed.code == 0, completed.stdout + completed.stderr
    source: str = completed.envelope["result"]["remote_config"]["source"]
    return source


def assert_certificate_failure(error: dict[str, Any]) -> None:
    assert "the TLS certificate of 127.0.0.1 could not be verified" in error["message"]
    assert "it was issued by a CA that is not trusted here (unknown issuer)" in error["message"]
    assert error["at_fault"] == "certificate"
    assert error["retryable"] is False
    assert error["hint"].startswith("The TLS trust is at fault, not the network")
    assert "SSL_CERT_FILE" in error["hint"]
    assert "REQUESTS_CA_BUNDLE" in error["hint"]
    assert "retry" not in error["hint"].lower()
    for leak in LEAKS:
        assert leak not in error["message"]


# -- trust ------------------------------------------------------------------------------


def test_an_untrusted_certificate_is_named_and_not_retryable(
    cli: Cli, tls: TlsFront, server: ConfigServer
) -> None:
    completed = validate(cli, tls.url())
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "RemoteConfigUnavailableError"
    assert_certificate_failure(error)
    assert server.requests == []  # the handshake failed: nothing reached the server
    human = cli.run("validate", BUNDLE, PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=tls.url())
    assert human.code == 3
    assert "could not be verified" in human.stderr
    assert "Traceback" not in human.stderr


def test_an_untrusted_certificate_falls_back_to_the_cache_and_says_why(
    cli: Cli, tls: TlsFront, ca_pem: Path
) -> None:
    assert source_of(validate(cli, tls.url(), SSL_CERT_FILE=str(ca_pem))) == "fresh"
    completed = validate(cli, tls.url())
    assert source_of(completed) == "cached"
    (warning,) = completed.envelope["warnings"]
    assert "the TLS certificate of 127.0.0.1 could not be verified" in warning["message"]


def test_a_certificate_failure_is_the_fetch_error_s_not_a_network_outage(
    tls: TlsFront, make_settings: Any
) -> None:
    from pipelex_core import RemoteConfigFetchError, RemoteConfigUnavailableError, setup

    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(tls.url()))
    fetch_error = raised.value.fetch_error
    assert isinstance(fetch_error, RemoteConfigFetchError)
    assert fetch_error.at_fault == "certificate"
    assert fetch_error.retryable is False
    assert raised.value.retryable is False


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("expired", "it has expired"),
        ("another-host", "it is not valid for 127.0.0.1 (IP address mismatch)"),
    ],
)
def test_a_wrong_certificate_blames_the_server_s_certificate(
    kind: str, words: str, cli: Cli, server: ConfigServer, ca: trustme.CA, ca_pem: Path
) -> None:
    """Trusted CA, wrong certificate: the server's side (or the clock), never a retry."""
    if kind == "expired":
        past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        certificate = ca.issue_cert(
            "127.0.0.1", not_before=past - dt.timedelta(days=30), not_after=past
        )
    else:
        certificate = ca.issue_cert("config.example.com")
    with TlsFront(backend_port(server), certificate) as front:
        completed = validate(cli, front.url(), SSL_CERT_FILE=str(ca_pem))
    assert completed.code == 3
    error = completed.envelope["error"]
    assert f"the TLS certificate of 127.0.0.1 could not be verified: {words}" in error["message"]
    assert error["at_fault"] == "certificate"
    assert error["retryable"] is False
    assert error["hint"].startswith(
        "The server's certificate is at fault (or this machine's clock)"
    )
    assert "SSL_CERT_FILE" in error["hint"]
    assert "retry" not in error["hint"].lower()


@pytest.mark.parametrize(
    "variable",
    [
        "SSL_CERT_FILE",
        pytest.param("SSL_CERT_DIR", marks=needs_openssl),
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ],
)
def test_a_variable_naming_the_company_ca_makes_the_fetch_fresh(
    variable: str, cli: Cli, tls: TlsFront, ca: trustme.CA, ca_pem: Path, tmp_path: Path
) -> None:
    location = hashed_ca_dir(ca, tmp_path / "certs") if variable == "SSL_CERT_DIR" else ca_pem
    completed = validate(cli, tls.url(), **{variable: str(location)})
    assert source_of(completed) == "fresh"
    assert completed.envelope["warnings"] == []


@needs_openssl
def test_ssl_cert_dir_takes_a_list_of_directories(
    cli: Cli, tls: TlsFront, ca: trustme.CA, tmp_path: Path
) -> None:
    hashed = hashed_ca_dir(ca, tmp_path / "certs")
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = validate(cli, tls.url(), SSL_CERT_DIR=f"{empty}{os.pathsep}{hashed}")
    assert source_of(completed) == "fresh"


@pytest.mark.parametrize(
    "variable", ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]
)
def test_a_variable_naming_nothing_is_a_configuration_error_naming_it(
    variable: str, cli: Cli, tls: TlsFront, server: ConfigServer, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-ca"
    completed = validate(cli, tls.url(), **{variable: str(missing)})
    assert completed.code == 3  # a ConfigurationError: the environment prevents a verdict
    error = completed.envelope["error"]
    assert error["type"] == "ConfigurationError"
    assert error["message"].startswith(f"{variable}={str(missing)!r} names no ")
    assert error["message"].endswith(", so no certificate can be checked.")
    assert f"Point {variable} at a" in error["hint"]
    assert error["retryable"] is False
    assert server.requests == []
    assert tls.handshakes_failed == 0  # never even connected


@pytest.mark.parametrize(
    ("variable", "kind", "message", "hint"),
    [
        (
            "SSL_CERT_FILE",
            "directory",
            "is a directory; SSL_CERT_FILE names a PEM file.",
            "Name that directory in SSL_CERT_DIR instead",
        ),
        (
            "SSL_CERT_DIR",
            "file",
            "names a file, not a directory of certificates.",
            "Name that file in SSL_CERT_FILE instead",
        ),
        (
            "SSL_CERT_FILE",
            "not-pem",
            "holds no certificate OpenSSL can read",
            "Point SSL_CERT_FILE at a PEM file of CA certificates",
        ),
        (
            "REQUESTS_CA_BUNDLE",
            "not-pem",
            "holds no certificate OpenSSL can read",
            "Point REQUESTS_CA_BUNDLE at a PEM file of CA certificates",
        ),
    ],
)
def test_a_variable_naming_the_wrong_kind_of_thing_is_named(
    variable: str,
    kind: str,
    message: str,
    hint: str,
    cli: Cli,
    tls: TlsFront,
    server: ConfigServer,
    tmp_path: Path,
) -> None:
    location = tmp_path / "thing"
    if kind == "directory":
        location.mkdir()
    else:
        location.write_text("not a certificate\n")
    completed = validate(cli, tls.url(), **{variable: str(location)})
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "ConfigurationError"
    assert error["message"].startswith(f"{variable}={str(location)!r} ")
    assert message in error["message"]
    assert error["hint"].startswith(hint)
    assert server.requests == []


def test_an_explicit_bundle_wins_over_the_openssl_variables(
    cli: Cli, tls: TlsFront, ca_pem: Path, other_ca_pem: Path
) -> None:
    """REQUESTS_CA_BUNDLE is trusted alone: the right CA in SSL_CERT_FILE does not help."""
    wrong_bundle = validate(
        cli, tls.url(), REQUESTS_CA_BUNDLE=str(other_ca_pem), SSL_CERT_FILE=str(ca_pem)
    )
    assert wrong_bundle.code == 3
    assert_certificate_failure(wrong_bundle.envelope["error"])
    right_bundle = validate(
        cli, tls.url(), REQUESTS_CA_BUNDLE=str(ca_pem), SSL_CERT_FILE=str(other_ca_pem)
    )
    assert source_of(right_bundle) == "fresh"


@needs_openssl
def test_ssl_cert_file_and_ssl_cert_dir_are_trusted_together(
    cli: Cli, tls: TlsFront, ca: trustme.CA, other_ca_pem: Path, tmp_path: Path
) -> None:
    hashed = hashed_ca_dir(ca, tmp_path / "certs")
    completed = validate(cli, tls.url(), SSL_CERT_FILE=str(other_ca_pem), SSL_CERT_DIR=str(hashed))
    assert source_of(completed) == "fresh"


def test_the_system_store_through_truststore_by_default() -> None:
    """With no variable set the fetch trusts the operating system's store (truststore), with
    hostname checks; certifi's bundle is added beside it (truststore's context does not list
    what it holds, so that part is read in trust.py, not asserted here)."""
    import ssl

    import truststore

    from pipelex_http_fetcher.environment import Trust, trust_from_environment
    from pipelex_http_fetcher.trust import ssl_context

    trust = trust_from_environment({})
    assert trust == Trust()
    assert trust.uses_system_store
    context = ssl_context(trust)
    assert isinstance(context, truststore.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


# -- proxies ----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_the_fetch_goes_through_the_proxy_and_trusts_the_same_cas(
    variable: str, cli: Cli, tls: TlsFront, ca_pem: Path, other_ca_pem: Path
) -> None:
    """The tunnel's TLS is verified with the chosen trust, not with what requests would pick
    on its own: through the proxy an explicit bundle of the wrong CA still fails."""
    with ConnectProxy() as proxy:
        wrong = validate(
            cli,
            tls.url(),
            HTTPS_PROXY=proxy.url,
            REQUESTS_CA_BUNDLE=str(other_ca_pem),
            SSL_CERT_FILE=str(ca_pem),
        )
        assert wrong.code == 3
        assert_certificate_failure(wrong.envelope["error"])
        completed = validate(cli, tls.url(), HTTPS_PROXY=proxy.url, **{variable: str(ca_pem)})
        assert source_of(completed) == "fresh"
        assert proxy.tunnels == [f"127.0.0.1:{tls.port}"] * 2


needs_netns = pytest.mark.skipif(
    not can_unshare_net(), reason="needs a network namespace (unshare --net, as root)"
)


@needs_netns
def test_with_a_proxy_the_probe_does_not_decide_the_fetch_does(
    cli: Cli, tls: TlsFront, ca_pem: Path, tmp_path: Path
) -> None:
    """In a network namespace where only the proxy leads out and the config host's name
    resolves nowhere, a usable cache would win if the probe decided; the fetch goes through
    the proxy instead, and is fresh."""
    url = tls.url(PROXIED_HOST)
    hosts = {PROXIED_HOST: "127.0.0.1"}
    with ConnectProxy(hosts=hosts) as priming_proxy:  # prime the cache for that very URL
        primed = validate(cli, url, HTTPS_PROXY=priming_proxy.url, SSL_CERT_FILE=str(ca_pem))
        assert source_of(primed) == "fresh"
    env = {
        "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
        "HOME": str(cli.home.parent),
        "PIPELEX_HOME": str(cli.home),
        "LC_ALL": "C.UTF-8",
        "PIPELEX_GATEWAY": "1",
        "PIPELEX_REMOTE_CONFIG_URL": url,
        "SSL_CERT_FILE": str(ca_pem),
    }
    argv = [str(BIN / "pipelex-agent"), "validate", BUNDLE]
    socket_path = tmp_path / "proxy.sock"
    with ConnectProxy(unix_path=socket_path, hosts=hosts) as proxy:
        through = run_in_network_namespace(argv, proxy_socket=socket_path, env=env)
        assert proxy.tunnels == [f"{PROXIED_HOST}:{tls.port}"]
    assert source_of(Completed(through.returncode, through.stdout, through.stderr)) == "fresh"
    # the same run without the proxy: the probe finds the name unresolvable, the cache stands in
    alone = run_in_network_namespace(argv, proxy_socket=None, env=env)
    completed = Completed(alone.returncode, alone.stdout, alone.stderr)
    assert source_of(completed) == "cached"
    (warning,) = completed.envelope["warnings"]
    assert f"the host name {PROXIED_HOST!r} could not be resolved" in warning["message"]


@pytest.mark.parametrize(
    ("environ", "platform", "may_apply"),
    [
        ({}, "linux", False),
        ({"https_proxy": "http://proxy:3128"}, "linux", True),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "linux", True),
        ({"http_proxy": "http://proxy:3128"}, "linux", True),
        ({"ALL_PROXY": "socks5://proxy:1080"}, "linux", True),
        ({"all_proxy": "socks5://proxy:1080"}, "linux", True),
        ({"Https_Proxy": "http://proxy:3128"}, "linux", True),  # urllib reads any case
        ({"ftp_proxy": "http://proxy:3128"}, "linux", True),  # conservative: any *_proxy
        ({"https_proxy": ""}, "linux", False),  # empty is unset, as urllib reads it
        ({"NO_PROXY": "*", "no_proxy": "*"}, "linux", False),  # no proxy named at all
        ({}, "darwin", True),  # system proxy settings requests would read
        ({}, "win32", True),
    ],
)
def test_the_probe_runs_only_where_no_proxy_can_apply(
    environ: dict[str, str], platform: str, may_apply: bool
) -> None:
    assert proxy_may_apply(environ, platform) is may_apply


# -- the start-up promise ---------------------------------------------------------------

CHECK = """
import json, sys, warnings
warnings.simplefilter("ignore")
from pipelex_core import setup, RemoteConfigUnavailableError
try:
    source = setup(needs_model_specs=True).source.value
except RemoteConfigUnavailableError as exc:
    source = exc.fetch_error.at_fault if exc.fetch_error else "unavailable"
loaded = [m for m in ("ssl", "truststore") if m in sys.modules]
print(json.dumps({"source": source, "loaded": loaded}))
"""


def run_check(home: Path, url: str, **env: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", CHECK],
        env={
            "PATH": "/usr/bin:/bin",
            "PIPELEX_HOME": str(home),
            "PIPELEX_GATEWAY": "1",
            "PIPELEX_REMOTE_CONFIG_URL": url,
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_import_and_boot_load_neither_ssl_nor_truststore() -> None:
    code = (
        "import sys, json\nfrom pipelex_core import Plugins\nPlugins.boot()\n"
        "print(json.dumps([m for m in ('ssl', 'truststore') if m in sys.modules]))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(completed.stdout) == []


def test_the_offline_and_cached_paths_load_neither_ssl_nor_truststore(
    cli: Cli, tls: TlsFront, ca_pem: Path, home: Path
) -> None:
    assert source_of(validate(cli, tls.url(), SSL_CERT_FILE=str(ca_pem))) == "fresh"
    offline = run_check(home, tls.url(), PIPELEX_OFFLINE="1")
    assert offline == {"source": "cached", "loaded": []}
    refused = run_check(home, closed_port_url().replace("http://", "https://"))
    assert refused == {"source": "cached", "loaded": []}  # the probe answered, stdlib only


def test_an_https_fetch_with_the_system_store_loads_truststore(tls: TlsFront, home: Path) -> None:
    result = run_check(home, tls.url())
    assert result == {"source": "certificate", "loaded": ["ssl", "truststore"]}


@pytest.mark.parametrize("value", ["", ":", "::"])
def test_an_ssl_cert_dir_of_empty_entries_is_as_if_unset(value: str) -> None:
    """Nothing named, nothing replaced: the system's store stays, as with no variable at all
    (it used to pass the check and leave the fetch trusting nothing)."""
    from pipelex_http_fetcher.environment import trust_from_environment

    trust = trust_from_environment({"SSL_CERT_DIR": value})
    assert trust.locations == ()
    assert trust.uses_system_store
