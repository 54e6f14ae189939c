"""Helpers for the kernel daemon tests: a private home, the real CLI, real clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
from daemonkit import alive, child_subreaper, kill_and_reap, reap, stat_fields
from process_kit import free_base_port, wait_for

BIN = Path(sys.executable).parent
CLI = str(BIN / "llmspell")
__all__ = ["Daemons", "alive", "child_subreaper", "kill_and_reap", "reap", "stat_fields"]


class Daemons:
    """The daemons of one test: a private LLMSPELL_HOME, the CLI, clients, clean-up."""

    def __init__(self, tmp: Path, cache: Path):
        self.tmp = tmp
        self.home = tmp / "home"
        self.home.mkdir()
        self.run_dir = self.home / "run"
        self.state_dir = self.home / "state"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("LLMSPELL_", "JPY_")) and k not in (
                        "XDG_RUNTIME_DIR", "STATE_DIRECTORY", "LOGS_DIRECTORY",
                        "RUNTIME_DIRECTORY")}
        self.env.update(LLMSPELL_HOME=str(self.home), XDG_CACHE_HOME=str(cache),
                        PYTHONUNBUFFERED="1")
        self.started: set[int] = set()
        self._clients: list = []

    # the CLI -------------------------------------------------------------------
    def cli(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return subprocess.run([CLI, *args], env=self.env, cwd=self.tmp, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def start(self, port: int, *args: str) -> subprocess.CompletedProcess:
        proc = self.cli("kernel", "start", "--daemon", f"--port={port}", *args)
        if proc.returncode == 0:
            self.started.add(int(self.info(proc)["pid"]))
        return proc

    def start_ok(self, port: int | None = None, *args: str) -> dict:
        """Start a daemon that must come up; the facts it printed (pid as int)."""
        port = port or free_base_port()
        proc = self.start(port, *args)
        assert proc.returncode == 0, proc.stderr
        info = self.info(proc)
        info["pid"] = int(info["pid"])
        info["port"] = port
        return info

    @staticmethod
    def info(proc: subprocess.CompletedProcess) -> dict:
        return dict(line.split(": ", 1) for line in proc.stdout.splitlines())

    def json(self, *args: str) -> list | dict:
        proc = self.cli(*args, "--format=json")
        assert proc.returncode in (0, 1), proc.stderr
        return json.loads(proc.stdout)

    # files -----------------------------------------------------------------------
    def log_path(self, port: int) -> Path:
        return self.home / "logs" / f"kernel-{port}" / f"kernel-{port}.log"

    def log(self, port: int) -> str:
        path = self.log_path(port)
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_log(self, port: int, text: str, timeout: float = 10.0, count: int = 1) -> str:
        return wait_for(lambda: self.log(port).count(text) >= count and self.log(port),
                        f"{text!r} x{count} in the log of kernel {port}", timeout)

    def runtime_files(self, port: int) -> dict[str, Path]:
        return {kind: self.run_dir / f"kernel-{port}{suffix}" for kind, suffix in
                (("pid", ".pid"), ("connection", ".json"), ("record", ".instance.json"))}

    # processes -----------------------------------------------------------------
    def leftovers(self) -> list[int]:
        """Live processes with this home in their environment (daemons, log sinks)."""
        marker = f"LLMSPELL_HOME={self.home}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                environ = Path(f"/proc/{entry}/environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0") and alive(int(entry)):
                found.append(int(entry))
        return found

    def kernels(self) -> list[int]:
        """Live kernel daemons of this home (not their log sinks)."""
        return [pid for pid in self.leftovers()
                if b"llmspell.logrotate" not in Path(f"/proc/{pid}/cmdline").read_bytes()]

    @staticmethod
    def reap_zombies() -> None:
        """Reap dead children (daemons and sinks re-parented to us)."""
        for entry in os.listdir("/proc"):
            try:
                fields = stat_fields(int(entry)) if entry.isdigit() else None
            except OSError:
                continue
            if fields and fields[0] == "Z" and int(fields[1]) == os.getpid():
                try:
                    os.waitpid(int(entry), os.WNOHANG)
                except ChildProcessError:
                    pass

    # clients ---------------------------------------------------------------------
    def client(self, connection_file: str | Path):
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient(connection_file=str(connection_file))
        kc.load_connection_file()
        kc.start_channels()
        self._clients.append(kc)
        kc.wait_for_ready(timeout=10)
        return kc

    def close_clients(self) -> None:
        for kc in self._clients:
            kc.stop_channels()


def execute(kc, code: str, timeout: float = 10.0) -> dict:
    """Run ``code``; its execute_reply content."""
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def _wait_for_message(kc, msg_id: str, match, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {what} for request {msg_id}")
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") == msg_id and match(msg):
            return


def wait_output(kc, msg_id: str, text: str, timeout: float = 10.0) -> None:
    """Wait until request ``msg_id`` printed ``text`` (so its Lua code is running)."""
    _wait_for_message(kc, msg_id, lambda m: m["msg_type"] == "stream"
                      and text in m["content"]["text"], f"output {text!r}", timeout)


def wait_idle(kc, msg_id: str, timeout: float = 10.0) -> None:
    """Wait for the idle status that ends request ``msg_id``."""
    _wait_for_message(kc, msg_id, lambda m: m["msg_type"] == "status"
                      and m["content"]["execution_state"] == "idle", "idle status", timeout)


def wait_iopub(kc, msg_type: str, timeout: float = 10.0) -> dict:
    """The next iopub message of ``msg_type`` (earlier ones of other types are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["msg_type"] == msg_type:
            return msg
