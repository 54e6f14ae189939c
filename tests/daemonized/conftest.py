"""Fixtures for the kernel daemon tests: real ``llmspell kernel start --daemon`` runs.

While a test module runs, pytest is a child subreaper (PR_SET_CHILD_SUBREAPER): a
daemon whose start-up parent has exited is re-parented to pytest, so a test can
``waitpid`` it for its exit status. Every test gets its own LLMSPELL_HOME (runtime,
state and log directories inside it); teardown SIGKILLs every process still running
with that home in its environment and reaps what it can.
"""

from __future__ import annotations

import ctypes
import os
import signal

import pytest
from daemonized_kit import Daemons, reap

PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


@pytest.fixture(autouse=True, scope="module")
def subreaper():
    _set_subreaper(True)
    yield
    _set_subreaper(False)


@pytest.fixture
def daemons(tmp_path, tmp_path_factory):
    d = Daemons(tmp_path, tmp_path_factory.getbasetemp() / "xdg-cache")
    yield d
    d.close_clients()
    leftovers = d.leftovers()
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in {*leftovers, *d.started}:
        try:
            reap(pid, timeout=5.0)
        except TimeoutError:
            pass
    d.reap_zombies()
