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
import subprocess
import tempfile
from pathlib import Path

import pytest
from kernel_kit import CLI_EXE, KERNEL_NAME, StandaloneKernel


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
