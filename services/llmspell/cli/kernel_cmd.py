"""``llmspell kernel start``: run a standalone kernel in the foreground.

The same code as ``llmspell-kernel`` (``llmspell.kernel.main``), run in this process:
``--port P`` serves P..P+4 and writes a connection file (``--connection-file F``
says where); ``--connection-file F`` alone, with F an existing file, serves the
ports and key written in F (as a Jupyter kernelspec starts kernels).
Ctrl-C interrupts running code; SIGTERM or a shutdown_request stops the kernel.
With ``--daemon`` it detaches instead (see ``llmspell.kernel.daemon_mode``); the
``kernel status|list|stop|connect`` commands are in ``kernel_admin``.
"""

from __future__ import annotations

import os

from .output import CliError


def kernel_argv(args: dict) -> list[str]:
    """The ``llmspell-kernel`` command line for ``llmspell kernel start`` arguments."""
    argv: list[str] = []
    if args.get("--config"):
        argv += ["--config", args["--config"]]
    for flag in ("--id", "--pid-file", "--log-dir"):  # daemon options
        if args.get(flag):
            argv.append(f"{flag}={args[flag]}")
    if args.get("--daemon"):
        argv.append("--daemon")
    conn = args.get("--connection-file")
    if args.get("--port") is None:
        if not conn:
            raise CliError("give --port=PORT or --connection-file=FILE", 2)
        if not os.path.exists(conn):
            raise CliError(f"{conn}: no such connection file (give --port to write one)", 2)
        return [*argv, "-f", conn]
    argv += [f"--port={args['--port']}", *([f"--ip={args['--ip']}"] if args.get('--ip') else [])]
    if conn:
        argv.append(f"--connection-file={conn}")
    return argv


def run(args: dict) -> int:
    from ..kernel import main as kernel_main

    return kernel_main.main(kernel_argv(args))
