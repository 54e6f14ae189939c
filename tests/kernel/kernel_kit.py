"""Helpers shared by the kernel conformance tests (fixtures live in conftest.py):
paths of the real executables, a standalone kernel process, and client helpers.
A uniquely named module, so that importing it never picks another suite's conftest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
KERNEL_EXE = str(BIN / "llmspell-kernel")
CLI_EXE = str(BIN / "llmspell")
KERNEL_NAME = "llmspell-lua"
START_TIMEOUT = 20.0


def kernel_env(home: Path | None = None) -> dict[str, str]:
    """The environment for a kernel process: this one, LLMSPELL_* cleaned, an own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMSPELL_")}
    env["LLMSPELL_HOME"] = str(home) if home else os.environ["LLMSPELL_HOME"]
    env["PYTHONUNBUFFERED"] = "1"
    return env


def stop_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; always reaped."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class StandaloneKernel:
    """A running ``llmspell-kernel --port 0 --connection-file F`` child process."""

    def __init__(self, tmp_path: Path, *extra: str, argv: list[str] | None = None,
                 connection_file: Path | None = None):
        self.dir = tmp_path
        self.connection_file = connection_file or tmp_path / "kernel.json"
        self.log_path = tmp_path / "kernel.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while the kernel runs
        cmd = argv or [KERNEL_EXE, "--port=0", f"--connection-file={self.connection_file}",
                       *extra]
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=kernel_env(tmp_path / "home"),
                                     cwd=tmp_path)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.connection_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"kernel did not start: {self.log()}")
            time.sleep(0.02)
        self.info = json.loads(self.connection_file.read_text())

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def client(self):
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient(connection_file=str(self.connection_file))
        kc.load_connection_file()
        kc.start_channels()
        kc.wait_for_ready(timeout=START_TIMEOUT)
        return kc

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()
