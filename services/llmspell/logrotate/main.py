"""Entry point of ``llmspell-logrotate``: set up, pump, shut down cleanly.

Exit status: 0 after writing and fsyncing everything (end of input, SIGTERM,
SIGINT); 1 if data could not be written in the end (it then goes to stderr);
2 for usage errors (bad option or value, unusable directory, lock held).
"""

from __future__ import annotations

import os

from .clock import Clock, make_clock
from .dirlock import lock_directory
from .housekeeper import Housekeeper
from .layout import Layout
from .lines import LINE_MAX, make_formatter
from .options import PROG, Settings, UsageError, resolve
from .pump import Pump
from .signals import Signals
from .writer import LogWriter


def warn(message: str) -> None:
    """One line on stderr, prefixed with the program name."""
    _write_all(2, f"{PROG}: {message}\n".encode(errors="replace"))


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the rotator; return the exit status."""
    try:
        settings = resolve(argv)
        try:
            clock = make_clock()
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        try:
            os.fstat(0)
        except OSError:
            raise UsageError("standard input is closed") from None
        lock_directory(str(settings.directory))
    except UsageError as exc:
        warn(str(exc))
        return 2
    return _run(settings, clock)


def _run(settings: Settings, clock: Clock) -> int:
    where = Layout(settings.directory, settings.name)
    keeper = Housekeeper(where, settings.compress, settings.keep, settings.max_age, clock, warn)
    writer = LogWriter(where, settings.max_size, settings.max_age, keeper.submit)
    signals = Signals()
    try:
        writer.start(clock())
    except OSError as exc:
        warn(f"cannot open {where.current}: {exc.strerror}")
        return 2
    keeper.start()
    pump = Pump(writer, min(LINE_MAX, settings.buffer_size),
                make_formatter(settings.timestamp, settings.fmt), clock,
                settings.buffer_size, signals, warn)
    pump.run()
    status = 0
    if not pump.finish():
        held = writer.take_held()
        warn(f"giving up on {where.current}: the {len(held)} bytes held follow on stderr")
        _write_all(2, held)
        status = 1
    try:
        writer.close()
    except OSError as exc:
        warn(f"cannot fsync {where.current}: {exc.strerror}")
        status = 1
    keeper.stop()
    stops = signals.stops
    while not keeper.wait(0.1):
        if signals.stops > stops:
            warn("stopping before compression ends; it resumes at the next start")
            break
    return status
