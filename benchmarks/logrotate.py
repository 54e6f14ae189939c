"""Benchmark llmspell-logrotate against ``cat > file`` on this machine.

Prints, for the same payload pushed through a pipe by this process:
  * lines/s of ``cat > FILE``, of ``cat > FILE`` followed by fsync (what the
    rotator guarantees), and of the rotator (with and without --compress);
    "accept" = until the last byte entered the pipe, "total" = until exit
    (the rotator fsyncs every file before it exits, cat does not); runs are
    interleaved; the median and the best run are shown (shared machines are
    noisy: the best run is the least disturbed);
  * the ratio rotator/cat (target >= 50%);
  * rotation time p50/p99 (target p99 <= 5 ms): the time the writing thread
    spends in LogWriter.rotate (rename, close, open, hand-off), measured
    in-process on the rotator's own classes while lines stream in;
  * start-up time of the executable (with bytecode cached, as when installed).

Usage: python benchmarks/logrotate.py [--lines=N] [--line-size=B] [--runs=R] [--dir=D]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from installed import use_compiled_bytecode

CHUNK = 1 << 20


def payload(lines: int, line_size: int) -> bytes:
    """``lines`` numbered lines of ``line_size`` bytes each."""
    filler = b"x" * (line_size - 11)
    return b"".join(b"%09d %s\n" % (i, filler) for i in range(lines))


def push(cmd: list[str], data: bytes, env: dict, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Feed ``data`` to ``cmd`` through a pipe; return (accept seconds, total seconds)."""
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=stdout, env=env)
    view = memoryview(data)
    fd = proc.stdin.fileno()
    for offset in range(0, len(view), CHUNK):
        chunk = view[offset:offset + CHUNK]
        while chunk:
            chunk = chunk[os.write(fd, chunk):]
    proc.stdin.close()
    accepted = time.perf_counter() - start
    if proc.wait() != 0:
        raise SystemExit(f"{cmd[0]} failed with status {proc.returncode}")
    return accepted, time.perf_counter() - start


def run_cat(data: bytes, workdir: str, env: dict, sync: bool) -> tuple[float, float]:
    target = os.path.join(workdir, "cat.out")
    script = 'cat > "$1"' + (' && python3 -c "import os,sys; f=os.open(sys.argv[1], os.O_RDONLY); '
                             'os.fsync(f)" "$1"' if sync else "")
    try:
        return push(["sh", "-c", script, "sh", target], data, env)
    finally:
        os.unlink(target)


def run_rotator(data: bytes, workdir: str, env: dict, extra: list[str]) -> tuple[float, float]:
    logdir = os.path.join(workdir, "logs")
    try:
        return push([sys.executable, "-m", "llmspell.logrotate", f"--dir={logdir}",
                     "--max-size=10MB", "--keep=0", *extra], data, env)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)


def rotation_times(workdir: str, rotations: int, max_size: int, compress: bool) -> list[float]:
    """Seconds spent in each rotate() while 64 KiB blocks of lines stream in."""
    from llmspell.logrotate.housekeeper import Housekeeper
    from llmspell.logrotate.layout import Layout
    from llmspell.logrotate.writer import LogWriter

    logdir = os.path.join(workdir, "rot")
    os.makedirs(logdir)
    where = Layout(logdir, "bench")
    keeper = Housekeeper(where, compress, 20, 0.0, time.time, lambda msg: print(msg))
    writer = LogWriter(where, max_size, 0.0, keeper.submit)
    writer.start(time.time())
    keeper.start()
    timings = []
    real_rotate = writer.rotate

    def timed_rotate(now: float) -> None:
        start = time.perf_counter()
        real_rotate(now)
        timings.append(time.perf_counter() - start)

    writer.rotate = timed_rotate
    block = payload(64 * 1024 // 100, 100)
    while len(timings) < rotations:
        writer.write(block, time.time())
    writer.close()
    keeper.stop()
    keeper.wait(600)
    shutil.rmtree(logdir)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=4_000_000)
    parser.add_argument("--line-size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rotations", type=int, default=400)
    parser.add_argument("--dir", default=tempfile.gettempdir(),
                        help="where the files go (same file system for cat and the rotator)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="logrotate-bench-", dir=args.dir)
    use_compiled_bytecode()
    env = dict(os.environ)
    try:
        data = payload(args.lines, args.line_size)
        mb = len(data) / 1e6
        print(f"payload: {args.lines} lines, {mb:.0f} MB, {args.runs} interleaved runs each (median), "
              f"files in {args.dir}")
        run_rotator(b"warm-up\n", workdir, env, [])
        startups = [push([sys.executable, "-m", "llmspell.logrotate",
                          f"--dir={workdir}/start", "--no-compress"], b"", env)[1]
                    for _ in range(5)]
        print(f"start-up + exit, empty input: {statistics.median(startups) * 1000:.0f} ms")
        cases = {"cat > file": lambda: run_cat(data, workdir, env, False),
                 "cat > file + fsync": lambda: run_cat(data, workdir, env, True),
                 "llmspell-logrotate": lambda: run_rotator(data, workdir, env, ["--no-compress"]),
                 "llmspell-logrotate --compress":
                     lambda: run_rotator(data, workdir, env, ["--compress"])}
        samples: dict[str, list] = {label: [] for label in cases}
        for _ in range(args.runs):  # interleaved, so load from elsewhere hits all alike
            for label, run in cases.items():
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                accept, total = run()
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                samples[label].append((accept, total, cpu))
        results = {}
        for label, runs in samples.items():
            accepts = [r[0] for r in runs]
            total, cpu = (statistics.median(r[i] for r in runs) for i in (1, 2))
            results[label] = (statistics.median(accepts), min(accepts), total)
            print(f"{label:30s} accept {args.lines / statistics.median(accepts) / 1e6:5.2f} "
                  f"(best {args.lines / min(accepts) / 1e6:5.2f}) M lines/s   "
                  f"total {args.lines / total / 1e6:5.2f} M lines/s ({total:.2f} s, "
                  f"cpu {cpu:.2f} s)")
        cat = results["cat > file"]
        for label in ("llmspell-logrotate", "llmspell-logrotate --compress"):
            mine = results[label]
            print(f"ratio {label} / cat: accept {cat[0] / mine[0]:.0%} median, "
                  f"{cat[1] / mine[1]:.0%} best-of-{args.runs}; total {cat[2] / mine[2]:.0%}")
        for compress in (False, True):
            times = rotation_times(workdir, args.rotations, 1 << 20, compress)
            print(f"rotation ({len(times)} x 1 MiB files, compress={compress}): "
                  f"p50 {percentile(times, 0.5) * 1000:.3f} ms, "
                  f"p99 {percentile(times, 0.99) * 1000:.3f} ms, "
                  f"max {max(times) * 1000:.3f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
