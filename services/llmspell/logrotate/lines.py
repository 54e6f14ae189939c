"""Cutting the input into whole lines, and stamping them (compact or JSON)."""

from __future__ import annotations

from collections.abc import Callable

from .clock import iso

LINE_MAX = 1 << 20

Formatter = Callable[[bytes, float], bytes]


class LineSplitter:
    """Turns a byte stream into blocks of whole lines, holding the unterminated rest.

    A line longer than ``line_max`` bytes is cut every ``line_max`` bytes (a
    newline is added), so memory stays bounded and the cut does not depend
    on how the input was chunked.
    """

    def __init__(self, line_max: int = LINE_MAX):
        self._tail = bytearray()
        self._line_max = line_max

    def __len__(self) -> int:
        return len(self._tail)

    def push(self, chunk: bytes) -> bytes:
        """Feed ``chunk``; return the whole lines it completes (possibly ``b""``)."""
        end = chunk.rfind(b"\n") + 1
        tail = self._tail
        if not end:
            tail += chunk
            return self._cut_tail()
        if end == len(chunk):
            complete = bytes(tail) + chunk if tail else chunk
            self._tail = bytearray()
        else:
            complete = b"".join((tail, memoryview(chunk)[:end]))
            self._tail = bytearray(memoryview(chunk)[end:])
        return self._cut_long_lines(complete) + self._cut_tail()

    def finish(self) -> bytes:
        """At end of input: the held partial line, ended with a newline (or ``b""``)."""
        rest = bytes(self._tail)
        self._tail.clear()
        return rest + b"\n" if rest else b""

    def _cut_long_lines(self, block: bytes) -> bytes:
        limit = self._line_max
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

    def _cut_tail(self) -> bytes:
        out = bytearray()
        while len(self._tail) > self._line_max:
            out += self._tail[:self._line_max] + b"\n"
            del self._tail[:self._line_max]
        return bytes(out)


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
