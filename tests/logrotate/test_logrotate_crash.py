"""kill -9 mid-compression loses nothing; the next start repairs what was left."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import threading

from llmspell.logrotate.layout import stamp
from logrotate_helpers import ROTATOR, all_content, clean_env, content, log_files, run
from process_kit import wait_for

LINE = b" the quick brown fox jumps over the lazy dog, again and again and again\n"


def _open_files(pid: int) -> set[str]:
    fds = f"/proc/{pid}/fd"
    names = set()
    for fd in os.listdir(fds):
        try:
            names.add(os.readlink(f"{fds}/{fd}"))
        except FileNotFoundError:
            pass
    return names


def _numbers(data: bytes) -> list[int]:
    return [int(line.split(b" ", 1)[0]) for line in data.splitlines()]


def _feed(proc: subprocess.Popen, stop: threading.Event) -> None:
    """Numbered lines into the rotator until it dies or ``stop`` is set."""
    number = 0
    try:
        while not stop.is_set():
            block = b"".join(b"%09d" % i + LINE for i in range(number, number + 1000))
            proc.stdin.write(block)
            number += 1000
    except (BrokenPipeError, ValueError):
        pass


def _kill_during_compression(directory, home) -> subprocess.Popen:
    """Start a rotator, feed it, kill -9 it while a .gz.tmp exists; return it."""
    proc = subprocess.Popen(
        [*ROTATOR, f"--dir={directory}", "--max-size=4MB", "--compress", "--keep=0"],
        stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, env=clean_env(home))
    stop = threading.Event()
    feeder = threading.Thread(target=_feed, args=(proc, stop), daemon=True)
    feeder.start()
    try:
        wait_for(lambda: any(n.endswith(".gz.tmp") for n in os.listdir(directory)),
                 "a compression in progress", timeout=60)
        proc.kill()
        proc.wait()
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        feeder.join()
    return proc


def test_kill_9_mid_compression_keeps_every_line_readable(home, tmp_path):
    for _attempt in range(5):
        directory = tmp_path / f"try{_attempt}"
        directory.mkdir()
        _kill_during_compression(directory, home)
        if any(n.endswith(".gz.tmp") for n in os.listdir(directory)):
            break  # killed while the .gz.tmp was being written, as wanted
    else:
        raise AssertionError("never managed to kill the rotator during a compression")

    # Right after the crash: every line written so far is readable, in order, from
    # the plain or gzipped files (the unfinished .gz.tmp is ignored).
    seen = set()
    for path in log_files(directory):
        if path.name.endswith(".gz"):
            with gzip.open(path) as fh:  # every .gz is complete: reading it to the end works
                seen.update(_numbers(fh.read()))
        else:
            seen.update(_numbers(path.read_bytes()))
    assert len(seen) > 4_000_000 // (9 + len(LINE))  # at least one whole rotated file
    assert seen == set(range(max(seen) + 1)), "a line written before the crash is missing"

    # The next start repairs: .gz.tmp removed, plain rotated files compressed, each line once.
    assert run([f"--dir={directory}", "--compress", "--keep=0"], home).returncode == 0
    leftovers = [n for n in os.listdir(directory)
                 if n.endswith(".tmp") or (n.endswith(".log") and n != "llmspell.log")]
    assert leftovers == []
    assert _numbers(all_content(directory)) == list(range(max(seen) + 1))


def test_start_repairs_interrupted_compressions(home, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    x, y = stamp(1_000_000_000_000_000), stamp(1_000_000_100_000_000)
    (logs / f"llmspell.{x}.log").write_bytes(b"x1\nx2\n")
    (logs / f"llmspell.{x}.log.gz.tmp").write_bytes(b"\x1f\x8b half a gzip")
    (logs / f"llmspell.{y}.log").write_bytes(b"y1\n")  # crash between rename and unlink:
    (logs / f"llmspell.{y}.log.gz").write_bytes(gzip.compress(b"y1\n"))  # .gz is whole
    (logs / "llmspell.log").write_bytes(b"current\n")
    result = run([f"--dir={logs}", "--compress", "--keep=0", "--max-age=0"], home, b"more\n")
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(logs)) == [".lock", f"llmspell.{x}.log.gz",
                                            f"llmspell.{y}.log.gz", "llmspell.log"]
    assert [content(p) for p in log_files(logs)] == [b"x1\nx2\n", b"y1\n",
                                                         b"current\nmore\n"]


def test_no_compress_leaves_rotated_files_plain(home, tmp_path):
    data = b"".join(b"%04d\n" % i for i in range(1000))
    assert run([f"--dir={tmp_path}", "--max-size=1KB", "--no-compress", "--keep=0"],
               home, data).returncode == 0
    assert all(p.name.endswith(".log") for p in log_files(tmp_path))
    assert all_content(tmp_path) == data


def test_second_stop_signal_skips_waiting_for_compression(home, tmp_path, start):
    logs = tmp_path / "logs"
    # random hex compresses slowly: a backlog of 4 MB files builds up behind the writer
    data = b"".join(os.urandom(16).hex().encode() + b"\n" for _ in range(1_200_000))
    rotator = start([f"--dir={logs}", "--max-size=4MB", "--compress", "--keep=0"])
    rotator.send(data)
    rotator.proc.stdin.close()
    current = str(logs / "llmspell.log")
    # the writer has closed the current file: it is now waiting for the compressions
    wait_for(lambda: current not in _open_files(rotator.proc.pid), "the current file closed")
    assert content(logs / "llmspell.log").endswith(data[-33:])
    rotator.signal(signal.SIGTERM)
    assert rotator.wait() == 0
    assert "stopping before compression ends; it resumes at the next start" in rotator.stderr
    assert any(n.endswith(".log") and n != "llmspell.log" for n in os.listdir(logs)), \
        "no compression was left for the next start"
    assert run([f"--dir={logs}", "--compress", "--keep=0"], home).returncode == 0
    assert all(p.name.endswith(".gz") for p in log_files(logs)[:-1])
    assert all_content(logs) == data


def test_start_without_compress_still_removes_half_written_gzip(home, tmp_path):
    x = stamp(1_000_000_000_000_000)
    (tmp_path / f"llmspell.{x}.log").write_bytes(b"x\n")
    (tmp_path / f"llmspell.{x}.log.gz.tmp").write_bytes(b"\x1f\x8b half")
    assert run([f"--dir={tmp_path}", "--no-compress", "--keep=0"], home).returncode == 0
    assert not (tmp_path / f"llmspell.{x}.log.gz.tmp").exists()
    assert (tmp_path / f"llmspell.{x}.log").read_bytes() == b"x\n"
