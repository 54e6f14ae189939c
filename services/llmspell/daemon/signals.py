"""Signals as readable bytes on a pipe, for a main loop that sleeps in poll.

Python runs signal handlers only in the main thread, between bytecodes; while Lua
runs in a worker thread (GIL released) the main thread sits in ``poll``. The bridge
uses ``signal.set_wakeup_fd``: CPython's C-level handler writes the signal number
to our pipe at delivery time, in whatever thread the kernel picked, so the pipe
becomes readable at once and the main loop's poll (``zmq.Poller`` registers a plain
fd, ``select``/``selectors`` too) returns. No periodic wake-ups, no polling interval.

    bridge = SignalBridge()                   # main thread, after detach()
    poller.register(bridge.fileno(), zmq.POLLIN)
    ...
    for signum in bridge.drain(): ...         # in order, repeats kept

Loops built on threads call ``bridge.wait(timeout)`` in the main thread instead.
SIGHUP is ignored (a daemon has no terminal to hang up); pass ``ignored=()`` to
handle it like the others in the foreground.
"""

from __future__ import annotations

import os
import select
import signal
import threading
from typing import Self

HANDLED = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)
IGNORED = (signal.SIGHUP,)


def _note(signum, frame) -> None:
    """The Python-level handler: nothing to do, the C handler already wrote the byte."""


class SignalBridge:
    """Turns signals into bytes on a non-blocking pipe; construct it in the main thread."""

    def __init__(self, handled=HANDLED, ignored=IGNORED):
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("SignalBridge must be created in the main thread")
        self._rfd, self._wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._previous_fd = signal.set_wakeup_fd(self._wfd, warn_on_full_buffer=False)
        self._previous = {}
        for signum in handled:
            self._previous[signum] = signal.signal(signum, _note)
        for signum in ignored:
            self._previous[signum] = signal.signal(signum, signal.SIG_IGN)

    def fileno(self) -> int:
        """The read end: readable as soon as a handled signal arrives."""
        return self._rfd

    def drain(self) -> list[int]:
        """Signal numbers received since the last drain, oldest first; never blocks."""
        data = b""
        while True:
            try:
                chunk = os.read(self._rfd, 512)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        return list(data)

    def wait(self, timeout: float | None) -> list[int]:
        """Block up to ``timeout`` seconds (None: forever) for signals; then drain."""
        poller = select.poll()
        poller.register(self._rfd, select.POLLIN)
        poller.poll(None if timeout is None else max(0, int(timeout * 1000)))
        return self.drain()

    def close(self) -> None:
        """Restore the previous handlers and wake-up fd; close the pipe. Idempotent."""
        if self._rfd < 0:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        current = signal.set_wakeup_fd(self._previous_fd)
        if current != self._wfd:
            signal.set_wakeup_fd(current)  # someone replaced ours meanwhile: leave theirs
        os.close(self._rfd)
        os.close(self._wfd)
        self._rfd = self._wfd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
