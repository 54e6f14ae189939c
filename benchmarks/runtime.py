"""Runtime benchmarks (issue "Foundation"): prints figures, asserts nothing.

  python benchmarks/runtime.py [--quick]

- in-process tool invocations per second (calculator), via tool_request and via Lua
- `llmspell tool list` wall time, process start to exit, median of N runs
- tight Lua loop: llmspell session (sandbox + interrupt support) vs bare lupa (ratio)
- interrupt latency: plain loop, pcall loop, coroutine loop (p50 / max)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("LLMSPELL_HOME", tempfile.mkdtemp(prefix="llmspell-bench-"))

import lupa.lua54 as lupa  # noqa: E402
from installed import use_compiled_bytecode  # noqa: E402
from llmspell.kernel.engine import ExecutionEngine  # noqa: E402

QUICK = "--quick" in sys.argv
LOOP = "local x = 0 for i = 1, %d do x = x + i %% 7 end return x"


def tool_rate(engine: ExecutionEngine, n: int) -> float:
    content = {"command": "invoke", "name": "calculator", "params": {"input": "2+2*3"}}
    engine.tool_request(content)
    start = time.perf_counter()
    for _ in range(n):
        reply = engine.tool_request(content)
    elapsed = time.perf_counter() - start
    assert reply["status"] == "ok", reply
    return n / elapsed


def lua_tool_rate(engine: ExecutionEngine, n: int) -> float:
    code = f'for i = 1, {n} do Tool.invoke("calculator", {{input = "2+2*3"}}) end'
    start = time.perf_counter()
    result = engine.execute(code, store_history=False).result
    elapsed = time.perf_counter() - start
    assert result.ok, result.failure
    return n / elapsed


def cli_wall_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "llmspell"), "tool", "list"],
                       check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def loop_ratio(engine: ExecutionEngine, iterations: int) -> tuple[float, float]:
    bare = lupa.LuaRuntime()
    bare_fn = bare.execute(f"return function() {LOOP % iterations} end")
    ours_fn = engine.session.lua.execute(f"return function() {LOOP % iterations} end")
    run_ours = engine.session._run  # the path every execution takes (xpcall + interrupt begin/end)

    def ours():
        engine.session.interrupter.begin()
        try:
            run_ours(ours_fn)
        finally:
            engine.session.interrupter.end()

    repeats = 3 if QUICK else 7
    t_bare, t_ours = best_of(bare_fn, repeats), best_of(ours, repeats)
    return t_bare, t_ours


def interrupt_latency(engine: ExecutionEngine, code: str, runs: int) -> list[float]:
    latencies = []
    for _ in range(runs):
        fired = {}

        def fire():
            time.sleep(0.02)
            fired["t"] = time.perf_counter()
            engine.interrupt()

        thread = threading.Thread(target=fire)
        thread.start()
        result = engine.execute(code, store_history=False).result
        latencies.append(time.perf_counter() - fired["t"])
        thread.join()
        assert result.failure and result.failure.ename == "Interrupted", result
    return latencies


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> None:
    engine = ExecutionEngine(instance_id="bench", persist_state=False)
    n = 5_000 if QUICK else 50_000
    print(f"tool invocations (calculator, in-process tool_request): {tool_rate(engine, n):,.0f}/s"
          "  (target >= 20,000/s)")
    print(f"tool invocations (calculator, from Lua Tool.invoke):     "
          f"{lua_tool_rate(engine, n):,.0f}/s")
    runs = 10 if QUICK else 15
    use_compiled_bytecode()
    times = cli_wall_times(runs)
    print(f"`llmspell tool list` wall time: median {ms(statistics.median(times))}, "
          f"min {ms(min(times))} over {runs} runs  (target <= 150 ms)")
    bare, ours = loop_ratio(engine, 5_000_000 if QUICK else 20_000_000)
    print(f"tight Lua loop: bare lupa {ms(bare)}, llmspell session {ms(ours)}, "
          f"slowdown ratio {ours / bare:.3f}  (target <= 1.05)")
    for label, code in [("plain loop", "while true do end"),
                        ("pcall loop", "while true do pcall(function() while true do end end) end"),
                        ("coroutine loop", "coroutine.wrap(function() while true do end end)()")]:
        lat = interrupt_latency(engine, code, 10 if QUICK else 30)
        print(f"interrupt latency, {label}: p50 {ms(statistics.median(lat))}, "
              f"max {ms(max(lat))}  (target <= 5 ms)")


if __name__ == "__main__":
    main()
