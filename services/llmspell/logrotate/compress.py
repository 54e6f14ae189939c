"""Crash-safe gzip of a rotated file, and repair of what a crash left behind.

``X`` is compressed to ``X.gz.tmp``, which is fsynced and renamed to ``X.gz``;
only then is ``X`` unlinked. At every instant a complete copy exists under a
final name, so killing the rotator mid-compression loses nothing.
"""

from __future__ import annotations

import os

from .layout import GZ, GZ_TMP, PLAIN, Layout, sync_directory

LEVEL = 6
BLOCK = 1 << 20


def gzip_file(path: str, level: int = LEVEL) -> str:
    """Replace ``path`` by ``path.gz`` (see module doc); return the new path."""
    import gzip

    tmp, final = path + ".gz.tmp", path + ".gz"
    try:
        with open(path, "rb") as src:
            st = os.fstat(src.fileno())
            with open(tmp, "wb") as raw:
                os.fchmod(raw.fileno(), st.st_mode & 0o777)
                with gzip.GzipFile(os.path.basename(path), "wb", level, raw,
                                   mtime=int(st.st_mtime)) as gz:
                    while block := src.read(BLOCK):
                        gz.write(block)
                raw.flush()
                os.fsync(raw.fileno())
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.rename(tmp, final)
    except BaseException:
        _unlink(tmp)
        raise
    sync_directory(os.path.dirname(path) or ".")
    os.unlink(path)
    return final


def repair(where: Layout) -> list[str]:
    """Remove leftovers of an interrupted compression; return uncompressed rotated files.

    ``X.gz.tmp`` is always incomplete (``X`` still exists): removed. ``X`` next
    to ``X.gz`` means the crash came between rename and unlink: ``X`` removed.
    """
    plain = []
    for stamp_text, suffixes in sorted(where.scan().items()):
        if GZ_TMP in suffixes:
            _unlink(where.rotated(stamp_text, GZ_TMP))
        if PLAIN in suffixes:
            if GZ in suffixes:
                _unlink(where.rotated(stamp_text, PLAIN))
            else:
                plain.append(where.rotated(stamp_text, PLAIN))
    return plain


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
