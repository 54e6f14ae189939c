"""A PID file guarded by ``flock``: the lock, not the file's content, says who runs.

The file is opened ``O_CREAT|O_CLOEXEC`` and locked ``LOCK_EX|LOCK_NB``; the lock is
held for the life of the process (it goes when the last fd to that open file closes,
so a crash releases it). A file left by a dead process is simply taken over. After
locking we check that the path still names the inode we locked: a concurrent
``release()`` (unlink, then unlock) must not leave two winners on two inodes.

Acquire it in the daemon itself, after ``detach()``: the PID written is then the
daemon's own, no exited parent ever shared the lock, and "already running" travels
the same readiness pipe as every other start-up error. ``O_CLOEXEC`` keeps helper
processes (the log sink) from inheriting the lock and outliving us with it; a plain
``fork()`` without exec would inherit it, so don't leave such children behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

_READ_PID_WAIT = 1.0  # the winner may not have written its PID yet


class AlreadyRunning(Exception):
    """Another live process holds the PID file lock."""

    def __init__(self, pid: int | None, path: Path):
        self.pid = pid
        self.path = path
        text = f"already running with PID {pid}" if pid else f"already running ({path} is locked)"
        super().__init__(text)


class PidFile:
    """``acquire()`` once, ``release()`` on clean exit."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Lock the file and write our PID (fsynced); raise :class:`AlreadyRunning`."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this process")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                raise AlreadyRunning(self._read_holder(), self.path) from None
            if self._same_inode(fd):
                break
            os.close(fd)  # we locked a file its owner had just unlinked: start over
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Unlink, then unlock (in that order, see the module note). Idempotent."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self._same_inode(fd):
                self.path.unlink()
        finally:
            os.close(fd)

    def _same_inode(self, fd: int) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    def _read_holder(self) -> int | None:
        """The PID the lock holder wrote; waits briefly if it has not written yet."""
        deadline = time.monotonic() + _READ_PID_WAIT
        while True:
            try:
                text = self.path.read_text(errors="replace").strip()
            except FileNotFoundError:
                text = ""
            if text.isdigit():
                return int(text)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)
