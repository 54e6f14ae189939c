"""sd_notify(3) for services: readiness, status, reload, stop and watchdog.

``Notifier`` wraps ``sdnotify.SystemdNotifier`` and is a no-op when
``NOTIFY_SOCKET`` is absent (standalone mode), so callers never branch on it.
It snapshots ``NOTIFY_SOCKET``/``WATCHDOG_*`` when constructed: build it before
``activation.clean_activation_env(notify=True)`` strips them for children.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

_STATUS_MAX = 1024


def sanitize(text: str) -> str:
    """Return *text* as one printable ASCII line, safe for ``STATUS=``.

    sdnotify encodes Latin-1 and silently drops a message it cannot encode;
    a newline would start a new assignment (``\\nREADY=1``).  Non-ASCII becomes
    '?', control characters become spaces.
    """
    out = "".join(c if " " <= c <= "~" else (" " if c < " " or c == "\x7f" else "?") for c in text)
    return out[:_STATUS_MAX]


class Notifier:
    """Send state changes to the service manager (see sd_notify(3))."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.socket_path = env.get("NOTIFY_SOCKET") or None
        self._watchdog_usec = env.get("WATCHDOG_USEC")
        self._watchdog_pid = env.get("WATCHDOG_PID")
        self._sender = None

    @property
    def enabled(self) -> bool:
        """True when a notification socket was given to this process."""
        return self.socket_path is not None

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=value`` assignments in one datagram; False if not sent."""
        if self.socket_path is None:
            return False
        if self._sender is None:
            import sdnotify

            saved = os.environ.get("NOTIFY_SOCKET")
            os.environ["NOTIFY_SOCKET"] = self.socket_path  # sdnotify reads os.environ
            try:
                self._sender = sdnotify.SystemdNotifier(debug=True)
            except OSError as exc:
                log.warning("cannot open NOTIFY_SOCKET %s: %s", self.socket_path, exc)
                self.socket_path = None
                return False
            finally:
                if saved is None:
                    del os.environ["NOTIFY_SOCKET"]
                else:
                    os.environ["NOTIFY_SOCKET"] = saved
        try:
            self._sender.notify("\n".join(assignments))
        except OSError as exc:
            log.debug("sd_notify %r failed: %s", assignments, exc)
            return False
        return True

    def _with_status(self, state: str, status: str | None) -> bool:
        if status is None:
            return self.notify(state)
        return self.notify(state, "STATUS=" + sanitize(status))

    def ready(self, status: str | None = None) -> bool:
        """READY=1: start-up (or a reload) is complete."""
        return self._with_status("READY=1", status)

    def status(self, text: str) -> bool:
        """STATUS=: free-form text shown by ``systemctl status``."""
        return self.notify("STATUS=" + sanitize(text))

    def reloading(self, status: str | None = None) -> bool:
        """RELOADING=1: a reload started; finish it with ``ready()``."""
        return self._with_status("RELOADING=1", status)

    def stopping(self, status: str | None = None) -> bool:
        """STOPPING=1: shutdown started (systemd shows the unit deactivating)."""
        return self._with_status("STOPPING=1", status)

    def watchdog(self) -> bool:
        """WATCHDOG=1: keep-alive ping; call every ``watchdog_interval()``."""
        return self.notify("WATCHDOG=1")

    def mainpid(self, pid: int) -> bool:
        """MAINPID=: tell systemd another process is now the main process."""
        return self.notify(f"MAINPID={int(pid)}")

    def watchdog_interval(self) -> float | None:
        """Seconds between pings (half of WATCHDOG_USEC), or None if not ours."""
        if self._watchdog_pid is not None:
            try:
                if int(self._watchdog_pid) != os.getpid():
                    return None
            except ValueError:
                return None
        try:
            usec = int(self._watchdog_usec or 0)
        except ValueError:
            return None
        return usec / 2e6 if usec > 0 else None
