"""Fixtures for the kernel conformance tests: the REAL ``llmspell-kernel`` executable
driven by real Jupyter clients (jupyter_client, jupyter_kernel_test, nbclient,
jupyter console) over loopback sockets.

For the whole session the ``llmspell-lua`` kernelspec is installed by the real
``llmspell kernelspec install --prefix`` into a temporary prefix, found through
``JUPYTER_PATH``; Jupyter's data/runtime/config dirs and ``LLMSPELL_HOME`` point
into temporary directories, so nothing reads or writes the developer's home.
Every fixture kills (and reaps) the processes it started.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
KERNEL_EXE = str(BIN / "llmspell-kernel")
CLI_EXE = str(BIN / "llmspell")
KERNEL_NAME = "llmspell-lua"
START_TIMEOUT = 20.0


def _session_env(root: Path) -> dict[str, str]:
    return {
        "JUPYTER_PATH": str(root / "prefix" / "share" / "jupyter"),
        "JUPYTER_DATA_DIR": str(root / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter-runtime"),
        "JUPYTER_CONFIG_DIR": str(root / "jupyter-config"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(root / "ipython"),
        "LLMSPELL_HOME": str(root / "llmspell-home"),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="session", autouse=True)
def jupyter_env():
    """Install the kernelspec with the real CLI into a temp prefix; isolate Jupyter dirs."""
    root = Path(tempfile.mkdtemp(prefix="llmspell-kernel-tests-"))
    env = _session_env(root)
    for name in ("jupyter-data", "jupyter-runtime", "jupyter-config", "llmspell-home"):
        (root / name).mkdir()
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        done = subprocess.run([CLI_EXE, "kernelspec", "install", f"--prefix={root / 'prefix'}"],
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        spec = root / "prefix" / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"
        assert json.loads(spec.read_text())["language"] == "lua"
        yield root
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(root, ignore_errors=True)


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


@pytest.fixture
def standalone(tmp_path):
    """``standalone(*extra_args)`` -> StandaloneKernel; all are stopped at teardown."""
    started: list[StandaloneKernel] = []

    def start(*extra: str, argv: list[str] | None = None,
              connection_file: Path | None = None) -> StandaloneKernel:
        sub = tmp_path / f"k{len(started)}"
        sub.mkdir()
        kernel = StandaloneKernel(sub, *extra, argv=argv, connection_file=connection_file)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        kernel.stop()


@pytest.fixture
def kernel(standalone):
    return standalone()


@pytest.fixture
def client(kernel):
    kc = kernel.client()
    yield kc
    kc.stop_channels()


def run_cell(kc, code: str, timeout: float = 10.0, **kwargs) -> tuple[dict, list[dict]]:
    """Execute ``code``; (reply, the iopub messages of that request up to idle)."""
    msg_id = kc.execute(code, **kwargs)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply, iopub_until_idle(kc, msg_id, timeout)


def iopub_until_idle(kc, msg_id: str, timeout: float = 10.0) -> list[dict]:
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
