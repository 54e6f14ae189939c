"""The relay between the five client channels and the internal link to the kernel:
the transport of llmspell-gateway and of the standalone kernel alike.

Incoming client messages are verified (signature, replay, framing) and forwarded
as received; outgoing kernel messages are framed and signed once. Nothing on the
hot path re-encodes JSON. A rejected message is dropped and logged (once per
reason per minute), never answered. The relay also watches the kernel: HELLO
frames tell it the kernel (re)connected.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

import zmq
from zmq.backend import Socket as _CSocket

from . import link
from .channels import Channels
from .errors import WireError
from .linksocket import LinkHub
from .message import decode_json, encode_json, new_header, pack, parse
from .signing import ReplayGuard, Signer

log = logging.getLogger("llmspell.gateway")
REPLAY_HISTORY = 8192
WARN_INTERVAL = 60.0
# Shell requests that come before any client subscribed to iopub are held (once, at
# most this long) so that their outputs are not published to nobody: a client's
# iopub SUB may connect up to a reconnect interval (100 ms) after its shell DEALER.
SUBSCRIBER_GRACE = 0.5
# Requests for a kernel side that is not connected (yet, or while the kernel restarts)
# wait here, per side, and go out when it says HELLO; beyond this many they are dropped.
MAX_PENDING = 10000


# pyzmq's send_multipart/recv_multipart run mostly in Python (sugar wrappers, a Flag enum
# operation per frame): for Jupyter-sized messages these direct calls of the Cython
# socket methods take a third of the time. Plain sockets only (zmq.green's subclass
# must keep its own cooperative send/recv).
_csend, _crecv = _CSocket.send, _CSocket.recv
_SNDMORE = int(zmq.SNDMORE)


def send_frames(sock: zmq.Socket, frames: list, flags: int = 0) -> None:
    """``sock.send_multipart(frames, flags)``, faster."""
    if type(sock) is not zmq.Socket:
        sock.send_multipart(frames, flags)
        return
    more = _SNDMORE | flags
    for frame in frames[:-1]:
        _csend(sock, frame, more)
    _csend(sock, frames[-1], flags)


def recv_frames(sock: zmq.Socket) -> list[bytes]:
    """``sock.recv_multipart()``, faster: a received Frame says whether more follow,
    where ``get(RCVMORE)`` would cost an enum conversion per frame in pyzmq."""
    if type(sock) is not zmq.Socket:
        return sock.recv_multipart()
    frame = _crecv(sock, 0, False)
    frames = [frame.bytes]
    while frame.more:
        frame = _crecv(sock, 0, False)
        frames.append(frame.bytes)
    return frames


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

    def __init__(self, channels: Channels, hub: LinkHub, signer: Signer):
        self.channels = channels
        self.hub = hub
        self.signer = signer
        self.replay = ReplayGuard(REPLAY_HISTORY)
        self.warnings = RateLimitedWarnings()
        self.session = new_header("status", "gateway")["msg_id"]
        self.kernel_pid: int | None = None
        self.on_hello: Callable[[dict], None] | None = None
        # The gateway's health probe (gateway.health): replies to requests with this
        # routing id go to on_probe, and what the kernel publishes for them is dropped.
        self.probe_id: bytes | None = None
        self.on_probe: Callable[[list[bytes]], None] | None = None
        self.subscribers = 0  # iopub subscriptions less unsubscriptions (XPUB_VERBOSER)
        self._held: list[list] | None = []  # None once the first subscriber came
        self._held_since = 0.0
        # A message for a kernel side that is not connected (or not reading) waits here.
        self._pending: dict[bytes, deque] = {link.SHELL_SIDE: deque(),
                                             link.CONTROL_SIDE: deque()}
        self._any_pending = False
        self.poller = zmq.Poller()
        self._sources = {channels.shell: (b"shell", link.SHELL_SIDE),
                         channels.stdin: (b"stdin", link.SHELL_SIDE),
                         channels.control: (b"control", link.CONTROL_SIDE)}
        self._targets = {b"shell": channels.shell, b"stdin": channels.stdin,
                         b"control": channels.control, b"iopub": channels.iopub}
        for sock in (*self._sources, channels.iopub):
            self.poller.register(sock, zmq.POLLIN)
        self._link_fds: list[int] = []
        self._watched: set[int] = set()

    def watch(self, fd: int) -> None:
        """Also wake up when ``fd`` is readable (e.g. a signal bridge)."""
        self.poller.register(fd, zmq.POLLIN)
        self._watched.add(fd)

    def poll_once(self, timeout_ms: int | None) -> list:
        """Serve what is ready; return the ready entries that are not relay sockets."""
        other = []
        if self._held:
            left = max(0, int((self._held_since + SUBSCRIBER_GRACE - time.monotonic()) * 1000))
            timeout_ms = left if timeout_ms is None else min(timeout_ms, left)
        if self._any_pending:
            self._flush_pending()
            if self._any_pending:  # a reader that is not reading: retry soon
                timeout_ms = 10 if timeout_ms is None else min(timeout_ms, 10)
        if self.hub.changed:
            self._watch_link()
        for sock, events in self.poller.poll(timeout_ms):
            if type(sock) is int and self.hub.owns(sock):
                self._from_kernel(sock, events)
            elif sock in self._sources:
                self._from_client(sock)
            elif sock is self.channels.iopub:
                event = sock.recv()[:1]
                self.subscribers += {b"\x01": 1, b"\x00": -1}.get(event, 0)
                if event == b"\x01" and self._held is not None:
                    self._release_held()  # the first subscription
            elif sock in self._watched:
                other.append(sock)
        if self._held and time.monotonic() - self._held_since >= SUBSCRIBER_GRACE:
            self._release_held()
        return other

    def _release_held(self) -> None:
        held, self._held = self._held or [], None
        for frames in held:
            self._to_kernel(frames)

    def _watch_link(self) -> None:
        """Poll the link's current fds (connections come and go)."""
        for fd in self._link_fds:
            self.poller.unregister(fd)
        self._link_fds = []
        for fd, writable in self.hub.watch_list():
            self.poller.register(fd, zmq.POLLIN | (zmq.POLLOUT if writable else 0))
            self._link_fds.append(fd)

    def _to_kernel(self, frames: list) -> None:
        """Send ``[side, *link message]`` now, or queue it behind what waits for that side."""
        queue = self._pending[frames[0]]
        if not queue and self.hub.send(frames[0], frames[1:]):
            return
        if len(queue) >= MAX_PENDING:
            self.warnings.warn("kernel unavailable", f"more than {MAX_PENDING} requests wait")
            return
        queue.append(frames)
        self._any_pending = True

    def _flush_pending(self) -> None:
        for side, queue in self._pending.items():
            while queue and self.hub.send(side, queue[0][1:]):
                queue.popleft()
        self._any_pending = any(self._pending.values())

    def _from_client(self, sock: zmq.Socket) -> None:
        frames = recv_frames(sock)
        channel, side = self._sources[sock]
        try:
            msg = parse(frames, self.signer, self.replay, lazy=True)
        except WireError as exc:
            self.warnings.warn(exc.reason, f"{channel.decode()}: {exc.detail}")
            return
        frames = [side, *link.pack(link.encode(channel, msg.identities, msg.raw, msg.buffers))]
        if self._held is not None and channel == b"shell":
            if not self._held:
                self._held_since = time.monotonic()
            self._held.append(frames)
            return
        self._to_kernel(frames)

    def _from_kernel(self, fd: int, events: int) -> None:
        try:
            for _side, frames in self.hub.events(fd, bool(events & zmq.POLLIN),
                                                 bool(events & zmq.POLLOUT)):
                kind = frames[0]
                if kind == link.KIND_MESSAGE:
                    try:
                        messages = link.decode(frames)
                    except WireError as exc:
                        self.warnings.warn("bad link frame", str(exc))
                        continue
                    for channel, ids, parts, buffers in messages:
                        self._to_client(channel, ids, parts, buffers)
                elif kind == link.KIND_HELLO:
                    if self._any_pending:
                        self._flush_pending()
                    if self.on_hello is not None:
                        self.on_hello(decode_json(frames[2], "hello"))
        except WireError as exc:  # not our protocol: the connection was closed
            self.warnings.warn("bad link stream", str(exc))

    def _to_client(self, channel: bytes, ids: list[bytes], parts: list[bytes],
                   buffers: list[bytes]) -> None:
        """Sign and send one kernel message (or hand a probe's reply to ``on_probe``)."""
        if self.probe_id is not None and (
                ids == [self.probe_id] or channel == b"iopub" and self.probe_id in parts[1]):
            if channel == b"control":
                self.on_probe(parts)
            return
        target = self._targets.get(channel)
        if target is not None:
            send_frames(target, pack(ids, parts, buffers, self.signer))

    def probe_kernel(self, header: bytes) -> None:
        """Send the gateway's own request (encoded ``header``, empty content) to the
        kernel's control side with routing id ``probe_id``."""
        self._to_kernel([link.CONTROL_SIDE, *link.pack(link.encode(
            b"control", [self.probe_id], [header, b"{}", b"{}", b"{}"]))])

    def publish_status(self, state: str) -> None:
        """Publish a kernel status of the gateway's own (starting, restarting, dead)."""
        parts = [encode_json(new_header("status", self.session)), b"{}", b"{}",
                 encode_json({"execution_state": state})]
        self.channels.iopub.send_multipart(pack([b"kernel.status"], parts, [], self.signer))

    def interrupt_kernel(self) -> None:
        """Forward an interrupt (SIGINT to the gateway) to the kernel's control side."""
        if not self.hub.send(link.CONTROL_SIDE, [link.KIND_INTERRUPT]):
            log.info("interrupt: no kernel connected")
