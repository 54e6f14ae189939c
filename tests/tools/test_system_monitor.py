"""system-monitor reads /proc of this very machine; values are cross-checked with the OS."""

from __future__ import annotations

import os
import shutil

import pytest
from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()
CTX = ToolContext()


def monitor(**params) -> dict:
    return REGISTRY.invoke("system-monitor", params, CTX)


def test_all_sections_by_default():
    report = monitor(interval=0.02)
    assert set(report) == {"cpu", "memory", "swap", "uptime", "disk", "processes"}


def test_cpu():
    cpu = monitor(sections=["cpu"], interval=0.05)["cpu"]
    assert cpu["count"] == os.cpu_count()
    assert cpu["available"] == len(os.sched_getaffinity(0))
    assert set(cpu["load"]) == {"1m", "5m", "15m"}
    assert list(cpu["load"].values()) == pytest.approx(list(os.getloadavg()), abs=0.5)
    assert 0.0 <= cpu["usage_percent"] <= 100.0


def test_memory_and_swap_agree_with_sysconf():
    report = monitor(sections=["memory", "swap"])
    memory = report["memory"]
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert memory["total"] == pytest.approx(physical, rel=0.01)
    assert 0 < memory["available"] <= memory["total"]
    assert memory["used"] == memory["total"] - memory["available"]
    assert 0.0 <= memory["used_percent"] <= 100.0
    swap = report["swap"]
    assert swap["used"] == swap["total"] - swap["free"]


def test_disk_matches_shutil(tmp_path):
    disks = monitor(sections=["disk"], paths=["/", str(tmp_path)])["disk"]
    assert [d["path"] for d in disks] == ["/", str(tmp_path)]
    expected = shutil.disk_usage(tmp_path)
    assert disks[1]["total"] == expected.total and disks[1]["used"] == expected.used


def test_uptime_and_processes():
    report = monitor(sections=["uptime", "processes"])
    with open("/proc/uptime") as handle:
        assert report["uptime"] == pytest.approx(float(handle.read().split()[0]), abs=5)
    processes = report["processes"]
    assert processes["self_pid"] == os.getpid()
    assert processes["count"] >= 1 and processes["self_rss"] > 1024 * 1024


def test_errors():
    with pytest.raises(ToolError) as info:
        monitor(sections=["disk"], paths=["/no/such/mount/point"])
    assert info.value.error_type == "not_found"
    for params in ({"sections": ["gpu"]}, {"sections": []}, {"interval": 5},
                   {"paths": [f"/{i}" for i in range(17)]}):
        with pytest.raises(ToolError) as info:
            monitor(**params)
        assert info.value.error_type == "validation_error", params
