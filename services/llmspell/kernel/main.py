"""llmspell-kernel: the execution kernel.

Usage:
  llmspell-kernel [options] --port=PORT [--ip=IP] [--connection-file=FILE]
  llmspell-kernel [options] -f FILE
  llmspell-kernel [options] --link=ENDPOINT
  llmspell-kernel (-h | --help)

Modes:
  --port=PORT               Standalone: serve the five Jupyter channels on PORT..PORT+4
                            (0 = let the OS choose) and write a connection file.
  -f FILE                   Standalone with an existing connection file (as Jupyter
                            kernelspecs start kernels).
  --link=ENDPOINT           Behind llmspell-gateway: serve its internal link.

Options:
  --ip=IP                   Address to bind (default: kernel.ip, 127.0.0.1).
  --connection-file=FILE    Where to write the connection file (default: the runtime
                            directory, kernel-PORT.json).
  --id=ID                   Instance id, naming the state file (default: the port).
  -c FILE, --config=FILE    Configuration file.
  --log-level=LEVEL         debug, info, warning or error (default: from config).
  --daemon                  With --port: detach and run in the background; exits 0 once
                            the kernel answers kernel_info (see llmspell.kernel.daemon_mode).
  --pid-file=FILE           Daemon PID file (default: the runtime directory, kernel-PORT.pid).
  --log-dir=DIR             Daemon logs go to DIR/kernel-PORT/ (default: logging.log_dir,
                            else paths.log_dir).
  -h, --help                Show this help.

Signals: SIGINT interrupts the running code; SIGTERM shuts down (a second one at once).
As a daemon also: SIGUSR1 reloads the configuration, SIGUSR2 writes a state dump into
the runtime directory, SIGHUP is ignored.
"""

from __future__ import annotations

import sys

from docopt import DocoptExit, docopt


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``llmspell-kernel``."""
    try:
        args = docopt(__doc__, argv=sys.argv[1:] if argv is None else argv)
    except DocoptExit as exc:
        sys.stderr.write(f"{str(exc).strip()}\n")
        return 2
    if args["--daemon"]:
        from .daemon_mode import run  # forks before zmq, gevent or lupa are imported

        return run(args)
    from .service import ServiceError, run_service

    try:
        return run_service(args)
    except ServiceError as exc:
        sys.stderr.write(f"llmspell-kernel: error: {exc}\n")
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
