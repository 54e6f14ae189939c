"""``llmspell-kernel --daemon --port P``: the standalone kernel as a Unix daemon.

In the calling process, before anything of zmq, gevent or lupa is imported: check
the arguments and the configuration, resolve every path (the daemon runs in
``/``) and check that the log directory is writable; then ``daemon.detach``
(double fork, umask 027, stdin from /dev/null, stdout and stderr into
``llmspell-logrotate``). The caller waits and exits 0 once the daemon answers
kernel_info on its ports, or 1 with the daemon's error in one line.

In the daemon the PID file is taken first, from the log sink's ``open``: a start
that loses the race says "already running with PID N" and never starts a log
rotator that would fight the winner's for the directory. Then it serves like the
foreground kernel (``service.run_service``), driven by ``DaemonControl``.

Files, with RUNTIME = paths.runtime_dir and LOGS = --log-dir, logging.log_dir or
paths.log_dir: RUNTIME/kernel-P.pid, RUNTIME/kernel-P.json (the connection file),
RUNTIME/kernel-P.instance.json (see ``instances``), LOGS/kernel-P/kernel-P.log
(one directory per instance: a rotator locks its directory).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import config as config_mod
from ..daemon.detach import LogrotateSink, detach
from ..daemon.pidfile import AlreadyRunning, PidFile
from ..wire.connection import MAX_BASE_PORT, parse_base_port


class StartError(Exception):
    """Refused before forking: one line, an exit status."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class Plan:
    """Everything the daemon needs, resolved in the caller."""

    port: int
    instance_id: str
    config: str | None        # the --config file, absolute
    runtime_dir: Path
    pid_file: Path
    connection_file: Path
    log_dir: Path

    @property
    def name(self) -> str:
        return f"kernel-{self.port}"


class PidFileFirstSink(LogrotateSink):
    """A logrotate sink that first takes the PID file (it opens in the daemon)."""

    def __init__(self, plan: Plan, pidfile: PidFile):
        argv = [sys.executable, "-m", "llmspell.logrotate", "--dir", str(plan.log_dir),
                "--name", plan.name, *(["--config", plan.config] if plan.config else [])]
        super().__init__(plan.log_dir, plan.name, argv)
        self.port = plan.port
        self.pidfile = pidfile
        self.problem: str | None = None

    def open(self) -> int:
        try:
            self.pidfile.acquire()
        except AlreadyRunning as exc:
            self.problem = f"kernel {self.port} is {exc}"
        except OSError as exc:
            self.problem = f"cannot take the PID file {self.pidfile.path}: {exc.strerror}"
        if self.problem:
            return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
        return super().open()


def _port(text: str | None) -> int:
    port = parse_base_port(text)
    if port is None:
        raise StartError(f"--daemon needs --port=PORT with PORT in 1..{MAX_BASE_PORT}, "
                         f"not {text!r}")
    return port


def make_plan(args: dict) -> Plan:
    """Check ``args`` and the configuration; resolve the paths. StartError if bad."""
    if args.get("-f") or args.get("--link"):
        raise StartError("--daemon runs a standalone kernel: give --port, not -f or --link")
    port = _port(args.get("--port"))
    explicit = os.path.abspath(args["--config"]) if args.get("--config") else None
    try:
        cfg = config_mod.load(explicit)
    except config_mod.ConfigError as exc:
        raise StartError(f"configuration: {exc}") from None
    runtime = cfg.path("runtime_dir").absolute()
    logs = args.get("--log-dir") or cfg.get("logging.log_dir") or cfg.path("log_dir")
    plan = Plan(port=port, instance_id=args.get("--id") or str(port), config=explicit,
                runtime_dir=runtime,
                pid_file=Path(os.path.abspath(args.get("--pid-file")
                                              or runtime / f"kernel-{port}.pid")),
                connection_file=Path(os.path.abspath(args.get("--connection-file")
                                                     or runtime / f"kernel-{port}.json")),
                log_dir=Path(os.path.abspath(os.path.expanduser(str(logs)))) / f"kernel-{port}")
    try:
        plan.log_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=plan.log_dir):
            pass
    except OSError as exc:
        raise StartError(f"cannot write to log directory {plan.log_dir}: "
                         f"{exc.strerror or exc}", 1) from None
    return plan


def run(args: dict) -> int:
    """Entry point for ``--daemon``: returns only on a refusal (the caller's status)."""
    try:
        plan = make_plan(args)
    except StartError as exc:
        sys.stderr.write(f"llmspell-kernel: error: {exc}\n")
        return exc.code
    pidfile = PidFile(plan.pid_file)
    sink = PidFileFirstSink(plan, pidfile)
    readiness = detach(log_dir=plan.log_dir, log_name=plan.name, sink=sink)
    if sink.problem:
        readiness.fail(sink.problem)
    _serve(plan, {**args, "--config": plan.config, "--id": plan.instance_id,
                  "--connection-file": str(plan.connection_file)}, readiness, pidfile)


def _serve(plan: Plan, args: dict, readiness, pidfile: PidFile) -> None:
    """In the daemon: serve until shut down; never returns."""
    try:
        from .daemon_control import DaemonControl
        from .service import ServiceError, run_service

        control = DaemonControl(plan, readiness, pidfile)
    except Exception as exc:  # noqa: BLE001 - e.g. a broken install: tell the caller
        pidfile.release()
        readiness.fail(f"{type(exc).__name__}: {exc}")
    try:
        status = run_service(args, daemon=control)
    except ServiceError as exc:
        control.fail(str(exc))
    except Exception as exc:
        import logging

        logging.getLogger("llmspell.kernel").exception("kernel failed")
        control.fail(f"{type(exc).__name__}: {exc}")
    control.finish(status)
