"""Starting and restarting the gateway's execution kernel process.

The kernel is a child process (``llmspell-kernel --link ...``) unless systemd runs
it as its own unit (``llmspell-kernel@P.service``); then the gateway only watches
the link. Restarts back off exponentially when the kernel keeps dying at start.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time

log = logging.getLogger("llmspell.gateway")
MAX_BACKOFF = 10.0
STABLE_AFTER = 10.0


class KernelProcess:
    """One supervised ``llmspell-kernel --link`` child."""

    def __init__(self, endpoint: str, instance_id: str, config_file: str | None = None):
        self.argv = [sys.executable, "-m", "llmspell.kernel.main", "--link", endpoint,
                     "--id", instance_id]
        if config_file:
            self.argv += ["--config", config_file]
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self._backoff = 0.0
        self.next_start = 0.0

    def start(self) -> None:
        """Start the child (the gateway has cleaned LISTEN_*/NOTIFY_SOCKET from os.environ)."""
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL)
        self.started_at = time.monotonic()
        log.info("started kernel process %d", self.proc.pid)

    def exited(self) -> int | None:
        """The exit status if the child has exited (reaped), else None."""
        if self.proc is None:
            return None
        return self.proc.poll()

    def schedule_restart(self) -> float:
        """Plan the next start after a death; returns the delay in seconds."""
        lived = time.monotonic() - self.started_at
        self._backoff = 0.0 if lived > STABLE_AFTER else min(MAX_BACKOFF,
                                                              max(0.1, self._backoff * 2))
        self.next_start = time.monotonic() + self._backoff
        self.proc = None
        return self._backoff

    def due(self) -> bool:
        return self.proc is None and time.monotonic() >= self.next_start

    def reload(self) -> None:
        """Ask the child to re-read its configuration (SIGUSR1)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)

    def stop(self, timeout: float = 5.0) -> None:
        """TERM, wait up to ``timeout``, then KILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("kernel %d did not stop in %.1f s: killing it", self.proc.pid, timeout)
            self.proc.kill()
            self.proc.wait(2)
