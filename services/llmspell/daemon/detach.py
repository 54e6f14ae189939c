"""Become a daemon: double fork, new session, logs into a sink, readiness pipe.

``detach()`` is called early in ``main`` (before zmq, gevent or lupa are imported,
before any thread starts). The calling process never returns from it: it waits on
the readiness pipe (bounded), prints the daemon's info or its one-line error, and
``os._exit``s 0 or 1. ``detach()`` returns in the daemon, the grandchild:

    readiness = detach(log_dir=logs, log_name=f"kernel-{port}")
    pidfile = PidFile(run_dir / f"kernel-{port}.pid")
    try:
        pidfile.acquire()
    except AlreadyRunning as exc:
        readiness.fail(str(exc))               # parent: "already running with PID N"
    ... import zmq, bind, check that kernel_info is answered ...
    readiness.ready({"pid": os.getpid(), "ports": ..., "connection_file": ...})

Daemon set-up: ``setsid``, second fork (never a session leader, so it cannot gain a
controlling terminal), ``chdir("/")``, ``umask(0o027)``, inherited fds >= 3 closed
(except ``keep_fds``), stdin from /dev/null, stdout and stderr into the sink: by
default a pipe into ``llmspell-logrotate --dir LOG_DIR --name NAME``.

Pipe protocol, one line each: ``started PID``, ``sink PID``, then ``ready JSON`` or
``fail MESSAGE``. The parent knows every PID it may have to wait for or stop: on a
failure, a time-out or Ctrl-C it leaves nothing running.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, Protocol

READY_TIMEOUT = 30.0  # seconds the parent waits for ready/fail
EXIT_WAIT = 5.0       # seconds the parent waits for a failed daemon (and its sink) to go


class Sink(Protocol):
    """Where the daemon's stdout and stderr go."""

    where: str                    # shown to the user ("see LOG")
    pid: int | None               # a helper process the sink started, if any

    def open(self) -> int: ...    # a writable fd (called in the daemon)
    def check(self) -> str | None: ...  # why the sink is unusable, or None


class FileSink:
    """Append to one file, created 0640 (tests, or when no rotation is wanted)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.where = str(self.path)
        self.pid = None

    def open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)

    def check(self) -> str | None:
        return None


class LogrotateSink:
    """A pipe into a ``llmspell-logrotate`` child, in its own session so that signals
    meant for the daemon's process group leave it running until it reads EOF."""

    def __init__(self, log_dir: str | os.PathLike, name: str, argv: list[str] | None = None):
        self.argv = argv or [sys.executable, "-m", "llmspell.logrotate",
                             "--dir", str(log_dir), "--name", name]
        self.where = str(Path(log_dir) / f"{name}.log")
        self.pid = None
        self._proc = None

    def open(self) -> int:
        import subprocess  # only the daemon pays for it

        rfd, wfd = os.pipe2(os.O_CLOEXEC)
        try:
            self._proc = subprocess.Popen(self.argv, stdin=rfd, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, cwd="/",
                                          start_new_session=True)
        except OSError:
            os.close(wfd)
            raise
        finally:
            os.close(rfd)
        self.pid = self._proc.pid
        return wfd

    def check(self) -> str | None:
        status = self._proc.poll() if self._proc else None
        return None if status is None else f"log sink {self.argv[0]} exited with status {status}"


class Readiness:
    """The daemon's end of the readiness pipe: call ``ready`` or ``fail`` once."""

    def __init__(self, fd: int, sink: Sink):
        self._fd = fd
        self.sink = sink
        self.pid = os.getpid()

    def ready(self, info: dict) -> None:
        """Tell the parent we serve; it prints ``info`` and exits 0."""
        problem = self.sink.check()
        if problem:
            self.fail(problem)
        self._send("ready " + json.dumps(info, default=str))
        self._close()

    def fail(self, message: str) -> NoReturn:
        """Tell the parent why we cannot start (it prints one line, exits 1); exit 1."""
        line = " ".join(str(message).split()) or "start-up failed"
        try:
            print(f"start-up failed: {line}", file=sys.stderr, flush=True)
            sys.stdout.flush()
        except OSError:
            pass
        self._send("fail " + line)
        os._exit(1)

    def _send(self, line: str) -> None:
        if self._fd < 0:
            raise RuntimeError("readiness already reported")
        data = (line + "\n").encode()
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except BrokenPipeError:
            pass  # the parent is gone: nobody to tell

    def _close(self) -> None:
        os.close(self._fd)
        self._fd = -1


