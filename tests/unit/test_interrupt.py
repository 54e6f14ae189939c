"""Asynchronous interrupts of running Lua code (kernel/interrupt.py) through the real engine.

A watchdog thread interrupts ~50 ms after the chunk starts; the interrupted call must
return within 2 s. The ``hang_guard`` fixture kills the run (with tracebacks) if an
interrupt never arrives, so a broken interrupt fails instead of hanging CI.
"""

from __future__ import annotations

import threading
import time

import pytest

from llmspell.tools.base import ToolSpec
from llmspell.tools.registry import ToolRegistry

pytestmark = pytest.mark.usefixtures("llmspell_home", "hang_guard")

BOUND = 2.0  # seconds an interrupted chunk may take to return


class Watchdog(threading.Thread):
    """Interrupts ``engine`` after ``delay`` s, retrying until the interrupt is accepted."""

    def __init__(self, engine, delay=0.05):
        super().__init__(daemon=True)
        self.engine, self.delay = engine, delay
        self.accepted_at: float | None = None
        self.done = threading.Event()

    def run(self):
        time.sleep(self.delay)
        while not self.done.is_set():
            if self.engine.interrupt():
                self.accepted_at = time.monotonic()
                break
            time.sleep(0.01)
        if not self.done.wait(BOUND + 1):
            self.rescue()

    def rescue(self):
        """The interrupt did not work: arm the raising hook on every known Lua thread
        directly, so the test fails on its time bound instead of hanging."""
        interrupter = self.engine.session.interrupter
        while not self.done.is_set():
            for addr in (interrupter._main, *interrupter._threads):
                interrupter._lib.lua_sethook(addr, interrupter._hook, 1 << 3, 1)
            self.done.wait(0.1)


def run_interrupted(engine, code, io):
    dog = Watchdog(engine)
    dog.start()
    try:
        result = engine.execute(code, io=io).result
    finally:
        dog.done.set()
        dog.join(5)
    returned_at = time.monotonic()
    assert dog.accepted_at is not None, "the chunk ended before it could be interrupted"
    return result, returned_at - dog.accepted_at


LOOPS = {
    "plain": "while true do end",
    "pcall": "while true do pcall(function() while true do end end) end",
    "xpcall_handler": ("while true do xpcall(function() while true do end end, "
                       "function(m) CAUGHT = (CAUGHT or 0) + 1 return m end) end"),
    "error_swallowing": "while true do local ok, e = pcall(error, 'x') end",
    "coroutine": ("local co = coroutine.create(function() while true do end end)\n"
                  "print(coroutine.resume(co))"),
    "coroutine_resumed_in_loop": ("while true do local co = coroutine.create(function() "
                                  "while true do end end) coroutine.resume(co) end"),
    "wrap": "coroutine.wrap(function() while true do end end)()",
    "wrap_in_pcall": "while true do pcall(coroutine.wrap(function() while true do end end)) end",
    "nested": ("coroutine.wrap(function() coroutine.wrap(function() "
               "local co = coroutine.create(function() while true do end end) "
               "coroutine.resume(co) end)() end)()"),
    "yielding": ("local gen = coroutine.wrap(function() while true do coroutine.yield(1) end end)"
                 "\nwhile true do gen() end"),
    "metamethod": ("local t = setmetatable({}, {__index = function() while true do end end})"
                   "\nwhile true do pcall(function() return t.x end) end"),
    "sort_comparator": ("local t = {3, 2, 1}\nwhile true do pcall(table.sort, t, "
                        "function(a, b) while true do end end) end"),
    "gsub_callback": "while true do ('abc'):gsub('.', function(c) while true do end end) end",
}


@pytest.mark.parametrize("name", list(LOOPS))
def test_interrupt_stops_the_loop_and_keeps_the_session(engine, recording_io, name):
    assert engine.execute("KEEP = {n = 41}", io=recording_io()).result.ok
    result, latency = run_interrupted(engine, "BEFORE = true\n" + LOOPS[name], recording_io())
    assert not result.ok
    assert result.failure.ename == "Interrupted"
    assert latency < BOUND
    after = engine.execute("return KEEP.n + 1, BEFORE", io=recording_io()).result
    assert after.ok, after.failure
    assert after.values == (42, True)
    # the session still runs real work, uninterrupted
    work = engine.execute("local s = 0 for i = 1, 100000 do s = s + i end return s",
                          io=recording_io()).result
    assert work.values == (sum(range(100001)),)


