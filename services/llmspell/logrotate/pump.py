"""The main loop: standard input -> whole lines (:class:`LineReader`) -> :class:`LogWriter`.

Reads 1 MiB at a time into one reused buffer; writes after every read. When
the file system refuses a write, the data stays held and the write is retried
with backoff (said once on stderr, then every minute); input keeps being read
until ``buffer_size`` bytes are held, then it is paused, so a writer upstream
blocks instead of losing lines. No timer is needed for correctness: rotations
happen when data arrives, or when ``poll`` times out on an idle file that is
due.
"""

from __future__ import annotations

import fcntl
import os
import select
import stat
import time
from collections.abc import Callable

from .clock import Clock
from .lines import Formatter, LineReader
from .signals import Signals
from .writer import LogWriter

PIPE_SIZE = 1 << 20
RETRY_FIRST, RETRY_MAX = 0.05, 2.0
REPEAT_WARNING = 60.0
IDLE_CHECK = 60.0


class Pump:
    """Moves data from ``stdin`` to the writer; see the module doc."""

    def __init__(self, writer: LogWriter, line_max: int, formatter: Formatter | None,
                 clock: Clock, buffer_size: int, signals: Signals,
                 warn: Callable[[str], None], stdin: int = 0):
        self._writer = writer
        self._lines = LineReader(stdin, line_max)
        self._format = formatter
        self._clock = clock
        self._buffer_size = buffer_size
        self._signals = signals
        self._warn = warn
        self._stdin = stdin
        self.eof = False
        self._retry_at: float | None = None
        self._delay = RETRY_FIRST
        self._failing_since: float | None = None
        self._last_errno: int | None = None
        self._last_warned = 0.0
        self._stdin_flags = _prepare_input(stdin)
        self._nonblocking = self._stdin_flags is not None

    def run(self) -> None:
        """Copy input to the log until end of input or a stop signal."""
        poller = select.poll()
        poller.register(self._signals.fd, select.POLLIN)
        reading = ready = False
        while not self.eof and not self._signals.stops:
            want = self._writer.held < self._buffer_size
            if want != reading:
                if want:
                    poller.register(self._stdin, select.POLLIN)
                else:
                    poller.unregister(self._stdin)
                reading = want
            if not (reading and ready):
                for fd, _ in poller.poll(self._timeout_ms()):
                    if fd == self._stdin:
                        ready = True
                    else:
                        self._signals.drain()
            rotate = self._signals.take_rotate()
            if rotate:
                self._writer.request_rotation()
            if reading and ready:
                ready = self._read() and self._nonblocking
                if ready and not (rotate or self._writer.held or self._retry_at):
                    continue  # written straight away; more input is probably waiting
            self._write()
        if self._signals.stops:
            self._drain_input()

    def finish(self) -> bool:
        """Write the held partial line and everything held, retrying while refused.

        Return False if a stop signal arrives while writes still fail.
        """
        if self._nonblocking:
            fcntl.fcntl(self._stdin, fcntl.F_SETFL, self._stdin_flags)
            self._nonblocking = False
        self._accept(self._lines.finish())
        stops = self._signals.stops
        self._retry_at = None
        poller = select.poll()
        poller.register(self._signals.fd, select.POLLIN)
        told = False
        while not self._write():
            if not told:
                self._warn(f"stopping, but {self._writer.held} bytes cannot be written yet; "
                           "retrying (SIGTERM again gives up)")
                told = True
            poller.poll(self._timeout_ms())
            self._signals.drain()
            if self._signals.stops > stops:
                return False
        return True

    def _read(self) -> bool:
        """Read one chunk; False if there was nothing to read yet (or at end of input)."""
        try:
            block = self._lines.read()
        except BlockingIOError:
            return False
        except OSError as exc:
            self._warn(f"cannot read standard input: {exc.strerror}; stopping")
            block = None
        if block is None:
            self.eof = True
            return False
        self._accept(block)
        return True

    def _accept(self, block: bytes | memoryview) -> None:
        """Write (or hold) a block of whole lines; the writer copies what it keeps."""
        if not block:
            return
        now = self._clock()
        if self._format is not None:
            block = self._format(bytes(block), now)
        if self._retry_at is not None:
            self._writer.hold(block)
            return
        try:
            self._writer.write(block, now)
        except OSError as exc:
            self._failed(exc)

    def _drain_input(self) -> None:
        """After a stop signal: take what is already in the pipe, without waiting."""
        poller = select.poll()
        poller.register(self._stdin, select.POLLIN)
        while not self.eof and self._writer.held < self._buffer_size and poller.poll(0):
            if not self._read():
                return

    def _write(self) -> bool:
        """One write attempt unless backing off; True when nothing is left held."""
        if self._retry_at is not None and time.monotonic() < self._retry_at:
            return False
        try:
            self._writer.flush(self._clock())
        except OSError as exc:
            self._failed(exc)
            return False
        if self._failing_since is not None:
            self._warn(f"writing {self._writer.layout.current} again after "
                       f"{time.monotonic() - self._failing_since:.1f}s")
            self._failing_since = self._retry_at = self._last_errno = None
            self._delay = RETRY_FIRST
        return True

    def _failed(self, exc: OSError) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if exc.errno != self._last_errno or now - self._last_warned >= REPEAT_WARNING:
            self._warn(f"cannot write {self._writer.layout.current}: {exc.strerror or exc}; "
                       f"holding {self._writer.held} bytes, retrying")
            self._last_errno, self._last_warned = exc.errno, now
        self._retry_at = now + self._delay
        self._delay = min(self._delay * 2, RETRY_MAX)

    def _timeout_ms(self) -> int | None:
        """How long poll may sleep: until the next retry, or until the file is due."""
        if self._retry_at is not None:
            return max(0, int((self._retry_at - time.monotonic()) * 1000) + 1)
        writer = self._writer
        if writer.max_age and writer.size:
            left = writer.opened_at + writer.max_age - self._clock()
            return int(min(max(left, 0.0), IDLE_CHECK) * 1000) + 1
        return None


def _prepare_input(fd: int) -> int | None:
    """For a pipe or socket: ask for a 1 MiB pipe buffer and make reads non-blocking
    (one ``read`` per chunk instead of ``poll`` + ``read``). Return the original
    flags to restore, or None for other inputs (left untouched)."""
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    return flags
