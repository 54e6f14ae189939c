"""Type=notify test service driven by llmspell.systemd.

argv: PORT.  READY after 0.5 s; SIGUSR1 reloads (RELOADING=1 ... READY=1, 1 s);
SIGUSR2 stops watchdog pings; SIGTERM/SIGHUP send STOPPING=1 and exit after 0.7 s.
"""

import logging
import signal
import sys
import time

from llmspell.systemd import Notifier, lifecycle, setup_logging

SIGNALS = {signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2}


def main() -> int:
    port = int(sys.argv[1])
    notifier = Notifier()
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    setup_logging("llmspell-test", fields={"KERNEL_PORT": port, "KERNEL_ID": f"test-{port}"})
    log = logging.getLogger("llmspell.test")
    lifecycle("started", "test service starting on port %d", port)
    log.warning("warming up for 0.5 s")
    interval = notifier.watchdog_interval()
    pinging = interval is not None

    def pause(seconds: float) -> None:  # sleep, still pinging the watchdog
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, interval or left))
            if pinging:
                notifier.watchdog()

    pause(0.5)
    notifier.ready(f"serving port {port}, watchdog {interval}")
    lifecycle("ready", "test service ready on port %d", port)
    reloads = 0
    while True:
        info = signal.sigtimedwait(SIGNALS, interval or 3600)
        if info is None:
            if pinging:
                notifier.watchdog()
        elif info.si_signo == signal.SIGUSR1:
            notifier.reloading("reloading ✓")  # non-ASCII must not drop the message
            lifecycle("reload", "reloading")
            pause(1.0)
            reloads += 1
            notifier.ready(f"reloaded {reloads}")
        elif info.si_signo == signal.SIGUSR2:
            pinging = False
            notifier.status("watchdog pings stopped")
        else:
            notifier.stopping(f"stopping ({signal.Signals(info.si_signo).name})")
            lifecycle("shutdown", "stopping on %s", signal.Signals(info.si_signo).name)
            pause(0.7)
            return 0


if __name__ == "__main__":
    sys.exit(main())