def test_coroutine_from_an_earlier_execution_is_interruptible(engine, recording_io):
    setup = engine.execute("GEN = coroutine.wrap(function() coroutine.yield('ready') "
                           "while true do end end)\nreturn GEN()", io=recording_io()).result
    assert setup.values == ("ready",)
    result, latency = run_interrupted(engine, "GEN()", recording_io())
    assert result.failure.ename == "Interrupted" and latency < BOUND


def test_interrupt_while_a_tool_runs_in_python(make_engine, recording_io):
    calls = []

    def slow(params, ctx):
        calls.append(1)
        time.sleep(0.01)
        return {"ok": True}

    spec = ToolSpec("slow-tool", "utility", "sleeps", "safe", {"type": "object"}, slow)
    engine = make_engine(registry=ToolRegistry([spec]))
    result, latency = run_interrupted(engine, 'while true do Tool.invoke("slow-tool", {}) end',
                                      recording_io())
    assert result.failure.ename == "Interrupted" and latency < BOUND
    assert calls
    assert engine.execute("return Tool.invoke('slow-tool', {}).ok",
                          io=recording_io()).result.values == (True,)


def test_interrupt_with_nothing_running_is_refused_and_harmless(engine, recording_io):
    assert engine.interrupt() is False
    assert engine.execute("X = 1", io=recording_io()).result.ok
    assert engine.interrupt() is False
    # a pending interrupt must not leak into the next chunk, which loops for a while
    result = engine.execute("local s = 0 for i = 1, 300000 do s = s + i end "
                            "local co = coroutine.wrap(function() return s end) return co()",
                            io=recording_io()).result
    assert result.ok, result.failure
    assert result.values == (sum(range(300001)),)


def _hook_masks(engine) -> list[int]:
    """lua_gethookmask of the main thread and of every live coroutine."""
    import ctypes

    interrupter = engine.session.interrupter
    lib = interrupter._lib
    lib.lua_gethookmask.argtypes = [ctypes.c_void_p]
    lib.lua_gethookmask.restype = ctypes.c_int
    return [lib.lua_gethookmask(addr) for addr in (interrupter._main, *interrupter._threads)]


def test_no_hook_is_armed_unless_an_interrupt_is_pending(engine, recording_io):
    engine.execute("CO = coroutine.create(function() coroutine.yield() end) coroutine.resume(CO)",
                   io=recording_io())
    masks = _hook_masks(engine)
    assert len(masks) >= 2 and not any(masks)
    result, _ = run_interrupted(engine, "local c = coroutine.wrap(function() while true do end "
                                        "end) c()", recording_io())
    assert result.failure.ename == "Interrupted"
    masks = _hook_masks(engine)
    assert len(masks) >= 2 and not any(masks)


def test_execution_timeout_interrupts(make_engine, recording_io):
    engine = make_engine(LLMSPELL_RUNTIME__EXECUTION_TIMEOUT="0.2")
    started = time.monotonic()
    result = engine.execute("while true do pcall(function() while true do end end) end",
                            io=recording_io()).result
    assert result.failure.ename == "Interrupted"
    assert time.monotonic() - started < 0.2 + BOUND
    # short chunks are not affected, and an old timer never fires into a new chunk
    for _ in range(3):
        ok = engine.execute("local s = 0 for i = 1, 10000 do s = s + i end return s",
                            io=recording_io()).result
        assert ok.values == (sum(range(10001)),)


def test_without_timeout_nothing_interrupts_a_long_chunk(engine, recording_io):
    assert engine.config.get("runtime.execution_timeout") == 0
    result = engine.execute("local s = 0 for i = 1, 2000000 do s = s + i end return s",
                            io=recording_io()).result
    assert result.ok and result.values == (sum(range(2000001)),)
