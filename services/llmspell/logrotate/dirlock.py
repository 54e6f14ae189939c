"""One rotator per directory: a non-blocking ``flock`` on ``DIR/.lock`` holding our PID."""

from __future__ import annotations

import fcntl
import os

from .options import UsageError

LOCK_NAME = ".lock"


def lock_directory(directory: str) -> int:
    """Create ``directory`` if needed and lock it; return the lock fd (kept open).

    Raise :class:`UsageError` if the directory is unusable or another rotator
    holds the lock. The lock ends with the process.
    """
    try:
        os.makedirs(directory, 0o750, exist_ok=True)
        fd = os.open(os.path.join(directory, LOCK_NAME),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    except OSError as exc:
        raise UsageError(f"cannot use log directory {directory}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise UsageError(f"another llmspell-logrotate (PID {holder}) already writes "
                         f"{directory}") from None
    except OSError as exc:
        os.close(fd)
        raise UsageError(f"cannot lock {directory}: {exc.strerror}") from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the PID is only for the message above; a full disk must not stop us
    return fd
