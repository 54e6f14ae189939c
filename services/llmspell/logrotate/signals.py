"""Signals as flags plus a wakeup fd the main loop polls (no work in handlers).

SIGTERM and SIGINT ask to stop (counted: a further one while the final write
is stuck gives up); SIGHUP and SIGUSR1 ask for a rotation.
"""

from __future__ import annotations

import os
import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
ROTATE_SIGNALS = (signal.SIGHUP, signal.SIGUSR1)


class Signals:
    """Installs the handlers; ``fd`` becomes readable whenever a signal arrives."""

    def __init__(self) -> None:
        self.stops = 0
        self.rotate = False
        read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.fd = read_end
        self._write_end = write_end
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_stop)
        for sig in ROTATE_SIGNALS:
            signal.signal(sig, self._on_rotate)

    def _on_stop(self, signum, frame) -> None:
        self.stops += 1

    def _on_rotate(self, signum, frame) -> None:
        self.rotate = True

    def take_rotate(self) -> bool:
        """True once per rotation request."""
        wanted, self.rotate = self.rotate, False
        return wanted

    def drain(self) -> None:
        """Empty the wakeup pipe."""
        try:
            while os.read(self.fd, 512):
                pass
        except BlockingIOError:
            pass
