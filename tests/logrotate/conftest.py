"""Fixtures for llmspell-logrotate tests (helpers live in logrotate_helpers.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from logrotate_helpers import InjectedClock, Rotator, clean_env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def start(home: Path):
    """Start rotators: ``start(args, **env)``; any still running is killed afterwards."""
    running: list[Rotator] = []

    def _start(args: list[str], stdin=subprocess.PIPE, **env: str) -> Rotator:
        rotator = Rotator(args, clean_env(home, **env), stdin)
        running.append(rotator)
        return rotator

    yield _start
    for rotator in running:
        if rotator.proc.poll() is None:
            rotator.proc.kill()
            rotator.proc.wait()


@pytest.fixture
def clock(tmp_path: Path) -> InjectedClock:
    return InjectedClock(tmp_path / "clock")

@pytest.fixture
def tmpfs(tmp_path: Path):
    """``mount(size, ro=False)``: a fresh tmpfs, unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(size: str, ro: bool = False) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        options = f"size={size},mode=0755" + (",ro" if ro else "")
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], check=True)
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)
