"""The internal link's transport: multipart messages over Unix stream sockets.

One connection per kernel side (shell, control). A message on the stream is a
list of byte strings: its byte length (uint32, big-endian), the count, each
length, then the bytes. The relay end (``LinkHub``) listens on a path in a 0700
runtime directory, or adopts socketpair ends (the standalone kernel), and
learns each connection's side from its hello. The kernel end (``LinkPeer``)
connects, retrying while nobody listens yet, and says hello; when the relay
closes the connection the kernel stops (its gateway is gone).

Why not ZeroMQ here: with ipc sockets every message also passed through one
ZeroMQ I/O thread on each side, two more thread wake-ups per hop on a two-core
machine; a plain socket costs one ``sendmsg`` and wakes the reader directly.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import time
from collections.abc import Iterator, Sequence

from .errors import WireError
from .link import CONTROL_SIDE, SHELL_SIDE
from .link import KIND_HELLO as HELLO
from .message import MAX_MESSAGE_SIZE

READ_SIZE = 1 << 18
MAX_FRAMES = 1 << 16
MAX_OUTPUT = 64 << 20  # bytes queued for one slow reader before sends are refused
_HEAD = struct.Struct("!II")
CONNECT_FIRST, CONNECT_MAX = 0.005, 1.0
SIDES = (SHELL_SIDE, CONTROL_SIDE)


def encode(frames: Sequence[bytes]) -> bytes:
    """One message's bytes on the stream."""
    count = len(frames)
    lengths = [len(frame) for frame in frames]
    head = struct.pack(f"!II{count}I", 4 + 4 * count + sum(lengths), count, *lengths)
    return b"".join((head, *frames))


class MessageReader:
    """Cuts a byte stream into messages; WireError if the stream is not ours."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[list[bytes]]:
        """Add received bytes; return the messages they complete."""
        buf = self._buf
        buf += data
        messages, pos = [], 0
        with memoryview(buf) as view:  # one copy per frame, also for large ones
            while len(buf) - pos >= 8:
                size, count = _HEAD.unpack_from(buf, pos)
                if (size > MAX_MESSAGE_SIZE + 4 * MAX_FRAMES or count > MAX_FRAMES
                        or size < 4 + 4 * count):
                    raise WireError("bad link frame", f"message of {size} bytes, {count} frames")
                end = pos + 4 + size
                if len(buf) < end:
                    break
                lengths = struct.unpack_from(f"!{count}I", buf, pos + 8)
                start = pos + 8 + 4 * count
                if start + sum(lengths) != end:
                    raise WireError("bad link frame", "lengths do not add up")
                frames = []
                for length in lengths:
                    frames.append(bytes(view[start:start + length]))
                    start += length
                messages.append(frames)
                pos = end
        del buf[:pos]
        return messages


class _Connection:
    """One accepted (or adopted) connection on the relay end."""

    def __init__(self, sock: socket.socket, side: bytes | None = None):
        sock.setblocking(False)
        self.sock = sock
        self.side = side
        self.reader = MessageReader()
        self.output = bytearray()

    def write(self, data: bytes) -> None:
        """Send what can be sent now, keep the rest in ``output``; OSError if closed."""
        if not self.output:
            try:
                sent = self.sock.send(data)
            except BlockingIOError:
                sent = 0
            if sent == len(data):
                return
            data = memoryview(data)[sent:]
        self.output += data

    def flush(self) -> None:
        try:
            sent = self.sock.send(self.output)
        except BlockingIOError:
            return
        del self.output[:sent]


class LinkHub:
    """The relay end: kernel connections by side, and what the poller must watch.

    ``send(side, frames)`` returns False when that side is not connected (or its
    connection already holds ``MAX_OUTPUT`` unsent bytes): the caller keeps the
    message for later. ``events(fd, readable, writable)`` serves one ready fd and
    returns ``(side, frames)`` for each message received.
    """

    def __init__(self, path: str | None = None):
        self.path = path
        self.listener: socket.socket | None = None
        self.connections: dict[int, _Connection] = {}
        self.sides: dict[bytes, _Connection] = {}
        self.changed = True  # the set of fds to watch changed since watch_list() was read
        if path is not None:
            with _private_umask():
                if os.path.exists(path):
                    os.unlink(path)  # left by a crashed gateway; the flock'd PID file is ours
                self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.listener.bind(path)
            self.listener.listen(8)
            self.listener.setblocking(False)

    def adopt(self, sock: socket.socket, side: bytes) -> None:
        """Take one end of a socketpair whose other end is the kernel's ``side``."""
        conn = _Connection(sock, side)
        self.connections[sock.fileno()] = conn
        self.sides[side] = conn
        self.changed = True

    def watch_list(self) -> list[tuple[int, bool]]:
        """(fd, also writable?) for every fd to poll."""
        self.changed = False
        watched = [(self.listener.fileno(), False)] if self.listener is not None else []
        return watched + [(fd, bool(c.output)) for fd, c in self.connections.items()]

    def owns(self, fd: int) -> bool:
        return fd in self.connections or (self.listener is not None
                                          and fd == self.listener.fileno())

    def connected(self, side: bytes) -> bool:
        return side in self.sides

    def send(self, side: bytes, frames: Sequence[bytes]) -> bool:
        conn = self.sides.get(side)
        if conn is None or len(conn.output) > MAX_OUTPUT:
            return False
        had_output = bool(conn.output)
        try:
            conn.write(encode(frames))
        except OSError:
            self._drop(conn)
            return False
        if bool(conn.output) != had_output:
            self.changed = True
        return True

    def events(self, fd: int, readable: bool,
               writable: bool) -> Iterator[tuple[bytes | None, list[bytes]]]:
        """Serve one ready fd: accept, flush, read. Yields (side, frames) per message;
        a hello assigns the side (replacing an older connection of that side)."""
        if self.listener is not None and fd == self.listener.fileno():
            self._accept()
            return
        conn = self.connections.get(fd)
        if conn is None:
            return
        if writable and conn.output:
            try:
                conn.flush()
            except OSError:
                self._drop(conn)
                return
            if not conn.output:
                self.changed = True
        if not readable:
            return
        try:
            data = conn.sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        try:
            messages = conn.reader.feed(data)
        except WireError:
            self._drop(conn)
            raise
        for frames in messages:
            if frames[0] == HELLO and len(frames) == 3 and frames[1] in SIDES:
                self._claim(conn, frames[1])
            elif conn.side is None:  # anything before a hello: not one of our kernels
                self._drop(conn)
                raise WireError("bad link frame", "no hello on a new link connection")
            yield conn.side, frames

    def close(self) -> None:
        for conn in list(self.connections.values()):
            self._drop(conn)
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    return
                raise
            self.connections[sock.fileno()] = _Connection(sock)
            self.changed = True

    def _claim(self, conn: _Connection, side: bytes) -> None:
        old = self.sides.get(side)
        if old is not None and old is not conn:
            self._drop(old)
        conn.side = side
        self.sides[side] = conn

    def _drop(self, conn: _Connection) -> None:
        fd = conn.sock.fileno()
        if fd >= 0:
            self.connections.pop(fd, None)
        if conn.side is not None and self.sides.get(conn.side) is conn:
            del self.sides[conn.side]
        conn.sock.close()
        self.changed = True


