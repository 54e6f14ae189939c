"""The internal link between a relay (gateway) and its execution kernel.

A private protocol between two processes (or two threads) of one release. The
relay binds a ROUTER; the kernel connects two DEALERs whose routing ids are
``shell`` and ``control``, so a long execution on the shell side never delays
control requests. Messages are already verified by the relay and are not signed
on the link (it is an ipc socket in a 0700 directory, or inproc).

Frames (the ROUTER side sees the DEALER's routing id first)::

    [KIND_MESSAGE, channel, counts, *ids, header, parent, metadata, content, *buffers]
    ... the same group repeated: several messages in one multipart (a batch)
    [KIND_HELLO, json]        kernel -> relay, on connect (pid, session)
    [KIND_PING] / [KIND_PONG]  liveness, either direction
    [KIND_INTERRUPT]           relay -> kernel control side (SIGINT, interrupt_mode signal)

``channel`` is the Jupyter channel the message came from or goes to (shell,
control, stdin, iopub); ``counts`` is ``b"<ids>:<buffers>"``, how many routing
identities and binary buffers the message has; ``ids`` are the client routing
identities, carried so the relay can route replies without keeping state (for
iopub: the topic). The kernel batches messages that leave together (busy with
execute_input, a reply with idle): one send and one wake-up of the relay
instead of two, which is a fifth of an execute's round trip.
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


def encode(channel: bytes, ids: Sequence[bytes], parts: Sequence[bytes],
           buffers: Sequence[bytes] = ()) -> list[bytes]:
    """Link frames of one message: four encoded JSON parts plus buffers."""
    counts = _COUNTS.get((len(ids), len(buffers))) or b"%d:%d" % (len(ids), len(buffers))
    return [KIND_MESSAGE, channel, counts, *ids, *parts, *buffers]


def decode(frames: Sequence[bytes]) -> list[tuple[bytes, list[bytes], list[bytes], list[bytes]]]:
    """The messages of a KIND_MESSAGE frame list (without the ROUTER routing id), each
    as (channel, ids, four JSON parts, buffers); WireError if malformed."""
    messages, pos, end = [], 0, len(frames)
    try:
        while pos < end:
            if frames[pos] != KIND_MESSAGE:
                raise ValueError
            n_ids, n_buffers = _parse_counts(frames[pos + 2])
            ids_at = pos + 3
            parts_at = ids_at + n_ids
            buffers_at = parts_at + 4
            next_at = buffers_at + n_buffers
            if next_at > end:
                raise ValueError
            messages.append((frames[pos + 1], list(frames[ids_at:parts_at]),
                             list(frames[parts_at:buffers_at]), list(frames[buffers_at:next_at])))
            pos = next_at
    except (IndexError, ValueError):
        raise WireError("bad link frame", f"{len(frames)} frames") from None
    if not messages:
        raise WireError("bad link frame", "no message")
    return messages


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


def endpoint(runtime_dir: str, name: str) -> str:
    """The ipc endpoint of one instance's link inside its private runtime directory."""
    return f"ipc://{runtime_dir}/{name}.link"
