"""``jupyter console`` (a real terminal client) inside tmux: type Lua, see results,
complete a global with Tab. One private tmux server per test (its own socket), killed
at teardown."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kernel_kit import KERNEL_NAME, kernel_env

CONSOLE = str(Path(sys.executable).parent / "jupyter-console")
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, tmp_path: Path, command: list[str], env: dict[str, str]):
        self.socket = str(tmp_path / "tmux.sock")
        self.env = env
        self._tmux("new-session", "-d", "-s", "t", "-x", "150", "-y", "50",
                   " ".join(command))

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                              text=True, timeout=10, env=self.env, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t", "-S", "-200")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, pattern: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if re.search(pattern, screen, re.MULTILINE):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not on screen:\n{screen}")
            time.sleep(0.05)

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True,
                       timeout=10, env=self.env, check=False)


@pytest.fixture
def tmux(tmp_path):
    started = []

    def start(command: list[str], env: dict[str, str]) -> Tmux:
        session = Tmux(tmp_path, command, env)
        started.append(session)
        return session

    yield start
    for session in started:
        session.kill()


def test_console_existing_kernel(kernel, tmux, tmp_path):
    term = tmux([CONSOLE, "--existing", str(kernel.connection_file)], kernel_env(tmp_path))
    term.wait_for(r"llmspell .* Lua 5\.4")
    term.wait_for(r"^In \[1\]:\s*$")
    term.keys("zebra_count = 6 * 7", "Enter")
    term.wait_for(r"^In \[2\]:\s*$")
    term.keys("zebra_count + 1", "Enter")
    term.wait_for(r"^Out\[2\]: 43$")
    term.keys("zebra_c", "Tab")
    term.wait_for(r"^In \[3\]: zebra_count$")
    term.keys("Enter")
    term.wait_for(r"^Out\[3\]: 42$")
    term.keys('print("from " .. "print")', "Enter")
    term.wait_for(r"^from print$")
    assert kernel.proc.poll() is None


def _kernel_processes(runtime_dir: str) -> list[int]:
    """PIDs of llmspell kernels whose connection file is in ``runtime_dir``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"llmspell.kernel.main" in cmdline and any(
                arg.startswith(runtime_dir.encode()) for arg in cmdline):
            found.append(int(pid))
    return found


def _wait_gone(runtime: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while _kernel_processes(str(runtime)):
        assert time.monotonic() < deadline, "the kernel outlived jupyter console"
        time.sleep(0.05)


@pytest.fixture
def runtime(tmp_path):
    """A Jupyter runtime dir for consoles that start kernels; leftovers are killed."""
    path = tmp_path / "runtime"
    path.mkdir()
    yield path
    for pid in _kernel_processes(str(path)):
        os.kill(pid, signal.SIGKILL)


def _console_with_kernel(tmux, runtime: Path, tmp_path: Path) -> Tmux:
    env = kernel_env(tmp_path / "home")
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    term = tmux([CONSOLE, "--kernel", KERNEL_NAME, "--no-confirm-exit"], env)
    term.wait_for(r"^In \[1\]:\s*$")
    assert len(_kernel_processes(str(runtime))) == 1
    return term


def test_console_starts_kernel_from_kernelspec(tmux, runtime, tmp_path):
    term = _console_with_kernel(tmux, runtime, tmp_path)
    term.keys("2^8", "Enter")
    term.wait_for(r"^Out\[1\]: 256\.0$")
    term.keys("C-d")
    _wait_gone(runtime)
    assert not list(runtime.glob("kernel-*.json"))


def test_kernel_exits_when_its_console_is_killed(tmux, runtime, tmp_path):
    term = _console_with_kernel(tmux, runtime, tmp_path)
    [console] = [int(p) for p in term._tmux("list-panes", "-F", "#{pane_pid}").split()]
    os.kill(console, signal.SIGKILL)  # no clean-up by the console: the kernel is orphaned
    _wait_gone(runtime, timeout=10.0)
