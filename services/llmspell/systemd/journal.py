"""Logging for services: structured journald entries, or compact stderr lines.

``setup_logging()`` sends records to journald (``SYSLOG_IDENTIFIER``,
``PRIORITY``, ``LOGGER``, ``CODE_*`` and your extra fields such as
``KERNEL_PORT``) when stderr is the journal stream systemd gave us
(``JOURNAL_STREAM``); otherwise it logs compact lines to stderr.  Per-record
fields travel in ``extra={"journal_fields": {...}}``; ``lifecycle()`` tags the
service's milestones with stable ``MESSAGE_ID``s (``journalctl MESSAGE_ID=...``).

Entries are sent with ``systemd._journal.sendv``, the backend of
``systemd.journal.send`` (same bytes, ~2 ms import instead of ~50 ms).  Without
systemd-python, journal mode falls back to stderr lines with ``<N>`` priority
prefixes, which journald parses.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping

MESSAGE_IDS = {
    "started": "8b93d622a19f4e3d99dcac1e76a03b24",
    "ready": "f0c2ac2c9b6a49c493a78e93cc3233f2",
    "reload": "95a3fa50fa30425cafbde522215f82b0",
    "shutdown": "260c81b1a74242ac95910c05ea4c4346",
    "crash": "436d5462d9d942e99b277d9dab0a967f",
}
FIELDS_ATTR = "journal_fields"
STDERR_FORMAT = "%(asctime)s %(levelname).1s %(name)s[%(process)d]: %(message)s"
_FIELD_NAME = re.compile(r"[A-Z0-9][A-Z0-9_]{0,63}")


def priority(levelno: int) -> int:
    """Map a logging level to a syslog priority (2 crit ... 7 debug)."""
    for floor, prio in ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4)):
        if levelno >= floor:
            return prio
    return 6 if levelno >= logging.INFO else 7


def journal_stream_matches(environ: Mapping[str, str] | None = None, fd: int = 2) -> bool:
    """True when *fd* is the stream systemd connected to journald (JOURNAL_STREAM)."""
    env = os.environ if environ is None else environ
    try:
        dev, ino = (int(part) for part in env.get("JOURNAL_STREAM", "").split(":"))
        st = os.fstat(fd)
    except (ValueError, OSError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def _field_pairs(fields: Mapping[str, object]) -> list[str]:
    for name in fields:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"invalid journal field name {name!r}")
    return [f"{name}={value}" for name, value in fields.items()]


class JournalHandler(logging.Handler):
    """Send each record to journald as one structured entry."""

    def __init__(self, identifier: str, fields: Mapping[str, object] | None = None, sendv=None):
        super().__init__()
        if sendv is None:
            from systemd._journal import sendv
        self._sendv = sendv
        self._common = [f"SYSLOG_IDENTIFIER={identifier}", *_field_pairs(fields or {})]

    def emit(self, record: logging.LogRecord) -> None:
        try:
            pairs = [
                "MESSAGE=" + self.format(record),
                f"PRIORITY={priority(record.levelno)}",
                f"LOGGER={record.name}",
                f"CODE_FILE={record.pathname}",
                f"CODE_LINE={record.lineno}",
                f"CODE_FUNC={record.funcName}",
                *self._common,
                *_field_pairs(getattr(record, FIELDS_ATTR, None) or {}),
            ]
            self._sendv(*pairs)
        except Exception:  # noqa: BLE001 - logging's contract: report, never raise
            self.handleError(record)


class _PriorityPrefix(logging.Formatter):
    """Prefix ``<N>`` so journald reads the priority from a plain stream."""

    def format(self, record: logging.LogRecord) -> str:
        return f"<{priority(record.levelno)}>{super().format(record)}"


def setup_logging(
    identifier: str,
    level: int | str = logging.INFO,
    fields: Mapping[str, object] | None = None,
    logger: logging.Logger | None = None,
) -> logging.Handler:
    """Install the journald or stderr handler on *logger* (default: root).

    *fields* (upper-case names, e.g. ``{"KERNEL_PORT": 59000}``) go with every
    journald entry.  Calling it again replaces the handler it installed.
    """
    target = logging.getLogger() if logger is None else logger
    _field_pairs(fields or {})  # validate names in every mode
    handler: logging.Handler | None = None
    if journal_stream_matches():
        try:
            handler = JournalHandler(identifier, fields)
        except ImportError:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(_PriorityPrefix("%(name)s: %(message)s"))
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(STDERR_FORMAT))
    handler.llmspell_systemd = True  # type: ignore[attr-defined]
    for old in [h for h in target.handlers if getattr(h, "llmspell_systemd", False)]:
        target.removeHandler(old)
    target.addHandler(handler)
    target.setLevel(level)
    return handler


def lifecycle(
    event: str,
    message: str,
    *args: object,
    logger: logging.Logger | None = None,
    exc_info: bool = False,
    **fields: object,
) -> None:
    """Log a lifecycle *event* (a key of MESSAGE_IDS) with its MESSAGE_ID.

    ``crash`` logs at CRITICAL, the rest at INFO; *fields* become journal fields.
    """
    try:
        message_id = MESSAGE_IDS[event]
    except KeyError:
        raise ValueError(f"unknown lifecycle event {event!r}") from None
    level = logging.CRITICAL if event == "crash" else logging.INFO
    extra = {FIELDS_ATTR: {"MESSAGE_ID": message_id, "LLMSPELL_EVENT": event, **fields}}
    (logger or logging.getLogger("llmspell")).log(
        level, message, *args, exc_info=exc_info, extra=extra, stacklevel=2
    )
