"""Real TLS and a real proxy on loopback, for the corporate-network tests.

``TlsFront`` speaks TLS on 127.0.0.1 with a certificate from a CA made in the test (trustme)
and hands the decrypted bytes to a :class:`ConfigServer`, so every scripted reply works over
https. ``ConnectProxy`` is an HTTP proxy that answers ``CONNECT host:port`` and pipes bytes
both ways, recording each tunnel it opened; it listens on loopback TCP or on a Unix socket (the
way into a network namespace, see ``tests/netns_bridge.py``). Both are threaded, close with
their ``with`` block and never touch anything beyond this machine.
"""

from __future__ import annotations

import abc
import contextlib
import selectors
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
import trustme

#: A name no resolver answers (RFC 6761), which only the proxy knows.
PROXIED_HOST = "config.pipelex.invalid"


def pipe(first: socket.socket, second: socket.socket) -> None:
    """Copy bytes both ways until either side ends, then close both."""
    peers = {first: second, second: first}
    try:
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    source = key.fileobj
                    assert isinstance(source, socket.socket)
                    if not _pump(source, peers[source]):
                        return
    except OSError:
        return
    finally:
        for sock in peers:
            sock.close()


def _pump(source: socket.socket, target: socket.socket) -> bool:
    data = source.recv(65536)
    if not data:
        return False
    target.sendall(data)
    while isinstance(source, ssl.SSLSocket) and source.pending():
        target.sendall(source.recv(65536))
    return True


class _Listener(abc.ABC):
    """Accept connections on a thread and serve each on its own daemon thread; a subclass
    says how one connection is served."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    @abc.abstractmethod
    def _serve(self, client: socket.socket) -> None:
        """Serve one accepted connection (on its own thread)."""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


class TlsFront(_Listener):
    """TLS on 127.0.0.1 in front of a plain loopback server (``backend_port``), presenting
    ``certificate`` (``ca.issue_cert(...)``)."""

    def __init__(self, backend_port: int, certificate: trustme.LeafCert) -> None:
        self._backend_port = backend_port
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self._context)
        self.handshakes_failed = 0
        super().__init__(_loopback_socket())

    @property
    def port(self) -> int:
        port: int = self._sock.getsockname()[1]
        return port

    def url(self, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}/remote_config.json"

    def _serve(self, client: socket.socket) -> None:
        try:
            tls = self._context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):  # the client refused our certificate
            self.handshakes_failed += 1
            client.close()
            return
        try:
            backend = socket.create_connection(("127.0.0.1", self._backend_port))
        except OSError:
            tls.close()
            return
        pipe(tls, backend)

    def __enter__(self) -> TlsFront:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ConnectProxy(_Listener):
    """An HTTP proxy that only tunnels: ``CONNECT host:port``, ``200``, then raw bytes.

    ``hosts`` maps a name to the address the proxy connects to instead (a name only the proxy
    resolves). ``tunnels`` records every ``host:port`` asked for, in order.
    """

    def __init__(
        self, *, unix_path: Path | None = None, hosts: Mapping[str, str] | None = None
    ) -> None:
        self.tunnels: list[str] = []
        self._hosts = dict(hosts or {})
        if unix_path is None:
            sock = _loopback_socket()
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(str(unix_path))
        super().__init__(sock)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        self.tunnels.append(target)
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((self._hosts.get(host, host), int(port)))
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pipe(client, upstream)

    def __enter__(self) -> ConnectProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: OpenSSL finds a CA in an ``SSL_CERT_DIR`` by its subject hash, which only OpenSSL computes
#: (no Python library exposes it): the tests of that variable need the ``openssl`` binary.
needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None,
    reason="needs the openssl binary to name a CA by its subject hash (apt install openssl)",
)


def hashed_ca_dir(ca: trustme.CA, directory: Path) -> Path:
    """A directory holding the CA under its OpenSSL subject-hash name (``<hash>.0``), as
    ``c_rehash`` lays one out (tests using it are marked ``needs_openssl``)."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "mark the test needs_openssl"
    directory.mkdir()
    pem = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    hashed = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(pem)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pem.rename(directory / f"{hashed}.0")
    return directory


def write_pem(ca: trustme.CA, path: Path) -> Path:
    ca.cert_pem.write_to_path(str(path))
    return path


def run_in_network_namespace(
    argv: list[str], *, proxy_socket: Path | None, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in a fresh network namespace (``unshare --net``): no resolver, no route,
    nothing listening. With ``proxy_socket``, a bridge inside forwards a loopback port to that
    Unix socket and the command gets ``HTTPS_PROXY`` pointing at it: the one way out."""
    bridge = Path(__file__).with_name("netns_bridge.py")
    unshare = shutil.which("unshare")
    assert unshare is not None
    command = [unshare, "--net", sys.executable, str(bridge)]
    if proxy_socket is not None:
        command += ["--proxy-socket", str(proxy_socket)]
    return subprocess.run(
        [*command, "--", *argv],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def can_unshare_net() -> bool:
    """Whether this machine can make a network namespace (root, or user namespaces allowed)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, check=False)
    return probe.returncode == 0
