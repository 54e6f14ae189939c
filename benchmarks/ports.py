"""Loopback ports for the benchmarks that start kernels on a base port."""

from __future__ import annotations

import socket


def free_base_port() -> int:
    """A base port P with P..P+4 free on loopback (for executables that need one)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        socks = []
        try:
            for port in range(base, base + 5):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no five free consecutive ports")
