"""Reading the input as whole lines, and stamping them (compact or JSON)."""

from __future__ import annotations

import os
from collections.abc import Callable

from .clock import iso

LINE_MAX = 1 << 20
READ_SIZE = 1 << 20

Formatter = Callable[[bytes, float], bytes]


class LineReader:
    """Reads a byte stream into one reused buffer and hands out blocks of whole lines.

    The unterminated rest of each read is held at the front of the buffer and
    completed by the next read, so a block costs one ``readv`` and no copy in
    the common case. A block is a view into the buffer, valid until the next
    :meth:`read`. A line longer than ``line_max`` bytes is cut every
    ``line_max`` bytes (a newline is added), so memory stays bounded and the
    cut does not depend on how the input was chunked.
    """

    def __init__(self, fd: int, line_max: int = LINE_MAX, read_size: int = READ_SIZE):
        self._fd = fd
        self._line_max = line_max
        self._read_size = read_size
        self._buf = bytearray(line_max + read_size)
        self._view = memoryview(self._buf)
        self._used = 0      # bytes of _buf in use: handed out (up to _given), then held
        self._given = 0

    def __len__(self) -> int:
        """Bytes of the unterminated line held."""
        return self._used - self._given

    def read(self) -> memoryview | bytes | None:
        """One read: the whole lines it completes (possibly empty); None at end of input.

        Raises ``BlockingIOError`` when a non-blocking input has nothing yet.
        """
        held = self._keep_tail()
        count = os.readv(self._fd, [self._view[held:held + self._read_size]])
        if not count:
            return None
        used = self._used = held + count
        end = self._buf.rfind(b"\n", held, used) + 1
        limit = self._line_max
        if used - end > limit or (end > limit and _has_long_line(self._buf, end, limit)):
            return self._cut(end)
        self._given = end
        return self._view[:end]

    def finish(self) -> bytes:
        """At end of input: the held partial line, ended with a newline (or ``b""``)."""
        rest = bytes(self._view[self._given:self._used])
        self._used = self._given = 0
        return rest + b"\n" if rest else b""

    def _keep_tail(self) -> int:
        """Move the held partial line to the front of the buffer; return its length."""
        held = self._used - self._given
        if self._given:
            if held:
                self._buf[:held] = bytes(self._view[self._given:self._used])
            self._used, self._given = held, 0
        return held

    def _cut(self, end: int) -> bytes:
        """The rare path: lines longer than ``line_max`` in what was read."""
        limit, used = self._line_max, self._used
        block = _cut_long_lines(bytes(self._view[:end]), limit)
        pieces, start = [block], end
        while used - start > limit:
            pieces += (self._view[start:start + limit], b"\n")
            start += limit
        self._given = start
        return b"".join(pieces)


def _has_long_line(buf: bytearray, end: int, limit: int) -> bool:
    """Whether a line in ``buf[:end]`` (whole lines) is longer than ``limit`` bytes;
    one backward search per ``limit`` bytes, no copy."""
    pos = 0
    while end - pos > limit:
        newline = buf.rfind(b"\n", pos, pos + limit + 1)
        if newline < 0:
            return True
        pos = newline + 1
    return False


def _cut_long_lines(block: bytes, limit: int) -> bytes:
    """``block`` (whole lines) with every line longer than ``limit`` cut every ``limit`` bytes."""
    pieces, start, pos = [], 0, 0
    while len(block) - pos > limit:
        newline = block.rfind(b"\n", pos, pos + limit + 1)
        if newline >= 0:
            pos = newline + 1
        else:
            pos += limit
            pieces += (block[start:pos], b"\n")
            start = pos
    if not pieces:
        return block
    pieces.append(block[start:])
    return b"".join(pieces)


def make_formatter(timestamp: bool, fmt: str) -> Formatter | None:
    """The function that turns a block of whole lines into output bytes (None = as is)."""
    if fmt == "json":
        return _json_formatter(timestamp)
    if timestamp:
        return _stamp_compact
    return None


def _stamp_compact(block: bytes, now: float) -> bytes:
    prefix = iso(now).encode() + b" "
    return prefix + block[:-1].replace(b"\n", b"\n" + prefix) + b"\n"


def _json_formatter(timestamp: bool) -> Formatter:
    import json

    dumps = json.JSONEncoder(ensure_ascii=False).encode

    def format_json(block: bytes, now: float) -> bytes:
        head = '{"ts":"' + iso(now) + '","line":' if timestamp else '{"line":'
        text = block.decode("utf-8", "backslashreplace")
        return "".join(f"{head}{dumps(line)}}}\n" for line in text.split("\n")[:-1]).encode()

    return format_json
