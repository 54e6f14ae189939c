"""Running one child process with a time limit, capped output and no leftovers.

The child starts in a new session (its own process group). When it exits, or
when the time limit passes, the whole group is killed with SIGKILL before the
child is reaped, so the group id cannot have been reused by then. Children
that start their own session escape the group kill; that is the one leak.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import IO

CHUNK = 64 * 1024


@dataclass
class Completed:
    """What a finished (or killed) child left behind."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    duration: float
    timed_out: bool


class _Capture:
    """Drains a pipe, keeping at most ``limit`` bytes (the rest is read and dropped)."""

    def __init__(self, pipe: IO[bytes], limit: int):
        self.pipe, self.limit = pipe, limit
        self.kept = bytearray()
        self.truncated = False

    def drain(self) -> None:
        try:
            while chunk := self.pipe.read1(CHUNK):
                room = self.limit - len(self.kept)
                if len(chunk) > room:
                    self.truncated = True
                self.kept += chunk[:max(room, 0)]
        except (OSError, ValueError):  # pipe closed under us at shutdown
            pass


def _feed(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child stopped reading; that is its business
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def run(argv: list[str], *, cwd: str, env: dict[str, str], stdin: bytes | None,
        timeout: float, max_output: int) -> Completed:
    """Run ``argv`` (no shell) and return its exit code and capped output."""
    import subprocess

    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, close_fds=True, start_new_session=True,
                            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = _Capture(proc.stdout, max_output), _Capture(proc.stderr, max_output)
    workers = [threading.Thread(target=c.drain, daemon=True) for c in (out, err)]
    if stdin is not None:
        workers.append(threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True))
    for worker in workers:
        worker.start()
    finished = _wait_unreaped(proc.pid, started + timeout)
    _kill_group(proc.pid)
    proc.wait()
    duration = time.monotonic() - started
    for worker in workers:
        worker.join(timeout=1.0)
    if not any(worker.is_alive() for worker in workers):
        proc.stdout.close()
        proc.stderr.close()
    # else: an escaped grandchild still holds a pipe; its daemon reader ends when it does.
    return Completed(proc.returncode if finished else None, bytes(out.kept), bytes(err.kept),
                     out.truncated, err.truncated, duration, not finished)


def _wait_unreaped(pid: int, deadline: float) -> bool:
    """Wait until ``pid`` has exited (without reaping it) or ``deadline``; True if it exited."""
    pause = 0.001
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.05)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
