"""llmspell.daemon figures, measured on the test daemon (tests/daemon/daemon_prog.py).

  python benchmarks/daemon_lib.py [--quick]

Prints, asserts nothing:
- import time of the five llmspell.daemon modules (fresh interpreter), alone and on top
  of llmspell.config (which the kernel imports first anyway)
- start-up: command start to the parent's exit 0 (detach + PID file + ready), median
- signal -> reaction latency (SIGUSR1 -> reload event) for select / zmq.Poller / bridge.wait
  loops, and SIGINT -> interrupted Lua execution; p50 / max in ms
- SIGTERM -> process gone (grace 0: interrupt, save, clean up), median
Latencies compare time.monotonic() before kill() with the CLOCK_MONOTONIC stamp the
daemon logs when it reacts (one clock for all processes on Linux).
"""

from __future__ import annotations

import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROG = Path(__file__).resolve().parent.parent / "tests" / "daemon" / "daemon_prog.py"
QUICK = "--quick" in sys.argv
N = 5 if QUICK else 30


def start(run_dir: Path, *args: str) -> int:
    out = subprocess.run([sys.executable, str(PROG), str(run_dir), *args], capture_output=True,
                         text=True, timeout=60, check=False, env={**os.environ, "LLMSPELL_HOME": str(run_dir)})
    if out.returncode:
        raise SystemExit(f"start failed: {out.stderr.strip()}")
    return int(out.stdout.split("pid: ", 1)[1].split()[0])


def events(log: Path, what: str) -> list[float]:
    return [float(line.split()[2]) for line in log.read_text().splitlines()
            if line.startswith(f"EVENT {what} ")]


def stop(pid: int, timeout: float = 10.0) -> float:
    """SIGTERM; seconds until the process has exited."""
    fd = os.pidfd_open(pid)
    sent = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    try:
        if not select.select([fd], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"PID {pid} did not stop within {timeout} s")
        return time.monotonic() - sent
    finally:
        os.close(fd)


def latency(pid: int, log: Path, signum: int, what: str) -> list[float]:
    """ms from kill() to the daemon's reaction event, N times."""
    samples = []
    for _ in range(N):
        before = len(events(log, what))
        sent = time.monotonic()
        os.kill(pid, signum)
        deadline = sent + 5
        while len(stamps := events(log, what)) <= before:
            if time.monotonic() > deadline:
                raise SystemExit(f"no {what} after signal {signum}")
            time.sleep(0.002)
        samples.append((stamps[before] - sent) * 1000)
        time.sleep(0.01)
    return samples


def fmt(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):6.2f} ms   max {max(samples):6.2f} ms   (n={len(samples)})"


def main() -> None:
    for before in ("", "import llmspell.config; "):
        code = (f"{before}import time; t = time.perf_counter(); import llmspell.daemon.detach, "
                "llmspell.daemon.pidfile, llmspell.daemon.signals, llmspell.daemon.shutdown, "
                "llmspell.daemon.dump; print((time.perf_counter() - t) * 1000)")
        imports = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                        text=True, check=True).stdout) for _ in range(9)]
        label = "after config" if before else "alone"
        print(f"import llmspell.daemon.* {label:12} {statistics.median(imports):5.1f} ms (median of 9)")

    with tempfile.TemporaryDirectory(prefix="llmspell-daemon-bench-") as tmp:
        run = Path(tmp)
        starts, stops = [], []
        for i in range(max(3, N // 3)):
            began = time.monotonic()
            pid = start(run, "--grace", "0")
            starts.append((time.monotonic() - began) * 1000)
            stops.append(stop(pid) * 1000)
        print(f"start (command -> parent exit 0)   median {statistics.median(starts):6.1f} ms")
        print(f"SIGTERM -> exited (grace 0)        median {statistics.median(stops):6.1f} ms")

        for loop in ("select", "zmq", "thread"):
            name = f"bench-{loop}"
            pid = start(run, "--name", name, "--loop", loop, "--grace", "0")
            samples = latency(pid, run / f"{name}.log", signal.SIGUSR1, "reload")
            print(f"SIGUSR1 -> reload, {loop:6} loop     {fmt(samples)}")
            stop(pid)

        pid = start(run, "--name", "bench-lua", "--lua", "--grace", "0")
        time.sleep(0.2)
        samples = latency(pid, run / "bench-lua.log", signal.SIGINT, "execution-ended")
        print(f"SIGINT -> Lua interrupted          {fmt(samples)}")
        stop(pid)


if __name__ == "__main__":
    main()
