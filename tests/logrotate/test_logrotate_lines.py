"""Whole lines, size limits, stamping formats: through the real executable."""

from __future__ import annotations

import itertools
import json
import random
import re

from logrotate_helpers import T0, all_content, content, current_text, log_files, run
from process_kit import wait_for


def test_size_rotation_keeps_lines_whole_and_in_order(home, tmp_path):
    rng = random.Random(5)
    lines = [b"%05d " % i + b"y" * rng.choice([0, 10, 100, 700, 1500]) + b"\n"
             for i in range(3000)]
    data = b"".join(lines)
    result = run([f"--dir={tmp_path}", "--max-size=1KB", "--no-compress", "--keep=0"],
                 home, data)
    assert result.returncode == 0, result.stderr
    files = log_files(tmp_path)
    assert all_content(tmp_path) == data  # nothing lost, duplicated or reordered
    for path in files:
        body = content(path)
        assert body.endswith(b"\n")
        # within the limit, or one single line longer than the limit, alone
        assert len(body) <= 1024 or body.count(b"\n") == 1, path
    # files are filled: a file plus the next file's first line would pass the limit
    for this, following in itertools.pairwise(files):
        first = content(following).split(b"\n", 1)[0] + b"\n"
        assert len(content(this)) + len(first) > 1024


def test_final_partial_line_is_written_at_eof(home, tmp_path):
    result = run([f"--dir={tmp_path}"], home, b"one\ntwo")
    assert result.returncode == 0
    assert (tmp_path / "llmspell.log").read_bytes() == b"one\ntwo\n"


def test_partial_line_is_held_until_its_newline(tmp_path, start):
    rotator = start([f"--dir={tmp_path}", "--no-compress"])
    rotator.send(b"first\nsec")  # one write: read together with "first"
    wait_for(lambda: current_text(tmp_path) == "first\n", "the first line")
    rotator.signal(10)  # SIGUSR1: rotate now; "sec" must not be in the rotated file
    wait_for(lambda: len(log_files(tmp_path)) == 2, "the rotation")
    rotator.send(b"ond\nthird\n")
    assert rotator.finish() == 0
    assert [content(p) for p in log_files(tmp_path)] == [b"first\n", b"second\nthird\n"]


def test_overlong_partial_line_is_cut_at_the_line_limit(home, tmp_path):
    # the line limit is min(1 MiB, --buffer-size)
    data = b"a" * 10000 + b"\nend\n"
    result = run([f"--dir={tmp_path}", "--buffer-size=4KB"], home, data)
    assert result.returncode == 0
    assert all_content(tmp_path) == b"a" * 4096 + b"\n" + b"a" * 4096 + b"\n" + b"a" * 1808 + b"\nend\n"


def test_compact_timestamps(home, tmp_path, clock):
    clock.set(T0 + 0.25)
    result = run([f"--dir={tmp_path}", "--timestamp"], home, b"alpha\n\nbeta", **clock.env)
    assert result.returncode == 0
    assert all_content(tmp_path) == (b"2023-11-14T22:13:20.250Z alpha\n"
                                     b"2023-11-14T22:13:20.250Z \n"
                                     b"2023-11-14T22:13:20.250Z beta\n")


def test_real_clock_timestamps_are_iso_utc(home, tmp_path):
    result = run([f"--dir={tmp_path}", "--timestamp"], home, b"x\ny\n")
    assert result.returncode == 0
    for line in all_content(tmp_path).splitlines():
        assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [xy]", line), line


def test_json_lines(home, tmp_path, clock):
    data = 'plain\nquote " and \\ back\nünï\n'.encode() + b"bad \xff byte\n" + b"tail"
    result = run([f"--dir={tmp_path}", "--format=json", "--timestamp"], home, data, **clock.env)
    assert result.returncode == 0
    records = [json.loads(line) for line in all_content(tmp_path).decode().splitlines()]
    assert records == [{"ts": "2023-11-14T22:13:20.000Z", "line": text}
                       for text in ["plain", 'quote " and \\ back', "ünï",
                                    "bad \\xff byte", "tail"]]


def test_json_without_timestamp(home, tmp_path):
    result = run([f"--dir={tmp_path}", "--format=json"], home, b"a\nb\n")
    assert result.returncode == 0
    assert all_content(tmp_path) == b'{"line":"a"}\n{"line":"b"}\n'


def test_continues_an_existing_file(home, tmp_path):
    assert run([f"--dir={tmp_path}"], home, b"run 1\n").returncode == 0
    assert run([f"--dir={tmp_path}"], home, b"run 2\n").returncode == 0
    assert (tmp_path / "llmspell.log").read_bytes() == b"run 1\nrun 2\n"


def test_file_moved_away_or_directory_removed(tmp_path, start):
    logs = tmp_path / "logs"
    rotator = start([f"--dir={logs}", "--no-compress", "--max-size=1KB", "--keep=0"])
    rotator.send(b"one\n")
    wait_for(lambda: current_text(logs) == "one\n", "line one")
    (logs / "llmspell.log").rename(tmp_path / "taken.log")  # e.g. by another tool
    rotator.send(b"x" * 1100 + b"\n")  # too big for the file: rotation, finds it gone
    wait_for(lambda: (logs / "llmspell.log").exists(), "a new current file")
    assert (tmp_path / "taken.log").read_bytes() == b"one\n"
    for path in logs.iterdir():
        path.unlink()
    logs.rmdir()
    rotator.signal(1)  # SIGHUP: rotation finds the directory gone, makes it again
    wait_for(lambda: (logs / "llmspell.log").exists(), "the directory made again")
    rotator.send(b"two\n")
    assert rotator.finish() == 0
    assert current_text(logs) == "two\n"
    assert rotator.stderr == ""


def test_foreign_files_are_left_alone(home, tmp_path):
    foreign = ["llmspell.20241399T000000.000000Z.log", "notes.txt",
               "other.20240101T000000.000000Z.log"]
    for name in foreign:
        (tmp_path / name).write_text("keep me\n")
    result = run([f"--dir={tmp_path}", "--keep=1", "--max-size=4", "--compress"], home,
                 b"a\nb\nc\n")
    assert result.returncode == 0, result.stderr
    for name in foreign:
        assert (tmp_path / name).read_text() == "keep me\n"
    assert len(log_files(tmp_path)) == 2 + 1  # the bogus month-13 name matches the glob
