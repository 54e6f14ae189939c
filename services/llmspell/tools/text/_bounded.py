"""Run one untrusted-shaped computation with a wall-clock and memory limit.

Python's ``re`` engine, a Jinja template loop or a JSON Schema ``pattern`` can
run for hours on a few hundred bytes of input, and a thread cannot stop them
(``re`` holds the GIL inside C). So the work runs in a forked child: the child
inherits the already-compiled pattern or template (no pickling of inputs, no
interpreter start-up, about 2 ms), sends its result back over a pipe, and is
killed with SIGKILL when the deadline passes. The child also gets an address
space limit, so ``'x' * 10**10`` fails there with MemoryError instead of
swapping the kernel.

Where ``fork`` does not exist the function simply runs in-process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import selectors
import signal
import time
from collections.abc import Callable
from typing import Any

from ..base import ToolError

DEFAULT_MEMORY = 512 * 1024 * 1024  # bytes the child may add to the parent's address space


def _address_space() -> int | None:
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child(fn: Callable[[], Any], out: int, memory: int | None, label: str) -> None:
    try:
        current = _address_space() if memory else None
        if current is not None:
            limit = current + memory
            with contextlib.suppress(ValueError, OSError):  # e.g. a lower hard limit: keep it
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            message = ("ok", fn())
        except ToolError as exc:
            message = ("error", exc.error_type, exc.message)
        except MemoryError:
            message = ("error", "execution_error", f"{label}: ran out of memory")
        except RecursionError:
            message = ("error", "execution_error", f"{label}: nested too deeply")
        except Exception as exc:  # noqa: BLE001 - reported to the caller, as the registry does
            message = ("error", "execution_error", f"{label}: {type(exc).__name__}: {exc}")
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result
            data = pickle.dumps(("error", "execution_error", f"{label}: unsendable result: {exc}"))
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
    finally:
        os._exit(0)


def run_bounded(fn: Callable[[], Any], *, timeout: float, label: str,
                memory: int | None = DEFAULT_MEMORY) -> Any:
    """``fn()`` computed in a child process within ``timeout`` seconds.

    A :class:`ToolError` raised by ``fn`` is raised here unchanged; exceeding the
    deadline raises ``timeout``; any other failure is an ``execution_error``.
    ``fn`` must return picklable data.
    """
    if not hasattr(os, "fork"):
        return fn()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        os.close(read_end)
        _child(fn, write_end, memory, label)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    finished = False
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_end, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    break
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        if not finished:
            _kill(pid)
        status = _reap(pid)
    if not finished:
        raise ToolError("timeout", f"{label}: gave up after {timeout:g} s")
    if not chunks:
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.waitstatus_to_exitcode(status)}")
        raise ToolError("execution_error", f"{label}: worker ended without a result ({how})")
    message = pickle.loads(b"".join(chunks))
    if message[0] == "ok":
        return message[1]
    raise ToolError(message[1], message[2])


def _reap(pid: int) -> int:
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:  # someone else's SIGCHLD handler reaped it
        return 0


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
