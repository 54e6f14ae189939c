"""Confined directory walking shared by file-search and file-watcher.

Symlinked directories are never descended into (no loops, no escapes);
symlinks whose target lies outside the allowed roots are skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import is_within


@dataclass
class Walk:
    """One bounded walk below ``base``; counters tell the caller what was left out."""

    base: Path
    roots: list[Path]
    recursive: bool = True
    include_hidden: bool = False
    deadline: float = float("inf")
    skipped_outside: int = 0
    timed_out: bool = False
    errors: list[str] = field(default_factory=list)

    def entries(self) -> Iterator[tuple[str, os.DirEntry]]:
        """Yield (relative posix path, DirEntry): a directory's entries in name order,
        then its subdirectories' (depth first)."""
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            subdirs = []
            for entry in self._scan(rel_dir):
                if time.monotonic() > self.deadline:
                    self.timed_out = True
                    return
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if entry.is_symlink():
                    if not is_within(Path(os.path.realpath(entry.path)), self.roots):
                        self.skipped_outside += 1
                        continue
                elif self.recursive and entry.is_dir(follow_symlinks=False):
                    subdirs.append(rel)
                yield rel, entry
            stack.extend(reversed(subdirs))

    def _scan(self, rel_dir: str) -> list[os.DirEntry]:
        try:
            with os.scandir(self.base / rel_dir if rel_dir else self.base) as it:
                found = [e for e in it if self.include_hidden or not e.name.startswith(".")]
        except OSError as exc:
            if len(self.errors) < 20:
                self.errors.append(f"{rel_dir or '.'}: {exc.strerror}")
            return []
        return sorted(found, key=lambda e: e.name)
