"""Creating zip and tar archives from confined sources, and gzip/gunzip of one file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..base import ToolError, ToolSettings
from ..paths import AtomicWriter, allowed_roots, check_size, human_size, open_regular, resolve_path
from .archive_extract import CHUNK, TOTAL_FACTOR
from .walk import Walk


def collect(sources: list[str], settings: ToolSettings) -> list[tuple[Path, str]]:
    """(real path, archive name) for every file and directory below ``sources``.

    Names are relative to each source's parent. Symlinks are stored as the file
    they point to when that lies inside the allowed roots (others are skipped);
    symlinked directories are not descended into.
    """
    roots = allowed_roots(settings)
    items: list[tuple[Path, str]] = []
    deadline = time.monotonic() + settings.timeout
    for source in sources:
        real = resolve_path(source, settings, must_exist=True)
        if not (real.is_dir() or real.is_file()):
            raise ToolError("validation_error", f"'{source}' is not a file or directory")
        items.append((real, real.name))
        if real.is_dir():
            walk = Walk(real, roots, include_hidden=True, deadline=deadline)
            for rel, entry in walk.entries():
                link = entry.is_symlink()
                path = Path(os.path.realpath(entry.path)) if link else Path(entry.path)
                if not (path.is_file() or (path.is_dir() and not link)):
                    continue  # fifos, sockets, devices, symlinked directories
                items.append((path, f"{real.name}/{rel}"))
            if walk.timed_out:
                raise ToolError("timeout", f"listing '{source}' took longer than tools.timeout")
    total = sum(os.stat(p).st_size for p, _ in items if p.is_file())
    check_size(total, settings, what="the files to archive",
               limit=settings.max_file_size * TOTAL_FACTOR)
    return items


def create(target: Path, fmt: str, items: list[tuple[Path, str]], overwrite: bool) -> int:
    """Write the archive atomically; return its size in bytes."""
    import tarfile
    import zipfile

    with AtomicWriter(target, exclusive=not overwrite) as out:
        if fmt == "zip":
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path, name in items:
                    if path.is_dir():
                        archive.mkdir(name)
                        continue
                    with open_regular(path) as src, \
                            archive.open(name, "w", force_zip64=True) as dst:
                        while chunk := src.read(CHUNK):
                            dst.write(chunk)
        else:
            with tarfile.open(fileobj=out, mode="w:gz" if fmt == "tar.gz" else "w") as archive:
                for path, name in items:
                    if path.is_dir():
                        archive.addfile(archive.gettarinfo(path, name))
                        continue
                    with open_regular(path) as src:
                        archive.addfile(archive.gettarinfo(arcname=name, fileobj=src), src)
    return os.stat(target).st_size


def gzip_file(source: Path, target: Path, settings: ToolSettings, overwrite: bool) -> int:
    """Compress one file; return the compressed size."""
    import gzip

    check_size(source, settings, what=f"'{source.name}'")
    with open_regular(source) as src, AtomicWriter(target, exclusive=not overwrite) as out, \
            gzip.GzipFile(filename=source.name, mode="wb", fileobj=out) as packed:
        while chunk := src.read(CHUNK):
            packed.write(chunk)
    return os.stat(target).st_size


def gunzip_file(source: Path, target: Path, settings: ToolSettings, overwrite: bool) -> int:
    """Decompress one .gz file, refusing output beyond tools.max_file_size; return its size."""
    import gzip
    import zlib

    written, cap = 0, settings.max_file_size
    try:
        with open_regular(source) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as src, \
                AtomicWriter(target, exclusive=not overwrite) as out:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > cap:
                    raise ToolError("validation_error",
                                    f"'{source.name}' expands beyond {human_size(cap)} "
                                    "(tools.max_file_size); not decompressed")
                out.write(chunk)
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise ToolError("validation_error",
                        f"'{source.name}' is not valid gzip data: {exc}") from None
    return written
