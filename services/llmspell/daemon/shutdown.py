"""Graceful shutdown in phases, bounded in time; a second request exits at once.

    coordinator = ShutdownCoordinator(grace=cfg.get("kernel.shutdown_grace"))
    if signal.SIGTERM in bridge.drain():
        coordinator.request("SIGTERM")
    ...
    status = coordinator.run(stop_accepting=..., wait_idle=engine_wait_idle,
                             interrupt=engine.interrupt, save_state=engine.save_state,
                             notify_clients=..., cleanup=[conn_file.unlink, pidfile.release])
    os._exit(status)     # or sys.exit(status) once the sockets are closed

The first ``request()`` (in the main thread) replaces the SIGTERM handler by one that
calls :meth:`force`, so a second SIGTERM ends the process even while ``run`` is
blocked in ``wait_idle``; a watchdog thread does the same if the whole sequence
outlives ``hard_limit``. A step that raises is logged and the sequence goes on
(clean-up always runs); ``run`` then returns 1 instead of 0.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import NoReturn

RUNNING = "running"
DRAINING = "draining"          # stop accepting; running executions may finish
INTERRUPTING = "interrupting"  # grace is over: interrupt what still runs
SAVING = "saving"              # save state atomically
NOTIFYING = "notifying"        # tell clients we are going
CLEANING = "cleaning"          # remove connection and PID files
DONE = "done"

FORCED_EXIT = 1


def _log(text: str) -> None:
    print(f"shutdown: {text}", file=sys.stderr, flush=True)


class ShutdownCoordinator:
    """Tracks the shutdown phase and deadline; runs the phases in order."""

    def __init__(self, grace: float = 5.0, *, interrupt_wait: float = 2.0,
                 hard_limit: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.grace = float(grace)
        self.interrupt_wait = float(interrupt_wait)
        self.hard_limit = hard_limit if hard_limit is not None else self.grace + interrupt_wait + 10
        self.phase = RUNNING
        self.deadline: float | None = None  # clock() time when the grace ends
        self.failed = False
        self._clock = clock
        self._watchdog: threading.Timer | None = None

    @property
    def requested(self) -> bool:
        return self.phase != RUNNING

    def remaining(self) -> float:
        """Seconds of grace left (0 once over; the full grace before any request)."""
        if self.deadline is None:
            return self.grace
        return max(0.0, self.deadline - self._clock())

    def request(self, reason: str = "shutdown requested") -> None:
        """Start the graceful path; a second call ends the process with FORCED_EXIT."""
        if self.requested:
            self.force(f"{reason} during shutdown")
        self.phase = DRAINING
        self.deadline = self._clock() + self.grace
        _log(f"{reason}: draining, grace {self.grace:g} s")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._second_term)
        self._watchdog = threading.Timer(
            self.hard_limit, self.force, (f"not done after {self.hard_limit:g} s",))
        self._watchdog.daemon = True
        self._watchdog.start()

    def force(self, why: str) -> NoReturn:
        """Exit now, non-zero, without clean-up (a PID file left is taken over later)."""
        os.write(2, f"shutdown: {why}; exiting now\n".encode())
        os._exit(FORCED_EXIT)

    def _second_term(self, signum, frame) -> None:
        self.force("second SIGTERM")

    def run(self, *, stop_accepting: Callable[[], object] | None = None,
            wait_idle: Callable[[float], bool] | None = None,
            interrupt: Callable[[], object] | None = None,
            save_state: Callable[[], object] | None = None,
            notify_clients: Callable[[], object] | None = None,
            cleanup: Iterable[Callable[[], object]] = ()) -> int:
        """Run the phases; ``wait_idle(timeout)`` says whether executions have ended.
        Returns the exit status: 0, or 1 if a step failed."""
        if not self.requested:
            self.request()
        self._step(DRAINING, stop_accepting)
        idle = wait_idle is None or self._call(wait_idle, self.remaining())
        if not idle:
            self._step(INTERRUPTING, interrupt)
            if not self._call(wait_idle, self.interrupt_wait):
                _log(f"still busy {self.interrupt_wait:g} s after the interrupt; going on")
        self._step(SAVING, save_state)
        self._step(NOTIFYING, notify_clients)
        for step in cleanup:
            self._step(CLEANING, step)
        self.phase = DONE
        if self._watchdog is not None:
            self._watchdog.cancel()
        _log("done" if not self.failed else "done, with errors")
        return 1 if self.failed else 0

    def _step(self, phase: str, step: Callable[[], object] | None) -> None:
        if self.phase != phase:
            self.phase = phase
            _log(phase)
        if step is not None:
            self._call(step)

    def _call(self, step: Callable, *args):
        try:
            return step(*args)
        except Exception as exc:  # noqa: BLE001 - one failing step must not skip clean-up
            self.failed = True
            name = getattr(step, "__qualname__", repr(step))
            _log(f"{self.phase}: {name} failed: {type(exc).__name__}: {exc}")
            return False
