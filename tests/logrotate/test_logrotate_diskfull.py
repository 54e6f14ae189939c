"""A full file system (a small tmpfs mounted by the test): nothing lost, said on stderr."""

from __future__ import annotations

import errno
import fcntl
import signal
import struct
import termios
import threading

import pytest
from llmspell.logrotate.lines import READ_SIZE
from logrotate_helpers import all_content, current_text, log_files
from process_kit import wait_for


def fill(directory) -> object:
    """Write a ballast file until the file system is full; return its path."""
    ballast = directory / "ballast"
    with open(ballast, "wb", buffering=0) as fh, pytest.raises(OSError) as info:
        while True:
            fh.write(b"\0" * 4096)
    assert info.value.errno == errno.ENOSPC
    return ballast


@pytest.mark.parametrize("compress", [False, True])
def test_no_line_lost_while_disk_is_full(tmpfs, start, compress):
    mount = tmpfs("1m")
    logs = mount / "logs"
    rotator = start([f"--dir={logs}", "--max-size=16KB", "--keep=0", "--max-age=0",
                     "--compress" if compress else "--no-compress"])
    lines = [b"line %06d of the disk-full test\n" % i for i in range(4000)]
    rotator.send(b"".join(lines[:100]))
    wait_for(lambda: current_text(logs).endswith("line 000099 of the disk-full test\n"),
             "the first lines")
    ballast = fill(mount)
    rotator.send(b"".join(lines[100:]))
    wait_for(lambda: "No space left on device" in rotator.stderr, "the disk-full message")
    assert rotator.proc.poll() is None
    assert f"cannot write {logs}/llmspell.log: No space left on device; holding" in rotator.stderr
    ballast.unlink()
    wait_for(lambda: "again after" in rotator.stderr, "the recovery message")
    assert rotator.finish() == 0
    assert all_content(logs) == b"".join(lines)
    if compress:
        assert all(p.name.endswith(".log.gz") for p in log_files(logs)[:-1])
    assert "Traceback" not in rotator.stderr


def _pipe_fill(fd: int) -> int:
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return struct.unpack("i", buf)[0]


def test_held_data_is_bounded_and_input_paused(tmpfs, start):
    mount = tmpfs("8m")
    logs = mount / "logs"
    rotator = start([f"--dir={logs}", "--buffer-size=64KB", "--no-compress"])
    rotator.send(b"hello\n")
    wait_for(lambda: current_text(logs) == "hello\n", "start-up")
    ballast = fill(mount)
    block = b"".join(b"%08d\n" % i for i in range(4096 // 9))  # whole lines, < PIPE_BUF
    total_blocks = 4 * 1024 * 1024 // len(block)  # more than the pipe, one read and the buffer
    sent = [0]
    fd = rotator.proc.stdin.fileno()

    def writer() -> None:
        for _ in range(total_blocks):
            rotator.send(block)
            sent[0] += len(block)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    capacity = fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    # the rotator stops reading: the pipe fills up and the writer blocks
    wait_for(lambda: _pipe_fill(fd) > capacity - 2 * len(block), "a full pipe")
    consumed = sent[0] - _pipe_fill(fd)
    assert thread.is_alive()
    # held: the 64 KiB buffer + one read + a partial line (at most 64 KiB here),
    # plus what reached the disk before it was full (the last page of the file)
    assert consumed <= 64 * 1024 + READ_SIZE + 64 * 1024 + 4096, consumed
    assert "No space left on device" in rotator.stderr
    ballast.unlink()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert rotator.finish() == 0
    assert all_content(logs) == b"hello\n" + block * total_blocks


def test_stop_while_disk_stays_full_gives_up_to_stderr(tmpfs, start):
    mount = tmpfs("1m")
    logs = mount / "logs"
    rotator = start([f"--dir={logs}", "--no-compress"])
    rotator.send(b"written\n")
    wait_for(lambda: current_text(logs) == "written\n", "start-up")
    fill(mount)
    held = b"".join(b"held line %05d\n" % i for i in range(2000))
    rotator.send(held)
    rotator.proc.stdin.close()  # end of input: the rotator keeps retrying
    wait_for(lambda: "retrying (SIGTERM again gives up)" in rotator.stderr, "the final retry")
    rotator.signal(signal.SIGTERM)
    assert rotator.wait() == 1
    on_disk = all_content(logs)
    assert on_disk.startswith(b"written\n")
    written = on_disk[len(b"written\n"):]
    # whatever did not reach the file is on stderr, after the give-up message
    assert held.startswith(written)
    assert rotator.stderr.endswith(held[len(written):].decode())
    assert "giving up on" in rotator.stderr
