"""Readiness, health and status of a gateway's instance, for the service manager.

The gateway asks its kernel ``kernel_info`` over the link's control side with the
reserved routing id ``PROBE_ID``; the relay hands the reply to ``Health.answered``
instead of a client (and drops the busy/idle the kernel publishes for it, see
``Relay.probe_id``). The control side answers while Lua runs, so a long execution is
healthy; a stopped or deadlocked kernel is not. A probe sent while no kernel is
connected waits in the relay and goes out when the kernel says hello.

- READY=1 after the first reply: ``systemctl start`` returns once the instance serves.
- One probe per watchdog interval (half of ``WatchdogSec=``; DEFAULT_INTERVAL
  without a watchdog). WATCHDOG=1 only while the last reply is at most two
  intervals old: a hung kernel stops the pings and systemd restarts the instance.
- STATUS= (ASCII): channels, kernel pid, executions, clients, or what is wrong.
"""

from __future__ import annotations

import logging
import time

from ..systemd import Notifier, lifecycle
from ..wire.errors import WireError
from ..wire.message import decode_json, encode_json, new_header

log = logging.getLogger("llmspell.gateway")
PROBE_ID = b"llmspell-gateway-probe"
DEFAULT_INTERVAL = 5.0  # seconds between probes when systemd set no watchdog
UNHEALTHY_AFTER = 2     # intervals without a reply


class Health:
    """Probes the kernel behind ``relay`` and reports to ``notifier``; call ``tick()``
    from the main loop (it does nothing until something is due)."""

    def __init__(self, relay, notifier: Notifier, where: str):
        self.relay, self.notifier, self.where = relay, notifier, where
        self.watchdog = notifier.watchdog_interval()
        self.interval = self.watchdog or DEFAULT_INTERVAL
        self.ready = False
        self.facts: dict = {}  # the ``llmspell`` object of the last kernel_info reply
        self.last_reply = self.last_probe = self.last_ping = float("-inf")
        self._healthy = True
        self._status = ""
        relay.probe_id, relay.on_probe = PROBE_ID, self.answered

    def probe(self) -> None:
        """Send one kernel_info_request to the kernel's control side."""
        self.relay.probe_kernel(encode_json(new_header("kernel_info_request",
                                                       PROBE_ID.decode())))
        self.last_probe = time.monotonic()

    def answered(self, parts: list[bytes]) -> None:
        """A reply to a probe arrived (called by the relay)."""
        try:
            self.facts = decode_json(parts[3], "content").get("llmspell") or {}
        except WireError as exc:
            log.warning("bad kernel_info reply to the health probe: %s", exc)
            return
        self.last_reply = time.monotonic()
        if not self.ready:
            self.ready = True
            self._status = self.status_text()
            lifecycle("ready", "instance ready: %s", self._status)
            self.notifier.ready(self._status)
        log.debug("kernel answered the health probe: %s", self.facts)

    def healthy(self, now: float | None = None) -> bool:
        """The kernel answered within the last UNHEALTHY_AFTER intervals."""
        now = time.monotonic() if now is None else now
        return now - self.last_reply <= UNHEALTHY_AFTER * self.interval

    def tick(self) -> None:
        """Probe, feed the watchdog and update STATUS= when due."""
        now = time.monotonic()
        if now - self.last_probe >= self.interval:
            self.probe()
        healthy = not self.ready or self.healthy(now)
        if healthy != self._healthy:
            self._healthy = healthy
            if healthy:
                log.info("kernel answers again")
            else:
                log.error("kernel has not answered for %.1f s: watchdog pings stopped",
                          now - self.last_reply)
        if self.watchdog and healthy and now - self.last_ping >= self.watchdog:
            self.notifier.watchdog()
            self.last_ping = now
        if self.ready and (text := self.status_text(now)) != self._status:
            self._status = text
            self.notifier.status(text)

    def status_text(self, now: float | None = None) -> str:
        """One line for ``systemctl status``."""
        if not self.ready:
            return f"starting: waiting for the kernel ({self.where})"
        pid = self.facts.get("pid", "?")
        if not self.healthy(now):
            now = time.monotonic() if now is None else now
            return (f"kernel pid {pid} not answering for {now - self.last_reply:.0f} s; "
                    f"serving 5 channels on {self.where}")
        return (f"serving 5 channels on {self.where}, kernel pid {pid}, "
                f"{self.facts.get('execution_count', '?')} executions, "
                f"{self.relay.subscribers} clients")
