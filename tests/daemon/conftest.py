"""Fixtures for the daemon tests: real daemons, made our children by PR_SET_CHILD_SUBREAPER.

While a test module runs, pytest is a child subreaper: a daemon whose start-up parent
has exited is re-parented to pytest rather than to PID 1, so tests can ``waitpid`` it
and read its exit status. Teardown kills whatever a test left behind (found by its
run directory in the command line, or by the PIDs the daemons logged) and reaps it.
"""

import ctypes
import os
import signal

import pytest
from daemonkit import Run, reap

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
def run(tmp_path):
    r = Run(tmp_path)
    yield r
    victims = r.leftovers()
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in set(victims) | set(r.logged_pids()):
        try:
            reap(pid, timeout=5.0)
        except TimeoutError:
            pass
