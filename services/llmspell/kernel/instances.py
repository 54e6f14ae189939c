"""Finding this user's standalone kernel daemons from their runtime files.

A daemon on base port P leaves three files while it runs: its PID file (flocked for
its whole life, default ``RUNTIME/kernel-P.pid``), its connection file (default
``RUNTIME/kernel-P.json``) and an instance record ``RUNTIME/kernel-P.instance.json``
naming both (written when it is ready, removed on clean exit). Whether it runs is
decided by the lock, never by a PID alone: the lock's holder is read from
``/proc/locks``, so checking takes no lock and cannot disturb a daemon starting up.
A record whose PID file nobody holds is stale (a crash, SIGKILL): ``instances()``
removes it with the files it names. Stdlib only (the CLI imports it).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from ..fileutil import atomic_write, ensure_private_dir

RECORD_SUFFIX = ".instance.json"


def record_path(runtime_dir: Path, port: int) -> Path:
    return Path(runtime_dir) / f"kernel-{port}{RECORD_SUFFIX}"


def write_record(path: Path, data: dict) -> None:
    ensure_private_dir(path.parent)
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")


def lock_holder(path: str | os.PathLike) -> int | None:
    """PID of the process holding a flock on ``path`` (None: not locked, or no file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    with open("/proc/locks") as fh:
        for line in fh:
            fields = line.split()
            # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; waiters carry "->"
            if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
                return int(fields[4])
    return None


@dataclass
class Instance:
    """One running daemon, as its record and its PID file's lock describe it."""

    id: str
    port: int
    pid: int
    ip: str
    connection_file: Path
    pid_file: Path
    log: str
    record: Path

    @classmethod
    def from_record(cls, record: Path, pid: int) -> Instance:
        data = json.loads(record.read_text())
        return cls(id=str(data["id"]), port=int(data["port"]), pid=pid, ip=data["ip"],
                   connection_file=Path(data["connection_file"]),
                   pid_file=Path(data["pid_file"]), log=data["log"], record=record)

    def summary(self) -> dict:
        return {"id": self.id, "port": self.port, "pid": self.pid, "ip": self.ip,
                "connection_file": str(self.connection_file), "pid_file": str(self.pid_file),
                "log": self.log}


def instances(runtime_dir: Path) -> list[Instance]:
    """The running daemons, by port; stale records are cleaned up on the way."""
    found = []
    for record in sorted(Path(runtime_dir).glob(f"kernel-*{RECORD_SUFFIX}")):
        try:
            pid_file = Path(json.loads(record.read_text())["pid_file"])
        except FileNotFoundError:
            continue  # its daemon just exited
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)  # not ours to understand: a broken leftover
            continue
        pid = lock_holder(pid_file)
        if pid is None:
            _clean_stale(record)
            continue
        try:
            found.append(Instance.from_record(record, pid))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # rewritten under us by a daemon on the same port: next time
    return sorted(found, key=lambda i: i.port)


def _clean_stale(record: Path) -> None:
    """Remove a dead daemon's files, holding its PID file lock meanwhile so that a
    daemon starting on the same port cannot lose its fresh files to us."""
    try:
        data = json.loads(record.read_text())
        pid_file = Path(data["pid_file"])
        fd = os.open(pid_file, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        record.unlink(missing_ok=True)
        return
    except (OSError, ValueError, KeyError, TypeError):
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return  # a new daemon took it over meanwhile
        raise
    try:
        for path in (record, Path(data["connection_file"]), pid_file):
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def find(runtime_dir: Path, name: str | None) -> list[Instance]:
    """The instances ``name`` (an id, a port or a connection file) selects; all when None."""
    running = instances(runtime_dir)
    if name is None:
        return running
    by_file = os.path.abspath(name)
    return [i for i in running
            if name in (i.id, str(i.port)) or by_file == str(i.connection_file)]


def stop(pids: list[int], timeout: float) -> list[int]:
    """SIGTERM each PID, wait up to ``timeout`` s for all; SIGKILL and return those left."""
    fds = {}
    for pid in pids:
        try:
            fds[pid] = os.pidfd_open(pid)
            signal.pidfd_send_signal(fds[pid], signal.SIGTERM)
        except ProcessLookupError:
            fds.pop(pid, None)
    deadline = time.monotonic() + timeout
    killed = []
    try:
        for pid, fd in fds.items():
            if select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                continue
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                continue  # it exited just now
            select.select([fd], [], [], 5.0)
            killed.append(pid)
    finally:
        for fd in fds.values():
            os.close(fd)
    return killed
