"""The pure pieces, called directly: sizes, ages, stamps, retention rule, line splitting."""

from __future__ import annotations

import os

import pytest
from llmspell.logrotate.clock import iso
from llmspell.logrotate.layout import stamp, stamp_us
from llmspell.logrotate.lines import LineReader
from llmspell.logrotate.options import UsageError, parse_age, parse_size
from llmspell.logrotate.retention import expired


@pytest.mark.parametrize("text, expected", [
    ("10MB", 10 << 20), ("512KB", 512 << 10), ("512kb", 512 << 10), ("1GB", 1 << 30),
    ("4096", 4096), ("100B", 100), ("1.5M", 3 << 19), ("2KiB", 2048), ("0", 0),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "MB", "10XB", "-1KB", "1e3", "10 MBs", "ten"])
def test_parse_size_rejects(text):
    with pytest.raises(UsageError, match="bad size"):
        parse_size(text, "--max-size")


@pytest.mark.parametrize("text, expected", [
    ("7d", 7 * 86400), ("12h", 12 * 3600), ("30m", 1800), ("45s", 45), ("2w", 14 * 86400),
    ("0", 0), ("1.5h", 5400),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["7", "7y", "d", "-1d", ""])
def test_parse_age_rejects(text):
    with pytest.raises(UsageError, match="bad age"):
        parse_age(text)


def test_stamps_sort_and_round_trip():
    times = [0, 1, 999_999, 1_000_000, 1_700_000_000_123_456, 1_700_000_000_123_457]
    stamps = [stamp(us) for us in times]
    assert stamps == sorted(stamps)
    assert [stamp_us(s) for s in stamps] == times
    assert stamp(1_700_000_000_500_000) == "20231114T221320.500000Z"


def test_iso_timestamps():
    assert iso(1_700_000_000.5) == "2023-11-14T22:13:20.500Z"
    assert iso(1_700_000_000.123) == "2023-11-14T22:13:20.123Z"


def _stamps(*seconds: float) -> list[str]:
    return [stamp(int(s * 1_000_000)) for s in seconds]


def test_retention_keeps_newest_by_count():
    names = _stamps(10, 20, 30, 40, 50)
    assert expired(names, keep=2, max_age=0, now=60) == names[:3]
    assert expired(names, keep=5, max_age=0, now=60) == []
    assert expired(names, keep=0, max_age=1, now=1e9) == []  # keep=0 keeps all


def test_retention_drops_files_older_than_keep_times_age():
    names = _stamps(100, 200, 300)
    # keep=3 alone deletes nothing; the horizon is now - 3 * 100
    assert expired(names, keep=3, max_age=100, now=390) == []
    assert expired(names, keep=3, max_age=100, now=450) == names[:1]
    assert expired(names, keep=3, max_age=100, now=550) == names[:2]


class _Fed:
    """A LineReader on a real pipe: each ``push`` writes one chunk, then reads it."""

    def __init__(self, **limits):
        self.rfd, self.wfd = os.pipe()
        self.reader = LineReader(self.rfd, **limits)

    def push(self, chunk: bytes) -> bytes:
        os.write(self.wfd, chunk)
        return bytes(self.reader.read())

    def close(self) -> None:
        os.close(self.rfd)
        os.close(self.wfd)


@pytest.fixture
def fed():
    made = []

    def make(**limits) -> _Fed:
        made.append(_Fed(**limits))
        return made[-1]

    yield make
    for one in made:
        one.close()


def test_reader_holds_partial_lines(fed):
    split = fed()
    assert split.push(b"one\ntw") == b"one\n"
    assert split.push(b"o") == b""
    assert split.push(b"\nthree\nfo") == b"two\nthree\n"
    assert split.reader.finish() == b"fo\n"
    assert split.reader.finish() == b""


def test_reader_reports_end_of_input(fed):
    split = fed()
    os.close(split.wfd)
    split.wfd = os.open(os.devnull, os.O_WRONLY)
    assert split.reader.read() is None


def test_reader_cuts_overlong_partial_line(fed):
    split = fed(line_max=4)
    assert split.push(b"abcdefghij") == b"abcd\nefgh\n"
    assert split.push(b"k\nxy") == b"ijk\n"
    assert len(split.reader) == 2


def test_reader_cuts_long_complete_lines_the_same_way(fed):
    split = fed(line_max=4)
    assert split.push(b"abcdefghij\nxy\nabcd\n") == b"abcd\nefgh\nij\nxy\nabcd\n"
    assert split.push(b"123456789") == b"1234\n5678\n"
    assert split.push(b"0123\n") == b"9012\n3\n"


def test_reader_bounds_the_tail_when_reads_exceed_the_line_limit(fed):
    split = fed(line_max=4, read_size=16)
    assert split.push(b"ab\ncdefghijkl") == b"ab\ncdef\nghij\n"
    assert len(split.reader) == 2
    assert split.push(b"\n") == b"kl\n"


def test_reader_keeps_lines_whole_across_many_small_reads(fed):
    split = fed(read_size=7)
    data = b"".join(b"line %d\n" % i for i in range(200))
    out = bytearray()
    for i in range(0, len(data), 5):
        out += split.push(data[i:i + 5])
    assert bytes(out) == data


def test_reader_passes_blocks_longer_than_the_limit_when_no_line_is(fed):
    split = fed(line_max=4)
    assert split.push(b"ab\ncd\nefgh\n\nij\n") == b"ab\ncd\nefgh\n\nij\n"
    assert split.push(b"abcd\nabcde\n") == b"abcd\nabcd\ne\n"
