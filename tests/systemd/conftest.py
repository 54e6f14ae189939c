"""Fixtures for tests that boot systemd as PID 1 in a namespace (see harness.py)."""

import pytest
from harness import BootedSystemd, require_root


@pytest.fixture(scope="module")
def systemd_ns():
    """One booted systemd per test module (skips without root)."""
    require_root()
    with BootedSystemd() as sd:
        yield sd


@pytest.fixture(scope="module")
def sd():
    """A booted systemd with the llmspell units installed (see llmspell_kit)."""
    from llmspell_kit import booted_llmspell

    with booted_llmspell() as booted:
        yield booted
