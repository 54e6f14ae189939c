"""Asynchronous interrupts of running Lua code, at no cost while none is pending.

Lua's ``lua_sethook`` may be called from another thread or a signal handler (Lua's
own ``lua.c`` does so on Ctrl-C). We arm a count hook (every instruction) on the
main thread and on every live coroutine only when an interrupt is requested; the
hook raises a Lua error, and keeps raising at each instruction until the chunk has
returned to Python, so ``pcall`` loops and coroutines cannot swallow it.

The hook function is the one ``debug.sethook`` installs (``hookf`` in ldblib.c),
read back once with ``lua_gethook``: it calls the Lua function registered for each
thread, which ``sandbox.lua`` sets to one that raises ``"interrupted"``. Symbols are
taken from lupa's own extension module, so they act on the very Lua it runs.
"""

from __future__ import annotations

import ctypes
import threading

LUA_MASKCOUNT = 1 << 3


def _lua_library() -> ctypes.CDLL:
    import lupa.lua54

    lib = ctypes.CDLL(lupa.lua54.__file__)
    lib.lua_sethook.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    lib.lua_sethook.restype = None
    lib.lua_gethook.argtypes = [ctypes.c_void_p]
    lib.lua_gethook.restype = ctypes.c_void_p
    return lib


class Interrupter:
    """Arms the interrupt hook on every Lua thread of one runtime, from any thread."""

    def __init__(self) -> None:
        self._lib = _lua_library()
        self._lock = threading.RLock()  # re-entrant: interrupt() may run in a signal handler
        self._threads: set[int] = set()
        self._main = 0
        self._hook = None
        self._running = False
        self._pending = False

    def attach(self, main_address: str) -> None:
        """Take the hook installed on the main thread by sandbox.lua, then disarm it."""
        self._main = int(main_address, 16)
        self._hook = self._lib.lua_gethook(self._main)
        if not self._hook:
            raise RuntimeError("Lua hook not found: sandbox.lua did not register it")
        self._lib.lua_sethook(self._main, None, 0, 0)

    def track(self, address: str) -> None:
        """A coroutine was created: disarm it, or arm it if an interrupt is pending."""
        addr = int(address, 16)
        with self._lock:
            self._threads.add(addr)
            if self._pending:
                self._lib.lua_sethook(addr, self._hook, LUA_MASKCOUNT, 1)
            else:
                self._lib.lua_sethook(addr, None, 0, 0)

    def untrack(self, address: str) -> None:
        """A coroutine is being collected (still alive until its finalizer returns)."""
        with self._lock:
            self._threads.discard(int(address, 16))

    def begin(self) -> None:
        """Lua code starts running on the execution thread."""
        with self._lock:
            self._running = True
            self._pending = False

    def end(self) -> bool:
        """Lua code returned to Python: disarm everything; say whether it was interrupted."""
        with self._lock:
            was = self._pending
            self._running = False
            self._pending = False
            for addr in (self._main, *self._threads):
                self._lib.lua_sethook(addr, None, 0, 0)
            return was

    def interrupt(self) -> bool:
        """Request an interrupt; False when no Lua code is running."""
        with self._lock:
            if not self._running:
                return False
            self._pending = True
            for addr in (self._main, *self._threads):
                self._lib.lua_sethook(addr, self._hook, LUA_MASKCOUNT, 1)
            return True

    @property
    def pending(self) -> bool:
        return self._pending
