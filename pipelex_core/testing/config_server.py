"""A scriptable loopback HTTP server standing in for the Gateway's remote config.

Everything here is real: a threaded HTTP server on 127.0.0.1, real sockets, real bytes. It
serves tests, demos and benchmarks; nothing else in the package imports it, and it needs no
test framework (``pipelex_core.testing`` wraps it in pytest fixtures).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs


@attrs.frozen
class Reply:
    """One scripted answer.

    ``hang`` never answers (until the server closes); ``hang_up`` closes the connection
    without answering; ``reset`` sends half the body then resets the connection; ``drip``
    sends the body one byte at a time, that many seconds apart; ``chunked`` sends it without
    a Content-Length; ``declared_length`` lies about it (a longer one than the body is then
    cut short: the connection closes after the body).
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    hang: bool = False
    hang_up: bool = False
    reset: bool = False
    drip: float = 0.0
    chunked: bool = False
    declared_length: int | None = None

    @classmethod
    def json(cls, payload: Any, *, status: int = 200, etag: str | None = None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if etag:
            headers["ETag"] = etag
        return cls(status=status, body=json.dumps(payload).encode(), headers=headers)


@attrs.frozen
class RecordedRequest:
    path: str
    headers: Mapping[str, str]
    at: float
    method: str = "GET"
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    """A client hanging up mid-answer is a fault the tests inject (or a command walking away
    from a fetch at its deadline), not an error of the server worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ConfigServer:
    """A loopback HTTP server answering scripted replies, then a default one.

    ``serve(payload, etag=...)`` sets the default: the payload as JSON, and 304 to a request
    whose ``If-None-Match`` matches the ETag. ``enqueue(...)`` queues one-shot replies
    answered first, in order.
    """

    def __init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._default = Reply(status=404, body=b"no payload configured")
        self._etag: str | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._arrived = threading.Condition()
        self.requests: list[RecordedRequest] = []
        #: body bytes written for each answered request, in order
        self.body_bytes: list[int] = []
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` requests have arrived (event-driven, no polling)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/remote_config.json"

    def serve(self, payload: Any, *, etag: str | None = None) -> None:
        with self._lock:
            self._default = Reply.json(payload, etag=etag)
            self._etag = etag

    def serve_reply(self, reply: Reply) -> None:
        with self._lock:
            self._default = reply
            self._etag = None

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ConfigServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next(self, if_none_match: str | None) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self._etag is not None and if_none_match == self._etag:
                return Reply(status=304, headers={"ETag": self._etag})
            return self._default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length))

            def _answer(self, body: bytes) -> None:
                with server._arrived:
                    server.requests.append(
                        RecordedRequest(
                            self.path,
                            dict(self.headers.items()),
                            time.monotonic(),
                            method=self.command,
                            body=body,
                        )
                    )
                    server._arrived.notify_all()
                reply = server._next(self.headers.get("If-None-Match"))
                if reply.hang:
                    server._closing.wait()
                    return
                if reply.hang_up:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    length = reply.declared_length
                    self.send_header(
                        "Content-Length", str(len(reply.body) if length is None else length)
                    )
                    if length is not None and length > len(reply.body):
                        self.close_connection = True
                self.end_headers()
                try:
                    self._body(reply)
                    server.body_bytes.append(0 if reply.status == 304 else len(reply.body))
                except OSError:
                    self.close_connection = True  # the client went away: fine for a fault server

            def _body(self, reply: Reply) -> None:
                if reply.chunked:
                    for start in range(0, len(reply.body), 65536):
                        chunk = reply.body[start : start + 65536]
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                if reply.drip:
                    for index in range(len(reply.body)):
                        if server._closing.wait(reply.drip):
                            return
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                    return
                if reply.reset:
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                if reply.status != 304:
                    self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def closed_port_url() -> str:
    """A loopback URL whose port refuses connections."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/remote_config.json"