def detach(*, log_dir: str | os.PathLike, log_name: str, logrotate_argv: list[str] | None = None,
           sink: Sink | None = None, keep_fds: tuple[int, ...] = (),
           timeout: float = READY_TIMEOUT,
           render: Callable[[dict], str] | None = None) -> Readiness:
    """Daemonize; return the :class:`Readiness` in the daemon (the caller exits)."""
    if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
        raise RuntimeError("detach() must run before any thread is started")
    sink = sink or LogrotateSink(log_dir, log_name, logrotate_argv)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    for fd in (0, 1, 2):  # a closed standard fd must not become our pipe
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    child = os.fork()
    if child:
        os.close(wfd)
        _parent(rfd, child, timeout, sink.where, render or _render)
    os.close(rfd)
    readiness = Readiness(wfd, sink)
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        readiness.pid = os.getpid()
        readiness._send(f"started {readiness.pid}")
        os.chdir("/")
        os.umask(0o027)
        _close_fds(keep=(wfd, *keep_fds))
        _redirect(sink)
        if sink.pid:
            readiness._send(f"sink {sink.pid}")
    except Exception as exc:  # noqa: BLE001 - any set-up error goes to the parent
        readiness.fail(f"daemon set-up failed: {type(exc).__name__}: {exc}")
    return readiness


def _close_fds(keep: tuple[int, ...]) -> None:
    low = 3
    for fd in sorted(k for k in set(keep) if k >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _redirect(sink: Sink) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    out = sink.open()
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    for name, fd in (("stdout", 1), ("stderr", 2)):  # a log line appears when written
        stream = getattr(sys, name)
        if stream is None:  # the caller was started with this fd closed
            setattr(sys, name, open(fd, "w", buffering=1, closefd=False))  # noqa: SIM115
        else:
            stream.reconfigure(line_buffering=True)


def _render(info: dict) -> str:
    return "\n".join(f"{key}: {value}" for key, value in info.items())


def _parent(rfd: int, child: int, timeout: float, where: str,
            render: Callable[[dict], str]) -> NoReturn:
    """Wait for the daemon's verdict; print it; exit. Leaves nothing behind on failure."""
    try:
        os.waitpid(child, 0)  # the session leader forks and exits at once
    except ChildProcessError:
        pass  # SIGCHLD ignored by the caller: already reaped
    pids: list[int] = []
    buffer = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                _stop(pids, wait=0)
                _exit_with(f"daemon not ready after {timeout:g} s; stopped it; see {where}")
            if not select.select([rfd], [], [], left)[0]:
                continue
            chunk = os.read(rfd, 4096)
            if not chunk:
                _stop(pids, wait=EXIT_WAIT)
                _exit_with(f"daemon exited during start-up; see {where}")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                kind, _, rest = line.decode(errors="replace").partition(" ")
                if kind in ("started", "sink"):
                    pids.append(int(rest))
                elif kind == "ready":
                    _exit_with(render(json.loads(rest)), status=0)
                elif kind == "fail":
                    _stop(pids, wait=EXIT_WAIT)
                    _exit_with(rest)
    except KeyboardInterrupt:
        _stop(pids, wait=0)
        _exit_with("start-up interrupted; stopped the daemon", status=130)


def _exit_with(text: str, status: int = 1) -> NoReturn:
    stream = sys.stdout if status == 0 else sys.stderr
    try:
        print(text, file=stream, flush=True)
    finally:
        os._exit(status)


def _stop(pids: list[int], wait: float) -> None:
    """Give ``pids`` ``wait`` seconds to exit by themselves, then SIGKILL survivors."""
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    for fd in fds:
        remaining = max(0.0, deadline - time.monotonic())
        if not select.select([fd], [], [], remaining)[0]:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
            select.select([fd], [], [], 1.0)
        os.close(fd)
