"""Which rotated files to delete.

Rule: keep the newest ``keep`` rotated files; also delete any whose rotation
time (from its name) is older than ``keep * max_age``. ``keep = 0`` keeps all.
A file and its compressed form count as one.
"""

from __future__ import annotations

import os

from .layout import Layout, stamp_us


def expired(stamps: list[str], keep: int, max_age: float, now: float) -> list[str]:
    """The stamps (of ``stamps``) that the rule above deletes, oldest first."""
    if keep <= 0:
        return []
    ordered = sorted(stamps)
    doomed = ordered[:-keep]
    if max_age > 0:
        horizon_us = (now - keep * max_age) * 1_000_000
        doomed += [s for s in ordered[-keep:] if stamp_us(s) < horizon_us]
    return doomed


def apply(where: Layout, keep: int, max_age: float, now: float) -> list[str]:
    """Delete the expired rotated files in ``where``; return the paths deleted."""
    found = where.scan()
    deleted = []
    for stamp_text in expired(list(found), keep, max_age, now):
        for suffix in sorted(found[stamp_text]):
            path = where.rotated(stamp_text, suffix)
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            deleted.append(path)
    return deleted
