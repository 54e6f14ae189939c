"""system-monitor: CPU, memory, swap, uptime, disks and processes, read from /proc."""

from __future__ import annotations

import os

from ..base import Example, ToolContext, ToolError, tool
from . import procfs

SECTIONS = ("cpu", "memory", "swap", "uptime", "disk", "processes")

SCHEMA = {
    "properties": {
        "sections": {"type": "array", "items": {"type": "string", "enum": list(SECTIONS)},
                     "uniqueItems": True, "minItems": 1, "default": list(SECTIONS)},
        "paths": {"type": "array", "items": {"type": "string", "minLength": 1},
                  "minItems": 1, "maxItems": 16, "default": ["/"],
                  "description": "disk: mount points or paths to report (read-only statvfs)"},
        "interval": {"type": "number", "minimum": 0.01, "maximum": 2, "default": 0.1,
                     "description": "cpu: seconds to sample usage over"},
    },
    "required": [],
    "additionalProperties": False,
}


@tool("system-monitor", category="system", security_level="safe", schema=SCHEMA,
      description="Report CPU count, load and usage, memory, swap, uptime, disk usage and "
                  "process counts of this machine (Linux /proc).",
      examples=[
          Example({"sections": ["memory", "uptime"]}, "Memory and uptime"),
          Example({"sections": ["cpu"], "interval": 0.05}, "CPU count, load and usage"),
          Example({"sections": ["disk"], "paths": ["/"]}, "Usage of the root file system"),
      ])
def system_monitor(params: dict, ctx: ToolContext) -> dict:
    """Collect the requested sections."""
    if not procfs.PROC.joinpath("stat").exists():
        raise ToolError("execution_error", "/proc is not available; system-monitor needs Linux")
    wanted = params["sections"]
    report: dict = {}
    if "cpu" in wanted:
        interval = min(params["interval"], ctx.settings.timeout)
        report["cpu"] = {"count": os.cpu_count(), "available": len(os.sched_getaffinity(0)),
                         "load": procfs.load_average(),
                         "usage_percent": procfs.cpu_percent(interval)}
    if "memory" in wanted:
        report["memory"] = procfs.memory()
    if "swap" in wanted:
        report["swap"] = procfs.swap()
    if "uptime" in wanted:
        report["uptime"] = round(procfs.uptime(), 2)
    if "disk" in wanted:
        report["disk"] = [_disk(p) for p in params["paths"]]
    if "processes" in wanted:
        report["processes"] = {"count": procfs.process_count(), "self_pid": os.getpid(),
                               "self_rss": procfs.self_rss()}
    return report


def _disk(path: str) -> dict:
    try:
        return procfs.disk_usage(path)
    except FileNotFoundError:
        raise ToolError("not_found", f"no such path for disk usage: '{path}'") from None
    except OSError as exc:
        raise ToolError("execution_error", f"cannot read disk usage of '{path}': "
                                           f"{exc.strerror}") from None
