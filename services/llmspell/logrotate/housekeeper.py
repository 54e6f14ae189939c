"""Background thread: fsync rotated files, apply retention, gzip what remains.

Every round is idempotent: it repairs crash leftovers, deletes expired files
and compresses every uncompressed rotated file, so a failure (disk full) is
simply retried at the next rotation or the next start.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

from . import compress, retention
from .clock import Clock
from .layout import Layout, sync_directory

NICENESS = 10
_STOP = object()
_TIDY = None


class Housekeeper:
    """Runs the rounds one at a time, in a daemon thread, in submission order."""

    def __init__(self, where: Layout, compress_files: bool, keep: int, max_age: float,
                 clock: Clock, warn: Callable[[str], None]):
        self._layout = where
        self._compress = compress_files
        self._keep = keep
        self._max_age = max_age
        self._clock = clock
        self._warn = warn
        self._last_warning = ""
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="logrotate-housekeeper",
                                        daemon=True)

    def start(self) -> None:
        """Start the thread with a first round (repairs what a previous run left)."""
        self._queue.put(_TIDY)
        self._thread.start()

    def submit(self, rotated_path: str) -> None:
        """Queue a round for a freshly rotated file."""
        self._queue.put(rotated_path)

    def stop(self) -> None:
        """Ask the thread to finish the queued rounds and end."""
        self._queue.put(_STOP)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the thread to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        _be_nicer()
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._sync([item for item in batch if isinstance(item, str)])
            self._round()
            if _STOP in batch:
                return

    def _sync(self, paths: list[str]) -> None:
        """Make the rotated files (and their new names) durable."""
        try:
            for path in paths:
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            if paths:
                sync_directory(self._layout.directory)
        except OSError as exc:
            self._say(f"cannot fsync rotated file: {exc.strerror}")

    def _round(self) -> None:
        try:
            retention.apply(self._layout, self._keep, self._max_age, self._clock())
            uncompressed = compress.repair(self._layout)
        except OSError as exc:
            self._say(f"cannot tidy {self._layout.directory}: {exc.strerror}")
            return
        for path in uncompressed if self._compress else ():
            try:
                compress.gzip_file(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                self._say(f"cannot compress {path}: {exc.strerror}; kept uncompressed, "
                          "will retry")
                return
        self._last_warning = ""

    def _say(self, message: str) -> None:
        if message != self._last_warning:
            self._last_warning = message
            self._warn(message)


def _be_nicer() -> None:
    """Lower this thread's CPU priority (Linux nice is per thread) so compressing
    never slows the main thread's reading."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICENESS)
    except OSError:
        pass
