"""SIGHUP/SIGUSR1 rotate, SIGTERM/SIGINT write everything and exit 0."""

from __future__ import annotations

import signal

import pytest
from logrotate_helpers import all_content, content, current_text, log_files
from process_kit import wait_for


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGUSR1])
def test_signal_forces_rotation(tmp_path, start, sig):
    rotator = start([f"--dir={tmp_path}", "--no-compress", "--keep=0"])
    rotator.send(b"before\n")
    wait_for(lambda: current_text(tmp_path) == "before\n", "the first line")
    rotator.signal(sig)
    wait_for(lambda: len(log_files(tmp_path)) == 2, "a rotated file")
    rotated, current = log_files(tmp_path)
    assert content(rotated) == b"before\n"
    assert current.name == "llmspell.log"
    rotator.signal(sig)  # an empty file is not rotated
    rotator.send(b"after\n")
    assert rotator.finish() == 0
    assert [content(p) for p in log_files(tmp_path)] == [b"before\n", b"after\n"]
    assert rotator.stderr == ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_writes_everything_and_exits_0(tmp_path, start, sig):
    rotator = start([f"--dir={tmp_path}", "--no-compress"])
    wait_for(lambda: (tmp_path / "llmspell.log").exists(), "start-up")
    data = b"".join(b"line %05d\n" % i for i in range(20000)) + b"unterminated"
    rotator.send(data)  # all of it sits in the pipe or the rotator when the signal comes
    rotator.signal(sig)
    assert rotator.wait() == 0
    assert all_content(tmp_path) == data + b"\n"
    assert rotator.stderr == ""


def test_stop_signal_while_idle_with_open_pipe(tmp_path, start):
    rotator = start([f"--dir={tmp_path}"])
    rotator.send(b"one\n")
    wait_for(lambda: current_text(tmp_path) == "one\n", "the line")
    rotator.signal(signal.SIGTERM)  # the writer still holds the pipe open
    assert rotator.wait(timeout=20) == 0
    assert rotator.proc.stdin.closed is False
