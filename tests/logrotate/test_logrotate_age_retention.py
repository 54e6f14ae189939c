"""Age rotation and retention, driven by the injected test clock (no sleeping)."""

from __future__ import annotations

import signal

from llmspell.logrotate.layout import stamp
from logrotate_helpers import T0, all_content, content, current_text, log_files, run
from process_kit import wait_for

HOUR, DAY = 3600, 86400


def name_at(seconds: float, suffix: str = ".log") -> str:
    return f"llmspell.{stamp(int(seconds * 1_000_000))}{suffix}"


def names(directory) -> list[str]:
    return [p.name for p in log_files(directory)]


def test_age_rotation_when_lines_arrive(tmp_path, start, clock):
    rotator = start([f"--dir={tmp_path}", "--max-age=1h", "--no-compress", "--keep=0"],
                    **clock.env)
    rotator.send(b"a\n")
    wait_for(lambda: current_text(tmp_path) == "a\n", "line a")
    clock.set(T0 + 59 * 60)
    rotator.send(b"b\n")
    wait_for(lambda: current_text(tmp_path) == "a\nb\n", "line b, same file")
    clock.set(T0 + HOUR)
    rotator.send(b"c\n")
    wait_for(lambda: current_text(tmp_path) == "c\n", "line c in a new file")
    assert rotator.finish() == 0
    assert names(tmp_path) == [name_at(T0 + HOUR), "llmspell.log"]
    assert content(tmp_path / name_at(T0 + HOUR)) == b"a\nb\n"


def test_idle_file_is_rotated_without_new_input(tmp_path, start):
    # real clock, one-second age: the poll timeout rotates a quiet file
    rotator = start([f"--dir={tmp_path}", "--max-age=1s", "--no-compress", "--keep=0"])
    rotator.send(b"lonely\n")
    wait_for(lambda: len(log_files(tmp_path)) == 2, "the idle rotation", timeout=20)
    assert content(log_files(tmp_path)[0]) == b"lonely\n"
    assert current_text(tmp_path) == ""
    assert rotator.finish() == 0


def test_age_counts_from_the_last_rotation_across_restarts(home, tmp_path, clock):
    args = [f"--dir={tmp_path}", "--max-age=1d", "--no-compress", "--keep=0"]
    run(args, home, b"old\n", **clock.env)
    clock.set(T0 + 10)
    run(args + ["--max-size=4"], home, b"a\n", **clock.env)  # size: "old" rotated at T0+10
    assert names(tmp_path) == [name_at(T0 + 10), "llmspell.log"]
    clock.set(T0 + 10 + 23 * HOUR)
    run(args, home, b"b\n", **clock.env)  # 23 h after that rotation: same file
    assert names(tmp_path) == [name_at(T0 + 10), "llmspell.log"]
    clock.set(T0 + 10 + DAY)
    run(args, home, b"c\n", **clock.env)  # a day after it: rotated before "c"
    assert names(tmp_path) == [name_at(T0 + 10), name_at(T0 + 10 + DAY), "llmspell.log"]
    assert [content(p) for p in log_files(tmp_path)] == [b"old\n", b"a\nb\n", b"c\n"]


def test_retention_by_count(tmp_path, start, clock):
    rotator = start([f"--dir={tmp_path}", "--keep=3", "--max-age=0", "--compress"],
                    **clock.env)
    for i in range(6):
        clock.set(T0 + i)
        rotator.send(b"line %d\n" % i)
        wait_for(lambda i=i: current_text(tmp_path) == f"line {i}\n", f"line {i}")
        rotator.signal(signal.SIGHUP)
        wait_for(lambda: current_text(tmp_path) == "", f"rotation {i}")
    assert rotator.finish() == 0
    assert names(tmp_path) == [name_at(T0 + i, ".log.gz") for i in (3, 4, 5)] + ["llmspell.log"]
    assert all_content(tmp_path) == b"line 3\nline 4\nline 5\n"


def test_retention_by_age(home, tmp_path, start, clock):
    args = [f"--dir={tmp_path}", "--keep=5", "--max-age=1d", "--no-compress"]
    rotator = start(args, **clock.env)
    for when, line in ((T0, b"a\n"), (T0 + HOUR, b"b\n")):
        clock.set(when)
        rotator.send(line)
        wait_for(lambda line=line: current_text(tmp_path) == line.decode(), "the line")
        rotator.signal(signal.SIGHUP)
        wait_for(lambda: current_text(tmp_path) == "", "the rotation")
    clock.set(T0 + 5 * DAY + 1800)
    rotator.send(b"c\n")  # the file was opened 5 days ago: rotated as soon as written
    wait_for(lambda: (tmp_path / name_at(T0 + 5 * DAY + 1800)).exists(), "the age rotation")
    assert rotator.finish() == 0
    # the horizon is now - keep * max-age = T0 + 30 min: only "a" is older
    assert names(tmp_path) == [name_at(T0 + HOUR), name_at(T0 + 5 * DAY + 1800), "llmspell.log"]
    clock.set(T0 + 5 * DAY + 2 * HOUR)
    assert run(args, home, b"", **clock.env).returncode == 0  # retention also runs at start
    assert names(tmp_path) == [name_at(T0 + 5 * DAY + 1800), "llmspell.log"]
    assert all_content(tmp_path) == b"c\n"


def test_rotations_in_the_same_instant_get_distinct_sorted_names(home, tmp_path, clock):
    data = b"".join(b"%03d\n" % i for i in range(100))
    result = run([f"--dir={tmp_path}", "--max-size=8", "--no-compress", "--keep=0"],
                 home, data, **clock.env)
    assert result.returncode == 0
    assert names(tmp_path)[:3] == [name_at(T0), name_at(T0 + 1e-6), name_at(T0 + 2e-6)]
    assert all_content(tmp_path) == data
