"""Reading zip and tar archives as one uniform list of members, and judging each
member's safety before anything is extracted."""

from __future__ import annotations

import posixpath
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..base import ToolError

FORMATS = ("zip", "tar", "tar.gz")
_SUFFIXES = ((".tar.gz", "tar.gz"), (".tgz", "tar.gz"), (".tar", "tar"), (".zip", "zip"))
_DRIVE = re.compile(r"^[A-Za-z]:")
_SEPARATORS = re.compile(r"[/\\]")


@dataclass
class Member:
    """One archive entry: kind is file, dir, symlink, hardlink, device, fifo or other."""

    name: str
    kind: str
    size: int
    link: str = ""
    mode: int = 0o644
    ref: Any = None

    def describe(self) -> dict:
        info = {"name": self.name, "type": self.kind, "size": self.size}
        if self.link:
            info["link"] = self.link
        reason = unsafe_reason(self)
        if reason:
            info["unsafe"] = reason
        return info


def guess_format(name: str, given: str | None) -> str:
    """The archive format: ``given``, else from the file name; validation_error if unknown."""
    if given:
        return given
    lowered = name.lower()
    for suffix, fmt in _SUFFIXES:
        if lowered.endswith(suffix):
            return fmt
    raise ToolError("validation_error",
                    f"cannot tell the archive format of '{name}'; pass format (zip, tar, tar.gz)")


def unsafe_reason(member: Member) -> str | None:
    """Why extracting ``member`` would be unsafe, or None. Checks names only;
    extraction re-checks real paths on disk."""
    if member.name == "" and member.kind == "dir":
        return None  # './' itself: the destination
    problem = _name_problem(member.name)
    if problem:
        return problem
    if member.kind in ("device", "fifo", "other"):
        return f"{member.kind} members are not extracted"
    if member.kind == "symlink":
        if not member.link or member.link.startswith("/") or _DRIVE.match(member.link):
            return f"symlink to absolute path '{member.link}'"
        target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.link))
        if target == ".." or target.startswith("../"):
            return f"symlink to '{member.link}' points outside the destination"
    if member.kind == "hardlink":
        problem = _name_problem(member.link)
        if problem:
            return f"hard link target: {problem}"
    return None


def clean_name(name: str) -> str:
    """Strip leading './' and trailing '/' ('./' itself becomes '')."""
    name = name.rstrip("/")
    while name.startswith("./"):
        name = name[2:]
    return "" if name == "." else name


def _name_problem(name: str) -> str | None:
    if not name or "\x00" in name:
        return "empty name or NUL byte in name"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return f"absolute path '{name}'"
    if ".." in _SEPARATORS.split(name):
        return f"'{name}' uses '..' to leave the destination"
    return None


class ArchiveReader:
    """An open zip or tar archive (context manager) listing :class:`Member` objects."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self._handle: Any = None

    def __enter__(self):
        import tarfile
        import zipfile

        try:
            if self.fmt == "zip":
                self._handle = zipfile.ZipFile(self.path)
            else:
                self._handle = tarfile.open(self.path, "r:gz" if self.fmt == "tar.gz" else "r:")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            message = f"'{self.path.name}' is not a readable {self.fmt} archive: {exc}"
            raise ToolError("validation_error", message) from None
        return self

    def __exit__(self, *exc_info) -> None:
        self._handle.close()

    def members(self, limit: int, deadline: float = float("inf")) -> tuple[list[Member], bool]:
        """Up to ``limit`` members in archive order, and whether more exist."""
        source = self._handle.infolist() if self.fmt == "zip" else self._tar_iter(deadline)
        found: list[Member] = []
        for info in source:
            if len(found) == limit:
                return found, True
            found.append(self._zip_member(info) if self.fmt == "zip" else _tar_member(info))
        return found, False

    def open(self, member: Member) -> IO[bytes]:
        """A binary stream of a file member's data."""
        if self.fmt == "zip":
            return self._handle.open(member.ref)
        stream = self._handle.extractfile(member.ref)
        if stream is None:
            raise ToolError("validation_error", f"member '{member.name}' has no data")
        return stream

    def _tar_iter(self, deadline: float):
        import tarfile

        try:
            for info in self._handle:
                if time.monotonic() > deadline:
                    raise ToolError("timeout", f"reading '{self.path.name}' took longer than "
                                               "tools.timeout; the archive is too large")
                yield info
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ToolError("validation_error", f"'{self.path.name}' is damaged: {exc}") from None

    def _zip_member(self, info) -> Member:
        mode = info.external_attr >> 16
        name = clean_name(info.filename)
        if info.is_dir():
            return Member(name, "dir", 0, mode=stat.S_IMODE(mode) or 0o755, ref=info)
        if stat.S_ISLNK(mode):
            with self._handle.open(info) as stream:
                link = stream.read(4096).decode("utf-8", "replace")
            return Member(name, "symlink", info.file_size, link, ref=info)
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            return Member(name, "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "other",
                          info.file_size, ref=info)
        return Member(name, "file", info.file_size, mode=stat.S_IMODE(mode) or 0o644, ref=info)


def _tar_member(info) -> Member:
    if info.isreg():
        kind = "file"
    elif info.isdir():
        kind = "dir"
    elif info.issym():
        kind = "symlink"
    elif info.islnk():
        kind = "hardlink"
    elif info.ischr() or info.isblk():
        kind = "device"
    elif info.isfifo():
        kind = "fifo"
    else:
        kind = "other"
    link = clean_name(info.linkname) if kind == "hardlink" else info.linkname
    return Member(clean_name(info.name), kind, info.size, link, info.mode, info)
