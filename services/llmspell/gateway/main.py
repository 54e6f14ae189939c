"""llmspell-gateway: the Jupyter channels of one kernel instance.

Usage:
  llmspell-gateway [options] --port=PORT
  llmspell-gateway reload PID
  llmspell-gateway (-h | --help)

Commands:
  reload PID                For ExecReload=: tell systemd a reload starts (RELOADING=1),
                            then send SIGUSR1 to the gateway PID; the gateway sends READY=1
                            when done, so `systemctl reload` waits for it (needs
                            NotifyAccess=exec; see llmspell.systemd.reload).

Options:
  --port=PORT               Base port P: shell=P, iopub=P+1, stdin=P+2, control=P+3, hb=P+4.
  --ip=IP                   Address to bind (default: kernel.ip, 127.0.0.1).
  --connection-file=FILE    Where to write the connection file (default: the runtime
                            directory, kernel-P.json).
  --external-kernel         Do not start the kernel: systemd runs llmspell-kernel@P,
                            which connects to this gateway's link.
  -c FILE, --config=FILE    Configuration file.
  --log-level=LEVEL         debug, info, warning or error (default: from config).
  -h, --help                Show this help.

The HMAC key is kept in the state directory (P.key, 0600) so that clients keep
working across gateway restarts; the connection file is rewritten at each start.

Signals: SIGINT interrupts the running code, SIGTERM stops, SIGUSR1 re-reads the
configuration (logging.level) and forwards the reload to a child kernel.
Under systemd (llmspell@.service): socket activation by fd name (shell, iopub, stdin,
control, hb), sd_notify READY/STATUS/RELOADING/STOPPING/WATCHDOG, journald logging.
"""

from __future__ import annotations

import sys

from docopt import DocoptExit, docopt


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``llmspell-gateway``."""
    try:
        args = docopt(__doc__, argv=sys.argv[1:] if argv is None else argv)
    except DocoptExit as exc:
        sys.stderr.write(f"{str(exc).strip()}\n")
        return 2
    if args["reload"]:
        from ..systemd.reload import main as reload

        return reload([args["PID"], "USR1"])
    from .service import GatewayError, run_gateway

    try:
        return run_gateway(args)
    except GatewayError as exc:
        sys.stderr.write(f"llmspell-gateway: error: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
