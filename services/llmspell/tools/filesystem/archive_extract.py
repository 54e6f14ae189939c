"""Safe archive extraction: refuse the whole archive when any member is unsafe,
then write members with real-path checks and byte budgets (zip bombs).

Order: directories and files first, then hard links (written as copies of an
already-extracted file), then symlinks, so no file is ever written through a
link that came from the archive. Every target's parent is resolved on disk and
must stay inside the destination.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..base import ToolError, ToolSettings
from ..paths import AtomicWriter, human_size, is_within, read_bytes
from .archive_read import ArchiveReader, Member, unsafe_reason

TOTAL_FACTOR = 10  # an extraction may write up to 10 x tools.max_file_size in all
CHUNK = 64 * 1024


class Budget:
    """Bytes an extraction may still write: per member and in total."""

    def __init__(self, settings: ToolSettings):
        self.per_member = settings.max_file_size
        self.total = settings.max_file_size * TOTAL_FACTOR
        self.used = 0

    def check_declared(self, members: list[Member]) -> None:
        """Refuse before writing anything when declared sizes exceed the caps."""
        for member in members:
            if member.kind == "file" and member.size > self.per_member:
                raise self._error(f"member '{member.name}' is {human_size(member.size)}, over "
                                  f"the {human_size(self.per_member)} per-file limit")
        declared = sum(m.size for m in members if m.kind == "file")
        if declared > self.total:
            raise self._error(f"archive expands to {human_size(declared)}, over the "
                              f"{human_size(self.total)} extraction limit")

    def spend(self, name: str, member_bytes: int, chunk: int) -> None:
        """Count ``chunk`` more bytes of member ``name`` (``member_bytes`` so far, included)."""
        self.used += chunk
        if member_bytes > self.per_member or self.used > self.total:
            raise self._error(f"member '{name}' expands beyond its declared size and the "
                              "limits (zip bomb?); extraction stopped, files written so far remain")

    @staticmethod
    def _error(message: str) -> ToolError:
        return ToolError("validation_error", message + " (tools.max_file_size)")


def extract(reader: ArchiveReader, members: list[Member], dest: Path,
            settings: ToolSettings, overwrite: bool) -> dict:
    """Extract ``members`` of an open archive into the real directory ``dest``."""
    for member in members:
        reason = unsafe_reason(member)
        if reason:
            raise ToolError("permission_denied", f"refusing to extract '{reader.path.name}': "
                                                 f"member '{member.name}': {reason}")
    budget = Budget(settings)
    budget.check_declared(members)
    counts = {"file": 0, "dir": 0, "hardlink": 0, "symlink": 0}
    ordered = ([m for m in members if m.kind in ("dir", "file")]
               + [m for m in members if m.kind == "hardlink"]
               + [m for m in members if m.kind == "symlink"])
    for member in ordered:
        if member.kind == "dir" and not member.name:
            continue
        target = _target(dest, member.name)
        if member.kind == "dir":
            _make_dir(target, dest)
        else:
            _make_dir(target.parent, dest)
            _refuse_existing(target, member, overwrite)
            if member.kind == "file":
                _write_file(reader, member, target, budget)
            elif member.kind == "hardlink":
                _copy_link(member, target, dest, budget, settings)
            else:
                _make_symlink(member, target, dest)
        counts[member.kind] += 1
    return {"destination": str(dest), "files": counts["file"] + counts["hardlink"],
            "dirs": counts["dir"], "symlinks": counts["symlink"], "bytes": budget.used}


def _target(dest: Path, name: str) -> Path:
    """Where ``name`` lands, with its parent resolved on disk (must stay in ``dest``)."""
    lexical = dest / name
    parent = Path(os.path.realpath(lexical.parent))
    if not is_within(parent, [dest]):
        raise ToolError("permission_denied",
                        f"member '{name}' would be written through a link leaving the destination")
    return parent / lexical.name


def _make_dir(path: Path, dest: Path) -> None:
    if not is_within(Path(os.path.realpath(path)), [dest]):
        raise ToolError("permission_denied", f"'{path}' is a link leaving the destination")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ToolError("validation_error", f"'{path}' exists and is not a directory") from None


def _refuse_existing(target: Path, member: Member, overwrite: bool) -> None:
    if not os.path.lexists(target):
        return
    if not overwrite:
        raise ToolError("validation_error", f"member '{member.name}' would overwrite '{target}'; "
                                            "pass overwrite=true or extract elsewhere")
    if target.is_dir() and not target.is_symlink():
        raise ToolError("validation_error", f"member '{member.name}' would replace directory "
                                            f"'{target}'")
    if member.kind == "symlink":
        target.unlink()


def _write_file(reader: ArchiveReader, member: Member, target: Path, budget: Budget) -> None:
    import tarfile
    import zipfile
    import zlib

    written = 0
    try:
        with reader.open(member) as stream, \
                AtomicWriter(target, mode=(member.mode & 0o755) | 0o600) as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                budget.spend(member.name, written, len(chunk))
                out.write(chunk)
    except (RuntimeError, zipfile.BadZipFile, zlib.error, tarfile.TarError, EOFError) as exc:
        raise ToolError("validation_error", f"cannot read member '{member.name}' of "
                                            f"'{reader.path.name}': {exc}") from None


def _copy_link(member: Member, target: Path, dest: Path, budget: Budget,
               settings: ToolSettings) -> None:
    source = Path(os.path.realpath(dest / member.link))
    if not is_within(source, [dest]) or not source.is_file():
        raise ToolError("permission_denied", f"hard link '{member.name}' must point to a file "
                                             "extracted from the same archive")
    data = read_bytes(source, settings)
    budget.spend(member.name, len(data), len(data))
    with AtomicWriter(target, mode=0o644) as out:
        out.write(data)


def _make_symlink(member: Member, target: Path, dest: Path) -> None:
    pointed = Path(os.path.realpath(target.parent / member.link))
    if not is_within(pointed, [dest]):
        raise ToolError("permission_denied", f"symlink '{member.name}' -> '{member.link}' "
                                             "resolves outside the destination")
    os.symlink(member.link, target)
