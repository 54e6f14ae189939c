"""Helpers for the gateway tests (fixtures live in conftest.py): the REAL
``llmspell-gateway`` executable supervising its own ``llmspell-kernel --link`` child,
free loopback ports, /proc scans for kernel processes, and Jupyter client helpers.
A uniquely named module, so that importing it never picks another suite's kit."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process_kit import wait_for

BIN = Path(sys.executable).parent
GATEWAY_EXE = str(BIN / "llmspell-gateway")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
# Variables that would make the gateway use shared directories, socket activation or
# sd_notify: a test instance must see none of them.
_DROPPED = ("XDG_RUNTIME_DIR", "STATE_DIRECTORY", "LOGS_DIRECTORY", "RUNTIME_DIRECTORY",
            "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC",
            "WATCHDOG_PID", "JPY_PARENT_PID")


def gateway_env(home: Path) -> dict[str, str]:
    """This process's environment without LLMSPELL_*/systemd variables, with ``home``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LLMSPELL_") and k not in _DROPPED}
    env["LLMSPELL_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def short_home() -> Path:
    """A fresh LLMSPELL_HOME with a short path: the kernel link is an ipc socket inside
    it (run/gateway-P/kernel.link), and socket paths are limited to 107 bytes."""
    return Path(tempfile.mkdtemp(prefix="lsgw-", dir="/tmp"))


def kernel_pids(endpoint_path: str) -> list[int]:
    """Live ``llmspell.kernel.main --link`` processes whose link is ``endpoint_path``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"llmspell.kernel.main" in argv and b"--link" in argv
                and any(a.endswith(endpoint_path.encode()) for a in argv)):
            pids.append(int(entry.name))
    return pids


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class GatewayProcess:
    """A running ``llmspell-gateway --port=P --connection-file=F`` (own kernel child).

    It runs in a session of its own, so that teardown can kill the gateway and its
    kernel child together (by process group) even if the gateway was SIGKILLed."""

    def __init__(self, home: Path, port: int, *extra: str, connection_file: Path | None = None,
                 log_name: str = "gateway.log"):
        self.home, self.port = home, port
        self.connection_file = connection_file or home / f"conn-{port}.json"
        self.runtime = home / "run" / f"gateway-{port}"
        self.endpoint_path = str(self.runtime / "kernel.link")
        self.log_path = home / log_name
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while it runs
        self.argv = [GATEWAY_EXE, f"--port={port}", f"--connection-file={self.connection_file}",
                     *extra]
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=gateway_env(home), cwd=home,
                                     start_new_session=True)
        self.pid = self.proc.pid
        self.info: dict = {}

    def wait_started(self, timeout: float = START_TIMEOUT) -> dict:
        """Wait for the connection file (complete, with a key); returns its content."""
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"gateway exited with {self.proc.returncode}: {self.log()}")
            try:
                info = json.loads(self.connection_file.read_text())
            except (OSError, ValueError):
                return None
            return info if info.get("key") else None

        self.info = wait_for(ready, f"the connection file; log: {self.log()}", timeout)
        return self.info

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kernel_pids(self) -> list[int]:
        return kernel_pids(self.endpoint_path)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"gateway still running after {timeout} s: {self.log()}") from None

    def stop(self) -> None:
        """TERM, KILL after a grace period, then KILL whatever is left in its group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # a kernel child left behind, if any
        self._log.close()


def remove_home(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)


def new_client(connection_file: Path, timeout: float = START_TIMEOUT):
    """A started BlockingKernelClient on ``connection_file``, ready (kernel_info answered)."""
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_file(str(connection_file))
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
    except BaseException:
        kc.stop_channels()
        raise
    return kc


def shell_reply(kc, msg_id: str, timeout: float = 10.0) -> dict:
    """The shell reply to ``msg_id`` (other replies are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def control_reply(kc, msg_id: str, timeout: float = 10.0) -> dict:
    """The control reply to ``msg_id`` (other replies are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.control_channel.get_msg(timeout=max(0.01, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def result_text(iopub: list[dict]) -> list[str]:
    """The text/plain of every execute_result among ``iopub``."""
    return [m["content"]["data"]["text/plain"] for m in iopub
            if m["msg_type"] == "execute_result"]


def kernel_info(kc, timeout: float = 10.0) -> dict:
    """The content of a fresh kernel_info_reply."""
    return shell_reply(kc, kc.kernel_info(), timeout)["content"]


def drain_iopub(kc) -> list[dict]:
    """Every iopub message already received (none waited for)."""
    got = []
    while True:
        try:
            got.append(kc.get_iopub_msg(timeout=0.01))
        except queue.Empty:
            return got
