"""SIGUSR2 state dumps: one JSON file per dump, written atomically, mode 0600.

``write_state_dump(runtime_dir, info)`` writes ``state-dump-<pid>-<UTC time>.json``
holding the caller's ``info`` plus process facts read from ``/proc`` (these win on a
clash of keys): pid, ppid, uptime, RSS, peak RSS, threads, open fds. Only the newest
``keep`` dumps of this PID are kept, so a signal loop cannot fill the runtime dir.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

PREFIX = "state-dump"


def _status_fields(proc: str) -> dict[str, str]:
    fields = {}
    with open(f"/proc/{proc}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def _kib(value: str | None) -> int | None:
    return int(value.split()[0]) * 1024 if value else None


def _uptime(proc: str) -> float:
    """Seconds since the process started (from /proc, not from our own bookkeeping)."""
    with open(f"/proc/{proc}/stat") as fh:
        after_comm = fh.read().rsplit(")", 1)[1].split()
    start_ticks = int(after_comm[19])  # field 22, starttime, in clock ticks since boot
    with open("/proc/uptime") as fh:
        since_boot = float(fh.read().split()[0])
    return round(since_boot - start_ticks / os.sysconf("SC_CLK_TCK"), 2)


def process_facts(pid: int | None = None) -> dict:
    """pid, ppid, uptime_s, rss_bytes, peak_rss_bytes, threads, open_fds, time of this
    process or of ``pid`` (OSError if it is gone or not ours to read)."""
    proc = "self" if pid is None else str(int(pid))
    status = _status_fields(proc)
    return {
        "pid": int(status["Pid"]),
        "ppid": int(status["PPid"]),
        "uptime_s": _uptime(proc),
        "rss_bytes": _kib(status.get("VmRSS")),
        "peak_rss_bytes": _kib(status.get("VmHWM")),
        "threads": int(status.get("Threads", 0)),
        "open_fds": len(os.listdir(f"/proc/{proc}/fd")),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_state_dump(runtime_dir: str | os.PathLike, info: dict, *, keep: int = 5) -> Path:
    """Write one dump into ``runtime_dir`` (created 0700 if missing); return its path."""
    from ..fileutil import atomic_write  # tempfile: paid on the first dump, not at import

    directory = Path(runtime_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + f".{now % 10**9:09d}Z"
    path = directory / f"{PREFIX}-{os.getpid()}-{stamp}.json"
    document = {**info, **process_facts()}
    atomic_write(path, json.dumps(document, indent=2, sort_keys=True, default=str).encode() + b"\n")
    mine = sorted(directory.glob(f"{PREFIX}-{os.getpid()}-*.json"))
    for old in mine[:-keep] if keep > 0 else ():
        old.unlink(missing_ok=True)
    return path
