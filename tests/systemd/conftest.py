"""Fixtures for tests that boot systemd as PID 1 in a namespace (see harness.py)."""

import pytest
from harness import BootedSystemd, require_root


@pytest.fixture(scope="module")
def systemd_ns():
    """One booted systemd per test module (skips without root)."""
    require_root()
    with BootedSystemd() as sd:
        yield sd
