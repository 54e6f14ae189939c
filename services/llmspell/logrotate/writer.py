"""The current log file: appends whole lines, rotates on size, age or request."""

from __future__ import annotations

import os
from collections.abc import Callable

from . import layout as names
from .layout import Layout

FILE_MODE = 0o640

Bytes = bytes | bytearray | memoryview


class LogWriter:
    """Writes whole lines to ``NAME.log``, rotating it on size, age or request.

    A line never spans two files, and a file never passes ``max_size`` unless
    it holds one single longer line. Rotation renames the file to its stamped
    name and opens a fresh one; ``on_rotated(path)`` gets the rotated path
    (the housekeeper fsyncs and compresses it). An ``OSError`` leaves the
    unwritten data held, to be retried by calling :meth:`flush` again.
    """

    def __init__(self, where: Layout, max_size: int, max_age: float,
                 on_rotated: Callable[[str], None]):
        self.layout = where
        self.max_size = max_size
        self.max_age = max_age
        self.size = 0
        self.opened_at = 0.0
        self._on_rotated = on_rotated
        self._held = bytearray()
        self._fd: int | None = None
        self._line_open = False      # a failed write stopped inside a line
        self._force = False
        self._last_us = 0

    @property
    def held(self) -> int:
        """Bytes accepted but not yet written."""
        return len(self._held)

    def start(self, now: float) -> None:
        """Open (or continue) ``NAME.log``; its age counts from the newest rotation."""
        rotated = sorted(self.layout.scan())
        if rotated:
            self._last_us = names.stamp_us(rotated[-1])
        self._open(now)
        if self.size and rotated:
            self.opened_at = min(now, self._last_us / 1e6)

    def write(self, data: Bytes, now: float) -> None:
        """Write whole lines (``data`` ends with a newline) after anything held.

        On ``OSError`` the unwritten rest is held and the error raised.
        """
        if self._held:
            self._held += data
            self.flush(now)
            return
        done, error = self._emit(data, now)
        if error is not None:
            self._held += memoryview(data)[done:]
            raise error

    def hold(self, data: Bytes) -> None:
        """Keep whole lines for a later :meth:`flush` (while writes are refused)."""
        self._held += data

    def request_rotation(self) -> None:
        """Rotate at the next line boundary (if the file is not empty)."""
        self._force = True

    def flush(self, now: float) -> None:
        """Write what is held and rotate if due; raise ``OSError`` if refused."""
        done, error = self._emit(self._held, now)
        del self._held[:done]
        if error is not None:
            raise error

    def close(self) -> None:
        """fsync and close the current file."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def take_held(self) -> bytes:
        """Give up on writing: return (and forget) what is held."""
        data = bytes(self._held)
        self._held.clear()
        return data

    def rotate(self, now: float) -> None:
        """Rename ``NAME.log`` to its stamped name and open a new one.

        If ``NAME.log`` was moved or deleted by someone else, just open a new one.
        """
        us = max(int(now * 1_000_000), self._last_us + 1)
        target = self.layout.rotated(names.stamp(us))
        try:
            os.rename(self.layout.current, target)
        except FileNotFoundError:
            target = None
        else:
            self._last_us = us
        self._force = False
        fd, self._fd = self._fd, None
        self.size = 0
        os.close(fd)
        if target:
            self._on_rotated(target)
        self._open(now)

    def _open(self, now: float) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        try:
            fd = os.open(self.layout.current, flags, FILE_MODE)
        except FileNotFoundError:  # the directory was removed: make it again
            os.makedirs(self.layout.directory, 0o750, exist_ok=True)
            fd = os.open(self.layout.current, flags, FILE_MODE)
        self._fd = fd
        self.size = os.fstat(fd).st_size
        self.opened_at = now

    def _rotation_due(self, now: float) -> bool:
        if not self.size:
            self._force = False
            return False
        return self._force or bool(self.max_age and now - self.opened_at >= self.max_age)

    def _emit(self, buf: Bytes, now: float) -> tuple[int, OSError | None]:
        """Write ``buf`` across files as the limits say; return (bytes written, error)."""
        pos = 0
        try:
            with memoryview(buf) as view:
                while True:
                    if self._fd is None:
                        self._open(now)
                    if not self._line_open and self._rotation_due(now):
                        self.rotate(now)
                        continue
                    if pos == len(buf):
                        return pos, None
                    end = pos + self._cut(buf, pos)
                    if end == pos:
                        self.rotate(now)
                        continue
                    while pos < end:
                        written = os.write(self._fd, view[pos:end])
                        pos += written
                        self.size += written
                        self._line_open = view[pos - 1] != 0x0A
        except OSError as exc:
            return pos, exc

    def _cut(self, buf: Bytes, pos: int) -> int:
        """How many bytes of ``buf[pos:]`` go into the current file now (0 = rotate first)."""
        remaining = len(buf) - pos
        if self._line_open:
            newline = _find_newline(buf, pos, len(buf))
            return newline + 1 - pos if newline >= 0 else remaining
        if not self.max_size:
            return remaining
        room = self.max_size - self.size
        if remaining <= room:
            return remaining
        newline = _find_newline(buf, pos, pos + room, last=True) if room > 0 else -1
        if newline < 0 and self.size == 0:
            newline = _find_newline(buf, pos, len(buf))
            return newline + 1 - pos if newline >= 0 else remaining
        return newline + 1 - pos if newline >= 0 else 0


def _find_newline(buf: Bytes, start: int, stop: int, last: bool = False) -> int:
    """Index of the first (or last) newline in ``buf[start:stop]``, or -1.

    A memoryview (the reader's buffer) has no ``find``: only the searched
    stretch is copied, which happens near rotations, not per block.
    """
    if isinstance(buf, memoryview):
        piece = bytes(buf[start:stop])
        found = piece.rfind(b"\n") if last else piece.find(b"\n")
        return start + found if found >= 0 else -1
    return buf.rfind(b"\n", start, stop) if last else buf.find(b"\n", start, stop)
