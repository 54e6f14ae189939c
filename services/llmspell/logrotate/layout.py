"""File names in the log directory.

The current file is ``NAME.log``. A rotated file is ``NAME.<stamp>.log`` where
``<stamp>`` is the UTC rotation time ``YYYYmmddTHHMMSS.ffffffZ``, so names sort
in rotation order; compression turns it into ``NAME.<stamp>.log.gz`` through
``NAME.<stamp>.log.gz.tmp``.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime

PLAIN, GZ, GZ_TMP = ".log", ".log.gz", ".log.gz.tmp"


def stamp(us: int) -> str:
    """The name stamp for a time in epoch microseconds."""
    secs, frac = divmod(us, 1_000_000)
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(secs)) + f".{frac:06d}Z"


def stamp_us(text: str) -> int:
    """Epoch microseconds of a name stamp (inverse of :func:`stamp`)."""
    when = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                    int(text[11:13]), int(text[13:15]), tzinfo=UTC)
    return int(when.timestamp()) * 1_000_000 + int(text[16:22])


def _valid(text: str) -> bool:
    try:
        stamp_us(text)
    except ValueError:  # e.g. month 13: not one of our names
        return False
    return True


class Layout:
    """Where the files of one rotator live."""

    def __init__(self, directory: str | os.PathLike, name: str):
        self.directory = os.fspath(directory)
        self.name = name
        self.current = os.path.join(self.directory, f"{name}.log")
        self._pattern = re.compile(
            re.escape(name) + r"\.(\d{8}T\d{6}\.\d{6}Z)(\.log(?:\.gz(?:\.tmp)?)?)$")

    def rotated(self, stamp_text: str, suffix: str = PLAIN) -> str:
        """Path of the rotated file with this stamp and suffix."""
        return os.path.join(self.directory, f"{self.name}.{stamp_text}{suffix}")

    def scan(self) -> dict[str, set[str]]:
        """Rotated files present: stamp -> set of suffixes (PLAIN, GZ, GZ_TMP)."""
        found: dict[str, set[str]] = {}
        with os.scandir(self.directory) as entries:
            for entry in entries:
                match = self._pattern.fullmatch(entry.name)
                if match and _valid(match.group(1)):
                    found.setdefault(match.group(1), set()).add(match.group(2))
        return found


def sync_directory(directory: str) -> None:
    """fsync a directory so the renames and unlinks in it are durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
