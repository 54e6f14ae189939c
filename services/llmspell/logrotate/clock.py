"""The rotator's wall clock, with a test-only override.

TEST ONLY: when ``LLMSPELL_LOGROTATE_TEST_CLOCK`` names a file, the current time
is the number of seconds since the epoch written in that file, re-read at every
call, so tests move time forward without sleeping. Never set it in production.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

TEST_CLOCK_ENV = "LLMSPELL_LOGROTATE_TEST_CLOCK"

Clock = Callable[[], float]


def make_clock(environ=os.environ) -> Clock:
    """``time.time``, or the test clock file's reader; raise ValueError if that file is bad."""
    path = environ.get(TEST_CLOCK_ENV)
    if not path:
        return time.time

    def read() -> float:
        with open(path, "rb") as fh:
            return float(fh.read())

    try:
        read()
    except (OSError, ValueError) as exc:
        raise ValueError(f"{TEST_CLOCK_ENV}={path}: unreadable test clock ({exc})") from None
    return read


def iso(t: float) -> str:
    """``2024-05-01T12:00:00.123Z`` for epoch seconds ``t``."""
    millis = round(t * 1000)
    secs, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{ms:03d}Z"
