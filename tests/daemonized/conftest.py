"""Fixtures for the kernel daemon tests: real ``llmspell kernel start --daemon`` runs.

While a test module runs, pytest is a child subreaper (PR_SET_CHILD_SUBREAPER): a
daemon whose start-up parent has exited is re-parented to pytest, so a test can
``waitpid`` it for its exit status. Every test gets its own LLMSPELL_HOME (runtime,
state and log directories inside it); teardown SIGKILLs every process still running
with that home in its environment and reaps what it can.
"""

from __future__ import annotations

import pytest
from daemonized_kit import Daemons, child_subreaper, kill_and_reap


@pytest.fixture(autouse=True, scope="module")
def subreaper():
    with child_subreaper():
        yield


@pytest.fixture
def daemons(tmp_path, tmp_path_factory):
    d = Daemons(tmp_path, tmp_path_factory.getbasetemp() / "xdg-cache")
    yield d
    d.close_clients()
    kill_and_reap(d.leftovers(), d.started)
    d.reap_zombies()
