"""The internal link between a relay (gateway) and its execution kernel.

A private protocol between two processes (or two threads) of one release. The
relay binds a ROUTER; the kernel connects two DEALERs whose routing ids are
``shell`` and ``control``, so a long execution on the shell side never delays
control requests. Messages are already verified by the relay and are not signed
on the link (it is an ipc socket in a 0700 directory, or inproc).

Frames (the ROUTER side sees the DEALER's routing id first)::

    [KIND_MESSAGE, channel, n_ids, *ids, header, parent, metadata, content, *buffers]
    [KIND_HELLO, json]        kernel -> relay, on connect (pid, session)
    [KIND_PING] / [KIND_PONG]  liveness, either direction
    [KIND_INTERRUPT]           relay -> kernel control side (SIGINT, interrupt_mode signal)

``channel`` is the Jupyter channel the message came from or goes to (shell,
control, stdin, iopub); ``ids`` are the client routing identities, carried so the
relay can route replies without keeping state (for iopub: the topic).
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import WireError

KIND_MESSAGE = b"m"
KIND_HELLO = b"hello"
KIND_PING = b"ping"
KIND_PONG = b"pong"
KIND_INTERRUPT = b"interrupt"
SHELL_SIDE = b"shell"      # routing id of the kernel's shell/stdin DEALER
CONTROL_SIDE = b"control"  # routing id of the kernel's control DEALER
CHANNELS = (b"shell", b"control", b"stdin", b"iopub")
_DIGITS = [str(i).encode() for i in range(16)]


def encode(channel: bytes, ids: Sequence[bytes], parts: Sequence[bytes],
           buffers: Sequence[bytes] = ()) -> list[bytes]:
    """Link frames of one message: four encoded JSON parts plus buffers."""
    n = len(ids)
    count = _DIGITS[n] if n < 16 else str(n).encode()
    return [KIND_MESSAGE, channel, count, *ids, *parts, *buffers]


def decode(frames: Sequence[bytes]) -> tuple[bytes, list[bytes], list[bytes], list[bytes]]:
    """(channel, ids, four JSON parts, buffers) of a KIND_MESSAGE frame list
    (without the ROUTER routing id); WireError if malformed."""
    try:
        n = int(frames[2])
        start = 3 + n
        parts = list(frames[start:start + 4])
        if n < 0 or len(parts) != 4:
            raise ValueError
    except (IndexError, ValueError):
        raise WireError("bad link frame", f"{len(frames)} frames") from None
    return frames[1], list(frames[3:start]), parts, list(frames[start + 4:])


def endpoint(runtime_dir: str, name: str) -> str:
    """The ipc endpoint of one instance's link inside its private runtime directory."""
    return f"ipc://{runtime_dir}/{name}.link"
