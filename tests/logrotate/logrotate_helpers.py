"""Helpers for llmspell-logrotate tests: every test runs the real executable."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path

ROTATOR = [sys.executable, "-m", "llmspell.logrotate"]
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z, start of the injected clock


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without LLMSPELL_* or systemd directory settings, with an empty
    llmspell home."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LLMSPELL_") and not k.endswith("_DIRECTORY")}
    env["LLMSPELL_HOME"] = str(home)
    env.update(extra)
    return env


class Rotator:
    """A running rotator: a pipe on its stdin, its stderr collected by a thread."""

    def __init__(self, args: list[str], env: dict[str, str], stdin=subprocess.PIPE):
        self.proc = subprocess.Popen(ROTATOR + args, stdin=stdin, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env)
        self._err = bytearray()
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        for chunk in iter(lambda: self.proc.stderr.read1(65536), b""):
            self._err += chunk

    @property
    def stderr(self) -> str:
        return self._err.decode(errors="replace")

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 60.0) -> int:
        """Wait for exit; return the status (stderr fully collected)."""
        status = self.proc.wait(timeout)
        self._reader.join(timeout)
        return status

    def finish(self, timeout: float = 60.0) -> int:
        """Close stdin (end of input) and wait for exit."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        return self.wait(timeout)




def run(args: list[str], home: Path, data: bytes = b"", **env: str) -> subprocess.CompletedProcess:
    """Run the rotator to completion on ``data``."""
    return subprocess.run(ROTATOR + args, check=False, input=data, capture_output=True,
                          env=clean_env(home, **env), timeout=120)


class InjectedClock:
    """The test-only injected clock (LLMSPELL_LOGROTATE_TEST_CLOCK), moved by hand."""

    def __init__(self, path: Path, now: float = T0):
        self.path = path
        self.set(now)

    def set(self, now: float) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(repr(now))
        os.replace(tmp, self.path)

    @property
    def env(self) -> dict[str, str]:
        return {"LLMSPELL_LOGROTATE_TEST_CLOCK": str(self.path)}




def log_files(directory: Path, name: str = "llmspell") -> list[Path]:
    """Rotated files (oldest first), then the current file, ignoring temporaries."""
    rotated = sorted(p for p in directory.glob(f"{name}.*.log*") if not p.name.endswith(".tmp"))
    current = directory / f"{name}.log"
    return rotated + ([current] if current.exists() else [])


def content(path: Path) -> bytes:
    """A log file's bytes, decompressed if gzipped."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def all_content(directory: Path, name: str = "llmspell") -> bytes:
    """Everything the rotator wrote, in order."""
    return b"".join(content(p) for p in log_files(directory, name))


def current_text(directory: Path, name: str = "llmspell") -> str:
    path = directory / f"{name}.log"
    return path.read_text() if path.exists() else ""
