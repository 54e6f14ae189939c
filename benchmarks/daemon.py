"""Kernel daemon figures: real ``llmspell kernel start --daemon`` runs, real signals.

  python benchmarks/daemon.py [--quick]

Prints (p50 and max; targets from the daemon issue):
- start: the start command launched -> it exits 0 (the daemon answered kernel_info)
- SIGUSR2 -> state dump: kill() -> the dump's time stamp (taken by the daemon as it
  starts writing) and -> the file visible in the runtime directory
- SIGTERM -> exit with an idle kernel (pidfd readable)
- PID-file check: ``instances.lock_holder`` (one /proc/locks scan), the whole
  ``instances.instances`` discovery, and the ``llmspell kernel list`` command
The benchmark is a child subreaper, so it reaps the daemons it stopped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import use_compiled_bytecode
from llmspell.kernel import instances
from ports import free_base_port

QUICK = "--quick" in sys.argv
STARTS = 3 if QUICK else 10
SIGNALS = 5 if QUICK else 30
CHECKS = 100 if QUICK else 2000
CLI = str(Path(sys.executable).parent / "llmspell")
TARGETS = {"start": 400.0, "signal": 5.0, "stop": 100.0}


def fmt(samples: list[float], target: float | None = None) -> str:
    p50 = statistics.median(samples)
    verdict = "" if target is None else f"   target <= {target:g} ms: {'ok' if p50 <= target else 'MISSED'}"
    return f"p50 {p50:8.2f} ms   max {max(samples):8.2f} ms   (n={len(samples)}){verdict}"


def start(env: dict, port: int) -> tuple[float, int]:
    began = time.perf_counter()
    proc = subprocess.run([CLI, "kernel", "start", "--daemon", f"--port={port}"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    took = (time.perf_counter() - began) * 1000
    if proc.returncode:
        raise SystemExit(f"start failed: {proc.stderr.strip()}")
    return took, int(proc.stdout.split("pid: ", 1)[1].split()[0])


def stop(pid: int) -> float:
    fd = os.pidfd_open(pid)
    try:
        sent = time.perf_counter()
        os.kill(pid, signal.SIGTERM)
        if not select.select([fd], [], [], 10)[0]:
            os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"PID {pid} did not stop within 10 s")
        took = (time.perf_counter() - sent) * 1000
    finally:
        os.close(fd)
    os.waitpid(pid, 0)
    return took


def dump_latency(pid: int, run_dir: Path) -> tuple[list[float], list[float]]:
    """(kill -> daemon's stamp, kill -> file visible) in ms, SIGNALS times."""
    stamped, visible = [], []
    for _ in range(SIGNALS):
        before = set(os.listdir(run_dir))
        sent_ns = time.time_ns()
        sent = time.perf_counter()
        os.kill(pid, signal.SIGUSR2)
        deadline = sent + 5
        while not (new := [n for n in os.listdir(run_dir) if n.startswith("state-dump-")
                           and n.endswith(".json") and n not in before]):
            if time.perf_counter() > deadline:
                raise SystemExit("no state dump after SIGUSR2")
            time.sleep(0.0001)
        visible.append((time.perf_counter() - sent) * 1000)
        stamp = new[0].rsplit("-", 1)[1][:-len(".json")]  # 20260101T000000.123456789Z
        whole = time.mktime(time.strptime(stamp[:15], "%Y%m%dT%H%M%S")) - time.timezone
        stamped.append((int(whole) * 10**9 + int(stamp[16:25]) - sent_ns) / 1e6)
        time.sleep(0.02)
    return stamped, visible


def measure(env: dict, run_dir: Path) -> None:
    """Start, signal and stop daemons under ``env``, printing each figure."""
    start(env, free_base_port())  # warm-up: .pyc files and the tool catalog cache
    for pid in [i.pid for i in instances.instances(run_dir)]:
        stop(pid)
    starts, pids = [], []
    for _ in range(STARTS):
        took, pid = start(env, free_base_port())
        starts.append(took)
        pids.append(pid)
    print(f"start -> ready (exit 0)      {fmt(starts, TARGETS['start'])}")

    stamped, visible = dump_latency(pids[0], run_dir)
    print(f"SIGUSR2 -> dump started      {fmt(stamped, TARGETS['signal'])}")
    print(f"SIGUSR2 -> dump file visible {fmt(visible)}")

    pid_file = run_dir / f"kernel-{instances.instances(run_dir)[0].port}.pid"
    samples = []
    for _ in range(CHECKS):
        began = time.perf_counter()
        assert instances.lock_holder(pid_file)
        samples.append((time.perf_counter() - began) * 1000)
    print(f"PID-file check (/proc/locks) {fmt(samples)}")
    samples = []
    for _ in range(CHECKS // 10):
        began = time.perf_counter()
        assert len(instances.instances(run_dir)) == STARTS
        samples.append((time.perf_counter() - began) * 1000)
    print(f"instances() ({STARTS} running)    {fmt(samples)}")
    samples = []
    for _ in range(3 if QUICK else 10):
        began = time.perf_counter()
        subprocess.run([CLI, "kernel", "list"], env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - began) * 1000)
    print(f"'llmspell kernel list'       {fmt(samples)}")

    stops = [stop(pid) for pid in pids]
    print(f"SIGTERM -> exit (idle)       {fmt(stops, TARGETS['stop'])}")


def main() -> None:
    use_compiled_bytecode()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: the daemons become our children
    with tempfile.TemporaryDirectory(prefix="llmspell-daemon-bench-") as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("LLMSPELL_") and k != "XDG_RUNTIME_DIR"}
        env.update(LLMSPELL_HOME=tmp, XDG_CACHE_HOME=f"{tmp}/cache")
        run_dir = Path(tmp) / "run"
        try:
            measure(env, run_dir)
        finally:  # never leave daemons behind, also when a measurement fails
            for instance in instances.instances(run_dir):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(instance.pid, signal.SIGKILL)

if __name__ == "__main__":
    main()
