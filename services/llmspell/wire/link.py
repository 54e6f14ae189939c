"""The internal link between a relay (gateway) and its execution kernel.

A private protocol between two processes (or two threads) of one release. The
kernel has two sides, ``shell`` and ``control``, each with its own connection to
the relay (``wire.linksocket``: Unix stream sockets), so a long execution on the
shell side never delays control requests. Messages are already verified by the
relay and are not signed on the link (a socket in a 0700 directory, or a
socketpair).

Messages (lists of byte strings)::

    [KIND_MESSAGE, packed]       one or more Jupyter messages, either direction
    [KIND_HELLO, side, json]     kernel -> relay, after each connect (pid, session)
    [KIND_INTERRUPT]             relay -> kernel control side (SIGINT, interrupt_mode signal)

``packed`` is one byte string holding a list of byte strings (a count, their
lengths, then their bytes; all counts big-endian uint32). The list is one group
per message, back to back::

    channel, counts, *ids, header, parent, metadata, content, *buffers

``channel`` is the Jupyter channel the message came from or goes to (shell,
control, stdin, iopub); ``counts`` is ``b"<ids>:<buffers>"``, how many routing
identities and binary buffers the message has; ``ids`` are the client routing
identities, carried so the relay can route replies without keeping state (for
iopub: the topic).

Why packed and batched: the kernel batches messages that leave together (busy
with execute_input, a reply with idle), and a batch costs one send and one
wake-up of the relay however many messages and frames it holds.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from .errors import WireError

KIND_MESSAGE = b"m"
KIND_HELLO = b"hello"
KIND_INTERRUPT = b"interrupt"
SHELL_SIDE = b"shell"      # the kernel's shell/stdin side
CONTROL_SIDE = b"control"  # the kernel's control side
CHANNELS = (b"shell", b"control", b"stdin", b"iopub")
_UINT32 = struct.Struct("!I")


def encode(channel: bytes, ids: Sequence[bytes], parts: Sequence[bytes],
           buffers: Sequence[bytes] = ()) -> list[bytes]:
    """The group of one message (see the module doc); concatenate groups to batch."""
    counts = _COUNTS.get((len(ids), len(buffers))) or b"%d:%d" % (len(ids), len(buffers))
    return [channel, counts, *ids, *parts, *buffers]


def pack(groups: Sequence[bytes]) -> list[bytes]:
    """The link message that carries the messages whose groups are ``groups``."""
    count = len(groups)
    head = struct.pack(f"!I{count}I", count, *map(len, groups))
    return [KIND_MESSAGE, b"".join((head, *groups))]


def decode(frames: Sequence[bytes]) -> list[tuple[bytes, list[bytes], list[bytes], list[bytes]]]:
    """The messages of a ``[KIND_MESSAGE, packed]`` link message, each as (channel,
    ids, four JSON parts, buffers); WireError if malformed."""
    if len(frames) != 2 or frames[0] != KIND_MESSAGE:
        raise WireError("bad link frame", f"{len(frames)} frames")
    items = _unpack(frames[1])
    messages, pos, end = [], 0, len(items)
    try:
        while pos < end:
            n_ids, n_buffers = _parse_counts(items[pos + 1])
            ids_at = pos + 2
            parts_at = ids_at + n_ids
            buffers_at = parts_at + 4
            next_at = buffers_at + n_buffers
            if next_at > end:
                raise ValueError
            messages.append((items[pos], items[ids_at:parts_at],
                             items[parts_at:buffers_at], items[buffers_at:next_at]))
            pos = next_at
    except (IndexError, ValueError):
        raise WireError("bad link frame", f"{len(items)} items") from None
    if not messages:
        raise WireError("bad link frame", "no message")
    return messages


def _unpack(packed: bytes) -> list[bytes]:
    try:
        (count,) = _UINT32.unpack_from(packed, 0)
        start = 4 + 4 * count
        if start > len(packed):
            raise ValueError
        lengths = struct.unpack_from(f"!{count}I", packed, 4)
    except (struct.error, ValueError):
        raise WireError("bad link frame", "bad packed header") from None
    if start + sum(lengths) != len(packed):
        raise WireError("bad link frame", "lengths do not add up")
    items = []
    for length in lengths:
        items.append(packed[start:start + length])
        start += length
    return items


_COUNTS = {(i, b): b"%d:%d" % (i, b) for i in range(4) for b in range(2)}
_PARSED = {v: k for k, v in _COUNTS.items()}


def _parse_counts(frame: bytes) -> tuple[int, int]:
    known = _PARSED.get(frame)
    if known is not None:
        return known
    n_ids, n_buffers = map(int, frame.split(b":"))
    if n_ids < 0 or n_buffers < 0:
        raise ValueError
    return n_ids, n_buffers


MAX_IPC_PATH = 107  # a Unix socket path: sun_path holds 108 bytes with the NUL


def endpoint(runtime_dir: str, name: str) -> str:
    """The endpoint (``ipc://PATH``) of one instance's link inside its private runtime
    directory; ValueError if the path is too long for a Unix socket."""
    path = f"{runtime_dir}/{name}.link"
    if len(path.encode()) > MAX_IPC_PATH:
        raise ValueError(f"the link socket path {path} is too long for a Unix socket "
                         f"({len(path.encode())} bytes, at most {MAX_IPC_PATH})")
    return f"ipc://{path}"


def socket_path(endpoint: str) -> str:
    """The socket path of an ``ipc://PATH`` endpoint (a bare path is taken as is)."""
    return endpoint[len("ipc://"):] if endpoint.startswith("ipc://") else endpoint
