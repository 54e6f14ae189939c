"""Small readers of Linux /proc files (no psutil). Each returns plain numbers."""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")


def cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies summed over all CPUs, from /proc/stat."""
    fields = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest times are already counted in user/nice
    return idle, total


def cpu_percent(interval: float) -> float:
    """Busy share of all CPUs over ``interval`` seconds, in percent."""
    idle_a, total_a = cpu_times()
    time.sleep(interval)
    idle_b, total_b = cpu_times()
    elapsed = total_b - total_a
    if elapsed <= 0:
        return 0.0
    return round(100.0 * (1 - (idle_b - idle_a) / elapsed), 1)


def load_average() -> dict:
    """1, 5 and 15 minute load averages from /proc/loadavg."""
    one, five, fifteen = (float(v) for v in (PROC / "loadavg").read_text().split()[:3])
    return {"1m": one, "5m": five, "15m": fifteen}


def meminfo() -> dict[str, int]:
    """/proc/meminfo as bytes, keyed by its field names."""
    info = {}
    for line in (PROC / "meminfo").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            info[name] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return info


def memory() -> dict:
    """RAM totals in bytes and the used percentage (total minus available)."""
    info = meminfo()
    total = info.get("MemTotal", 0)
    available = info.get("MemAvailable", info.get("MemFree", 0))
    return {"total": total, "available": available, "used": total - available,
            "used_percent": round(100.0 * (total - available) / total, 1) if total else 0.0}


def swap() -> dict:
    """Swap totals in bytes and the used percentage."""
    info = meminfo()
    total, free = info.get("SwapTotal", 0), info.get("SwapFree", 0)
    return {"total": total, "free": free, "used": total - free,
            "used_percent": round(100.0 * (total - free) / total, 1) if total else 0.0}


def uptime() -> float:
    """Seconds since boot, from /proc/uptime."""
    return float((PROC / "uptime").read_text().split()[0])


def process_count() -> int:
    """Number of processes visible in /proc."""
    return sum(1 for name in os.listdir(PROC) if name.isdigit())


def self_rss() -> int:
    """Resident set size of this process in bytes (VmRSS)."""
    for line in (PROC / "self" / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def disk_usage(path: str) -> dict:
    """Size, used and free bytes of the file system holding ``path`` (statvfs)."""
    stats = os.statvfs(path)
    total = stats.f_blocks * stats.f_frsize
    free = stats.f_bavail * stats.f_frsize
    used = total - stats.f_bfree * stats.f_frsize
    usable = used + free
    return {"path": path, "total": total, "used": used, "free": free,
            "used_percent": round(100.0 * used / usable, 1) if usable else 0.0}