class LinkPeer:
    """The kernel end of one side: a blocking connection to the relay.

    Connects to ``path`` (retrying every 5 ms, backing off to 1 s, while nobody
    listens yet) or uses a given socketpair end, and says hello. Once connected, a
    closed connection is final: ``lost`` turns true (the gateway is gone; under
    systemd both restart together). Used by one thread only.
    """

    def __init__(self, side: bytes, hello: bytes, path: str | None = None,
                 sock: socket.socket | None = None):
        self.side, self._hello, self.path = side, hello, path
        self.lost = False
        self._sock: socket.socket | None = None
        self._poller = select.poll()
        self._reader = MessageReader()
        self._queued: list[list[bytes]] = []
        self._retry_at = 0.0
        self._delay = CONNECT_FIRST
        if sock is not None:
            self._connected(sock)

    def send(self, frames: Sequence[bytes]) -> bool:
        """Send one message (blocking); False if there is no connection (it is dropped)."""
        if self._sock is None and not self._connect():
            return False
        try:
            self._sock.sendall(encode(frames))
            return True
        except OSError:
            self._lose()
            return False

    def receive(self, timeout_ms: int) -> list[bytes] | None:
        """The next message within ``timeout_ms``, else None (at once if ``lost``)."""
        if self._queued:
            return self._queued.pop(0)
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.lost:
            left = deadline - time.monotonic()
            if self._sock is None and not self._connect():
                if left <= 0:
                    return None
                time.sleep(min(left, max(0.0, self._retry_at - time.monotonic())))
                continue
            if not self._poller.poll(max(0, int(left * 1000))):
                return None
            try:
                data = self._sock.recv(READ_SIZE)
                self._queued.extend(self._reader.feed(data) if data else ())
            except (OSError, WireError):
                data = b""
            if not data:
                self._lose()
            elif self._queued:
                return self._queued.pop(0)
        return None

    def close(self) -> None:
        if self._sock is not None:
            self._poller.unregister(self._sock)
            self._sock.close()
            self._sock = None

    def _connect(self) -> bool:
        if self.path is None or self.lost or time.monotonic() < self._retry_at:
            return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            self._retry_at = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, CONNECT_MAX)
            return False
        self._connected(sock)
        return self._sock is not None

    def _connected(self, sock: socket.socket) -> None:
        self._sock = sock
        self._poller.register(sock, select.POLLIN)
        try:
            sock.sendall(encode([HELLO, self.side, self._hello]))
        except OSError:
            self._lose()

    def _lose(self) -> None:
        self.close()
        self.lost = True


class _private_umask:
    """Create the socket file 0600 (its directory is 0700 anyway)."""

    def __enter__(self) -> None:
        self._old = os.umask(0o177)

    def __exit__(self, *exc) -> None:
        os.umask(self._old)
