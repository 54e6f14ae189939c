"""A minimal Jupyter client for health checks: heartbeat echo and one request/reply.

Used where importing jupyter_client would be too slow or too much: the daemon's
readiness probe and ``llmspell kernel status``. Replies are verified with the
connection key like any client does; each call opens and closes its own socket.

    with WireClient(ConnectionInfo.read(path)) as client:
        client.ping(timeout=1.0)                             # seconds, or TimeoutError
        reply = client.request("control", "kernel_info_request", {}, timeout=2.0)
"""

from __future__ import annotations

import time
import uuid
from typing import Self

import zmq

from .connection import ConnectionInfo
from .errors import WireError
from .message import Message, new_header, parse, serialize
from .signing import Signer


class WireClient:
    """Talks to the five channels of one kernel described by ``info``."""

    def __init__(self, info: ConnectionInfo, ctx: zmq.Context | None = None):
        self.info = info
        self.signer = Signer(info.key.encode(), info.signature_scheme)
        self.session = uuid.uuid4().hex
        self._own_ctx = ctx is None
        self.ctx = ctx or zmq.Context()

    def ping(self, timeout: float) -> float:
        """Send one heartbeat; seconds until it came back (TimeoutError if not in time)."""
        sock = self._socket(zmq.REQ, "hb")
        try:
            began = time.monotonic()
            sock.send(b"ping")
            if not sock.poll(int(timeout * 1000)):
                raise TimeoutError(f"no heartbeat within {timeout:g} s")
            sock.recv()
            return time.monotonic() - began
        finally:
            sock.close(0)

    def request(self, channel: str, msg_type: str, content: dict, timeout: float) -> Message:
        """Send a request on ``channel`` (shell or control); its verified reply."""
        sock = self._socket(zmq.DEALER, channel)
        try:
            request = Message(new_header(msg_type, self.session), content)
            sock.send_multipart(serialize(request, self.signer))
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                if not sock.poll(max(1, int(left * 1000))):
                    break
                try:
                    reply = parse(sock.recv_multipart(), self.signer)
                except WireError:
                    continue  # not for us, or not from our kernel: keep waiting
                if reply.parent_header.get("msg_id") == request.msg_id:
                    return reply
            raise TimeoutError(f"no {msg_type.replace('_request', '_reply')} on {channel} "
                               f"within {timeout:g} s")
        finally:
            sock.close(0)

    def _socket(self, kind: int, channel: str) -> zmq.Socket:
        sock = self.ctx.socket(kind)
        sock.linger = 0
        if self.info.transport == "tcp" and ":" in self.info.ip:
            sock.ipv6 = True
        sock.connect(self.info.url(channel))
        return sock

    def close(self) -> None:
        if self._own_ctx:
            self.ctx.term()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
