"""Loopback HTTP(S) servers for the web tool tests, and a guard against outside traffic.

``with LoopbackServer({"/path": Reply(...)}) as server:`` serves on 127.0.0.1 (port 0)
in a thread and records every request in ``server.requests``. A route may also be a
function ``(Seen) -> Reply``. The ``no_outside_traffic`` fixture makes any socket connect to
a non-loopback address fail and records it, so tests can assert that refusals happen before
any connection is attempted.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest


@dataclass
class Reply:
    """What a route answers. ``delay`` waits before answering (cut short at shutdown);
    ``length=False`` omits Content-Length so the body ends when the connection closes."""

    status: int = 200
    body: bytes | str = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True


@dataclass
class Seen:
    """A request the server received; header names are lower-case."""

    method: str
    path: str
    headers: dict
    body: bytes


Route = Reply | Callable[[Seen], Reply]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 answering fixed routes (404 otherwise)."""

    def __init__(self, routes: dict[str, Route], tls: ssl.SSLContext | None = None):
        self.routes = routes
        self.requests: list[Seen] = []
        self.stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def _handler_for(server: LoopbackServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(size))
            server.requests.append(seen)
            route = server.routes.get(self.path.split("?")[0])
            reply = Reply(404, b"not here") if route is None else \
                route(seen) if callable(route) else route
            if reply.delay and server.stop.wait(reply.delay):
                return
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.close_connection = True
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except OSError:
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    return Handler


@pytest.fixture
def no_outside_traffic(monkeypatch) -> list:
    """Refuse (and record) every socket connect to a non-loopback IP address."""
    attempts: list = []
    real_connect = socket.socket.connect

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            ip = ipaddress.ip_address(address[0].split("%")[0])
            if not ip.is_loopback:
                attempts.append(address[0])
                raise ConnectionRefusedError(f"test guard: no traffic to {address[0]}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts
