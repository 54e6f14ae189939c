"""Helpers for tests that start real processes: free loopback ports and polling
(importable from any test: tests/ is on sys.path)."""

from __future__ import annotations

import contextlib
import socket
import time

_handed_out: set[int] = set()


def free_base_port() -> int:
    """A base port P with P..P+4 all free on 127.0.0.1, not handed out before here."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000 or _handed_out & set(range(base - 4, base + 5)):
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(base, base + 5):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        _handed_out.add(base)
        return base
    raise RuntimeError("no five consecutive free ports on 127.0.0.1")


def wait_for(predicate, what: str, timeout: float = 30.0, step: float = 0.01):
    """Poll ``predicate`` until it returns something true (returned); fail after
    ``timeout`` seconds naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)
    return value
