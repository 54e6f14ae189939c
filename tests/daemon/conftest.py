"""Fixtures for the daemon tests: real daemons, made our children by PR_SET_CHILD_SUBREAPER.

While a test module runs, pytest is a child subreaper: a daemon whose start-up parent
has exited is re-parented to pytest rather than to PID 1, so tests can ``waitpid`` it
and read its exit status. Teardown kills whatever a test left behind (found by its
run directory in the command line, or by the PIDs the daemons logged) and reaps it.
"""

import pytest
from daemonkit import Run, child_subreaper, kill_and_reap


@pytest.fixture(autouse=True, scope="module")
def subreaper():
    with child_subreaper():
        yield


@pytest.fixture
def run(tmp_path):
    r = Run(tmp_path)
    yield r
    kill_and_reap(r.leftovers(), r.logged_pids())
