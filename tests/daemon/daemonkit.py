"""Helpers for the daemon tests: /proc readers, bounded waits, a run directory."""

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

PROG = Path(__file__).with_name("daemon_prog.py")


PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


@contextlib.contextmanager
def child_subreaper():
    """Inside, daemons whose start-up parent exited are re-parented to this process
    (not PID 1), so a test can ``waitpid`` them for their exit status."""
    _set_subreaper(True)
    try:
        yield
    finally:
        _set_subreaper(False)


def kill_and_reap(victims, also_reap=()) -> None:
    """SIGKILL ``victims``, then reap them and ``also_reap`` (bounded; never raises)."""
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in {*victims, *also_reap}:
        with contextlib.suppress(TimeoutError):
            reap(pid, timeout=5.0)


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat fields after the command name: [0] is state, [1] ppid, ..."""
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Exists and is not a zombie."""
    try:
        return stat_fields(pid)[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def reap(pid: int, timeout: float = 5.0) -> int | None:
    """Wait (bounded) for ``pid`` to exit; its exit code (-N: killed by signal N), or None
    if it is gone without our seeing it. Raises TimeoutError if it is still running."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            if not os.path.exists(f"/proc/{pid}"):
                return None  # not our child and gone
        if time.monotonic() >= deadline:
            raise TimeoutError(f"PID {pid} still running after {timeout} s")
        time.sleep(0.005)


class Run:
    """One run directory and the daemons started in it."""

    def __init__(self, path: Path):
        self.path = path
        self.name = "testd"

    @property
    def log(self) -> Path:
        return self.path / f"{self.name}.log"

    @property
    def pidfile(self) -> Path:
        return self.path / f"{self.name}.pid"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, str(PROG), str(self.path), *args]

    def start(self, *args: str, timeout: float = 30.0, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(*args), capture_output=True, text=True,
                              timeout=timeout, check=False, **kw)

    def start_ok(self, *args: str, **kw) -> int:
        """Start a daemon that must come up; its PID."""
        proc = self.start(*args, **kw)
        assert proc.returncode == 0, proc.stderr
        info = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
        return int(info["pid"])

    def events(self) -> list[list[str]]:
        text = self.log.read_text() if self.log.exists() else ""
        return [line.split()[1:] for line in text.splitlines() if line.startswith("EVENT ")]

    def wait_event(self, what: str, detail: str | None = None, count: int = 1,
                   timeout: float = 5.0) -> list[str]:
        """The ``count``-th event ``what`` (with ``detail``), waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events()
                     if e[0] == what and (detail is None or e[2:3] == [detail])]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no event {what} {detail or ''} x{count} in:\n"
                                   f"{self.log.read_text() if self.log.exists() else ''}")
            time.sleep(0.005)

    def wait_log(self, text: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not (self.log.exists() and text in self.log.read_text()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{text!r} not logged")
            time.sleep(0.005)

    def leftovers(self) -> list[int]:
        """Live processes whose command line names this run directory."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                try:
                    cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                if str(self.path).encode() in cmdline and alive(int(entry)):
                    found.append(int(entry))
        return found

    def logged_pids(self) -> list[int]:
        text = "\n".join(p.read_text(errors="replace") for p in self.path.glob("*.log*")
                         if p.is_file() and not p.name.endswith(".gz"))
        return [int(pid) for pid in re.findall(r"EVENT detached \S+ (\d+)", text)]
