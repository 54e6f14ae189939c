"""ExecReload= helper that makes ``systemctl reload`` wait for the reload (systemd 252).

    ExecReload=/usr/bin/python3 -m llmspell.systemd.reload $MAINPID
    NotifyAccess=exec

With a bare ``ExecReload=kill -USR1 $MAINPID``, systemd 252 ends the reload job
as soon as ``kill`` exits, unless the service's RELOADING=1 happens to arrive
first (a race).  This helper sends RELOADING=1 itself, as the ExecReload control
process, *before* signalling the main process, so systemd stays "reloading"
until the service sends READY=1 (``Notifier.ready()``).  Needs
``NotifyAccess=exec`` (or ``all``).  systemd >= 253 has ``Type=notify-reload``.
"""

from __future__ import annotations

import os
import signal
import sys

from llmspell.systemd.notify import Notifier


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m llmspell.systemd.reload MAINPID [SIGNAL]", file=sys.stderr)
        return 2
    pid = int(args[0])
    name = args[1].upper() if len(args) == 2 else "SIGUSR1"
    sig = signal.Signals[name if name.startswith("SIG") else "SIG" + name]
    Notifier().reloading("reload requested")
    os.kill(pid, sig)
    return 0


if __name__ == "__main__":
    sys.exit(main())
