"""Describing directory entries the same way for every filesystem tool."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def kind(mode: int) -> str:
    """'file', 'dir', 'symlink' or 'other' for an ``lstat`` mode."""
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "other"


def describe(path: Path, info: os.stat_result | None = None) -> dict:
    """name, type, size, mtime (epoch seconds) and mode (octal string) of ``path``,
    not following a final symlink."""
    info = info or os.lstat(path)
    return {
        "name": path.name,
        "type": kind(info.st_mode),
        "size": info.st_size,
        "mtime": round(info.st_mtime, 6),
        "mode": oct(stat.S_IMODE(info.st_mode)),
    }


def list_dir(directory: Path, max_entries: int) -> tuple[list[dict], bool]:
    """Entries of ``directory`` sorted by name, at most ``max_entries``; and whether truncated."""
    entries = []
    with os.scandir(directory) as it:
        names = sorted(it, key=lambda e: e.name)
    for entry in names[:max_entries]:
        try:
            entries.append(describe(Path(entry.path), entry.stat(follow_symlinks=False)))
        except FileNotFoundError:  # removed while listing
            continue
    return entries, len(names) > max_entries
