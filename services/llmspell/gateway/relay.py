"""The relay between the five client channels and the internal link to the kernel.

Incoming client messages are verified (signature, replay, framing) and forwarded
as received; outgoing kernel messages are framed and signed once. Nothing on the
hot path re-encodes JSON. A rejected message is dropped and logged (once per
reason per minute), never answered. The relay also watches the kernel: HELLO
frames tell it the kernel (re)connected.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import zmq

from ..wire import link
from ..wire.channels import Channels
from ..wire.errors import WireError
from ..wire.message import decode_json, encode_json, new_header, pack, parse
from ..wire.signing import ReplayGuard, Signer

log = logging.getLogger("llmspell.gateway")
REPLAY_HISTORY = 8192
WARN_INTERVAL = 60.0


class RateLimitedWarnings:
    """Logs a warning once per reason per interval (bad input must not flood logs)."""

    def __init__(self, interval: float = WARN_INTERVAL):
        self.interval = interval
        self._last: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def warn(self, reason: str, detail: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        now = time.monotonic()
        if now - self._last.get(reason, -self.interval) >= self.interval:
            self._last[reason] = now
            log.warning("dropped a message: %s (%s)", reason, detail)


class Relay:
    """Moves messages between client channels and the kernel link; one thread."""

    def __init__(self, channels: Channels, link_socket: zmq.Socket, signer: Signer):
        self.channels = channels
        self.link = link_socket
        self.signer = signer
        self.replay = ReplayGuard(REPLAY_HISTORY)
        self.warnings = RateLimitedWarnings()
        self.session = new_header("status", "gateway")["msg_id"]
        self.kernel_pid: int | None = None
        self.on_hello: Callable[[dict], None] | None = None
        self.poller = zmq.Poller()
        self._sources = {channels.shell: (b"shell", link.SHELL_SIDE),
                         channels.stdin: (b"stdin", link.SHELL_SIDE),
                         channels.control: (b"control", link.CONTROL_SIDE)}
        self._targets = {b"shell": channels.shell, b"stdin": channels.stdin,
                         b"control": channels.control, b"iopub": channels.iopub}
        for sock in (*self._sources, channels.iopub, link_socket):
            self.poller.register(sock, zmq.POLLIN)

    def watch(self, fd: int) -> None:
        """Also wake up when ``fd`` is readable (e.g. a signal bridge)."""
        self.poller.register(fd, zmq.POLLIN)

    def poll_once(self, timeout_ms: int | None) -> list:
        """Serve what is ready; return the ready entries that are not relay sockets."""
        other = []
        for sock, _ in self.poller.poll(timeout_ms):
            if sock is self.link:
                self._from_kernel()
            elif sock in self._sources:
                self._from_client(sock)
            elif sock is self.channels.iopub:
                sock.recv_multipart()  # a subscription; nothing to do
            else:
                other.append(sock)
        return other

    def _from_client(self, sock: zmq.Socket) -> None:
        frames = sock.recv_multipart()
        channel, side = self._sources[sock]
        try:
            msg = parse(frames, self.signer, self.replay, lazy=True)
        except WireError as exc:
            self.warnings.warn(exc.reason, f"{channel.decode()}: {exc.detail}")
            return
        self.link.send_multipart([side, *link.encode(channel, msg.identities, msg.raw,
                                                     msg.buffers)], copy=False)

    def _from_kernel(self) -> None:
        frames = self.link.recv_multipart()
        kind = frames[1] if len(frames) > 1 else b""
        if kind == link.KIND_MESSAGE:
            try:
                channel, ids, parts, buffers = link.decode(frames[1:])
            except WireError as exc:
                self.warnings.warn("bad link frame", str(exc))
                return
            target = self._targets.get(channel)
            if target is not None:
                target.send_multipart(pack(ids, parts, buffers, self.signer), copy=False)
        elif kind == link.KIND_HELLO and self.on_hello is not None:
            self.on_hello(decode_json(frames[2], "hello"))

    def publish_status(self, state: str) -> None:
        """Publish a kernel status of the gateway's own (starting, restarting, dead)."""
        parts = [encode_json(new_header("status", self.session)), b"{}", b"{}",
                 encode_json({"execution_state": state})]
        self.channels.iopub.send_multipart(pack([b"kernel.status"], parts, [], self.signer))

    def interrupt_kernel(self) -> None:
        """Forward an interrupt (SIGINT to the gateway) to the kernel's control side."""
        self.link.send_multipart([link.CONTROL_SIDE, link.KIND_INTERRUPT])
