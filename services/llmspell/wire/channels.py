"""Binding the five Jupyter channel sockets of one kernel instance.

shell, stdin and control are ROUTER sockets (replies go back by routing identity);
iopub is XPUB, so its owner may read subscriptions (``b"\\x01" + topic``) to learn
when a client listens; hb is a ROUTER echoed by ``Heartbeat`` on its own thread.
Sockets come from the caller's context (plain or ``zmq.green``); the heartbeat's is
always plain. Port 0 binds an OS-chosen port; ``fds`` adopts listening sockets
passed in (systemd socket activation) with ``zmq.USE_FD``, in which case libzmq
ignores the bind address. ``Channels.info`` carries the ports actually bound.
"""

import os
import stat
from dataclasses import dataclass

import zmq

from llmspell.wire.connection import CHANNEL_NAMES, ConnectionInfo
from llmspell.wire.heartbeat import Heartbeat
from llmspell.wire.message import MAX_MESSAGE_SIZE

LINGER_MS = 500  # long enough for a last reply to leave at shutdown
HEARTBEAT_MAX_MESSAGE = 1 << 16
SOCKET_TYPES = {
    "shell": zmq.ROUTER,
    "iopub": zmq.XPUB,
    "stdin": zmq.ROUTER,
    "control": zmq.ROUTER,
    "hb": zmq.ROUTER,
}


@dataclass
class Channels:
    """The bound channel sockets and the running heartbeat of one kernel instance."""

    info: ConnectionInfo
    shell: zmq.Socket
    iopub: zmq.Socket
    stdin: zmq.Socket
    control: zmq.Socket
    heartbeat: Heartbeat

    def close(self, linger: int = LINGER_MS) -> None:
        """Stop the heartbeat and close the four message sockets."""
        self.heartbeat.stop()
        for sock in (self.shell, self.iopub, self.stdin, self.control):
            sock.close(linger)


def bind_channels(
    ctx: zmq.Context,
    info: ConnectionInfo,
    *,
    fds: dict[str, int] | None = None,
    max_message_size: int = MAX_MESSAGE_SIZE,
) -> Channels:
    """Bind (or adopt from ``fds``: channel name -> listening fd) all five channels.

    Each fd is handed to libzmq, which owns and closes it from then on. Frames
    larger than ``max_message_size`` make libzmq drop the sending peer. On failure
    every socket made so far is closed and the error is re-raised with a note.
    """
    fds = _checked_fds(fds or {})
    plain = zmq.Context.shadow(ctx.underlying)
    made: list[zmq.Socket] = []
    try:
        sockets = {}
        for channel in CHANNEL_NAMES:
            sock = (plain if channel == "hb" else ctx).socket(SOCKET_TYPES[channel])
            made.append(sock)
            _configure(sock, channel, info, max_message_size)
            info = info.with_port(channel, _bind(sock, channel, info, fds.get(channel)))
            sockets[channel] = sock
        heartbeat = Heartbeat(sockets.pop("hb"))
    except BaseException:
        for sock in made:
            sock.close(0)
        raise
    return Channels(info=info, heartbeat=heartbeat, **sockets)


def _checked_fds(fds: dict[str, int]) -> dict[str, int]:
    unknown = set(fds) - set(CHANNEL_NAMES)
    if unknown:
        raise ValueError(f"unknown channel(s) in fds: {', '.join(sorted(unknown))}")
    if len(set(fds.values())) != len(fds):
        raise ValueError("each fd can be adopted by one channel only")
    for channel, fd in fds.items():
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            raise ValueError(f"fd {fd} passed for {channel} is not a socket")
    return fds


def _configure(sock: zmq.Socket, channel: str, info: ConnectionInfo, max_size: int) -> None:
    sock.linger = LINGER_MS
    if info.transport == "tcp" and ":" in info.ip:
        sock.ipv6 = True
    if SOCKET_TYPES[channel] == zmq.ROUTER:
        sock.router_handover = True
        sock.maxmsgsize = HEARTBEAT_MAX_MESSAGE if channel == "hb" else max_size


def _bind(sock: zmq.Socket, channel: str, info: ConnectionInfo, fd: int | None) -> int:
    """Bind ``sock`` for ``channel``; return the port (tcp) or ipc number actually used."""
    port = info.port(channel)
    if info.transport == "ipc" and port == 0:
        port = _free_ipc_number(info)
        info = info.with_port(channel, port)
    if fd is not None:
        sock.setsockopt(zmq.USE_FD, fd)
    url = info.url(channel)
    try:
        sock.bind(url)
    except zmq.ZMQError as e:
        e.add_note(f"while binding the {channel} channel to {url}")
        raise
    if info.transport == "tcp":
        return int(sock.last_endpoint.rsplit(b":", 1)[1])
    return port


def _free_ipc_number(info: ConnectionInfo) -> int:
    """The lowest N > 0 whose ``<ip>-N`` path neither exists nor is used by ``info``."""
    taken = {info.port(channel) for channel in CHANNEL_NAMES}
    n = 1
    while n in taken or os.path.exists(f"{info.ip}-{n}"):
        n += 1
    return n
