"""Path confinement: the one place tools decide whether a file may be touched.

Every file tool turns a user path into a real path with :func:`resolve_path`,
which refuses anything whose fully resolved location (symlinks followed, also
for the parent of a file that does not exist yet) lies outside the allowed
roots (``tools.allowed_paths``, or the working directory when that is empty).
:func:`read_bytes` and :func:`write_atomic` add size caps and refuse a symlink
in the final component at open time.

Limits (time-of-check to time-of-use): the check resolves the path once; a
process that can rename things inside a root can swap a checked directory for a
symlink before the tool uses it. Opening with ``O_NOFOLLOW`` closes that window
for the final component only; the parent directories are not re-checked
atomically (that would need ``openat2(RESOLVE_BENEATH)``). Confinement is
therefore sound against the Lua script itself, whose only way to create files
is through these tools, but not against a concurrent hostile local process with
write access to a root.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .base import ToolError, ToolSettings


def allowed_roots(settings: ToolSettings) -> list[Path]:
    """The real (symlink-resolved) roots file tools may touch; the cwd when none are set."""
    raw = settings.allowed_paths or [os.getcwd()]
    return [Path(os.path.realpath(os.path.expanduser(str(r)))) for r in raw]


def is_within(path: Path, roots: list[Path]) -> bool:
    """True when ``path`` is one of ``roots`` or below one of them (lexically)."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def resolve_path(path: str, settings: ToolSettings, *, must_exist: bool = False,
                 for_write: bool = False, follow_symlinks: bool = True) -> Path:
    """Map a user path to a real path inside the allowed roots, or raise ToolError.

    Relative paths resolve against the first root. With ``follow_symlinks=False``
    the final component is kept as is (to stat, move or delete a link itself)
    while its parent is fully resolved. ``must_exist`` raises not_found for a
    missing path; ``for_write`` refuses to replace or remove a root itself.
    """
    if not isinstance(path, str) or not path:
        raise ToolError("validation_error", "path is empty; give a file or directory path")
    if "\x00" in path:
        raise ToolError("validation_error", f"path {path!r} contains a NUL byte")
    roots = allowed_roots(settings)
    raw = Path(path) if os.path.isabs(path) else roots[0] / path
    if ".." in raw.parts and not is_within(Path(os.path.normpath(raw)), roots):
        raise ToolError("permission_denied",
                        f"path '{path}' uses '..' to leave the allowed roots ({_names(roots)})")
    if follow_symlinks or raw.name in ("", ".."):
        real = Path(os.path.realpath(raw))
    else:
        real = Path(os.path.realpath(raw.parent)) / raw.name
    if not is_within(real, roots):
        shown = "" if str(real) == path else f" (resolves to {real})"
        raise ToolError("permission_denied",
                        f"path '{path}'{shown} is outside the allowed roots ({_names(roots)}); "
                        "add its directory to tools.allowed_paths to allow it")
    if must_exist and not os.path.lexists(real):
        raise ToolError("not_found", f"no such file or directory: '{path}'")
    if for_write and real in roots:
        raise ToolError("permission_denied",
                        f"refusing to replace or remove the allowed root '{real}' itself")
    return real


def _names(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def human_size(n: int) -> str:
    """Bytes as a short human string: 512 B, 3.0 KiB, 10.0 MiB."""
    if n < 1024:
        return f"{n} B"
    size = n / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def check_size(target: Path | str | bytes | int, settings: ToolSettings, *,
               what: str = "file", limit: int | None = None) -> int:
    """Return the size of ``target`` (a path, bytes or a byte count); raise
    validation_error when it exceeds ``limit`` (default ``tools.max_file_size``)."""
    if isinstance(target, (bytes, bytearray)):
        size = len(target)
    elif isinstance(target, int):
        size = target
    else:
        size = os.stat(target).st_size
    cap = settings.max_file_size if limit is None else limit
    if size > cap:
        raise ToolError("validation_error",
                        f"{what} is {human_size(size)}, over the {human_size(cap)} limit "
                        "(tools.max_file_size)")
    return size


def open_nofollow(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` with O_NOFOLLOW|O_CLOEXEC: a symlink swapped in after the check is refused."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ToolError("permission_denied",
                            f"'{path}' is a symlink at open time; refusing to follow it") from None
        raise os_error(exc, "open", path) from None


def open_regular(path: Path):
    """Open a resolved path for binary reading; refuse a final symlink (O_NOFOLLOW),
    directories and special files (O_NONBLOCK, so a FIFO cannot block the open)."""
    import stat

    fd = open_nofollow(path, os.O_RDONLY | os.O_NONBLOCK)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ToolError("validation_error", f"'{path}' is {what}")
    return os.fdopen(fd, "rb")


def read_bytes(path: Path, settings: ToolSettings, *, limit: int | None = None) -> bytes:
    """Read a resolved regular file, refusing more than ``limit`` bytes
    (default ``tools.max_file_size``), even if the file grows while read."""
    cap = settings.max_file_size if limit is None else limit
    with open_regular(path) as handle:
        check_size(os.fstat(handle.fileno()).st_size, settings, what=f"'{path}'", limit=cap)
        data = handle.read(cap + 1)
    check_size(data, settings, what=f"'{path}'", limit=cap)
    return data


class AtomicWriter:
    """A context manager yielding a binary file that replaces ``path`` on success.

    Writes a temporary file in the same directory (with ``mode`` if given, else
    the mode of the file it replaces, else 0644 minus the umask), fsyncs it, renames it over
    ``path`` (a symlink at ``path`` is replaced, never followed) and fsyncs the
    directory. On error the temporary file is removed. ``exclusive`` refuses an
    existing ``path``.
    """

    def __init__(self, path: Path, *, exclusive: bool = False, mode: int | None = None):
        self.path, self.exclusive, self.mode = path, exclusive, mode
        self._tmp: Path | None = None

    def __enter__(self):
        import secrets
        import stat

        if self.exclusive and os.path.lexists(self.path):
            raise ToolError("validation_error",
                            f"'{self.path}' already exists; choose another name or allow overwrite")
        mode = self.mode
        try:
            old = os.lstat(self.path)
            if mode is None and stat.S_ISREG(old.st_mode):
                mode = stat.S_IMODE(old.st_mode)
        except OSError:
            pass
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(8):
            tmp = self.path.parent / f".{self.path.name[:200]}.{secrets.token_hex(6)}.tmp"
            try:
                fd = os.open(tmp, flags, 0o644)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise os_error(exc, "write", self.path) from None
        else:
            raise ToolError("execution_error",
                            f"cannot create a temporary file next to '{self.path}'")
        self._tmp = tmp
        if mode is not None:
            os.fchmod(fd, mode)
        self._file = os.fdopen(fd, "wb")
        return self._file

    def __exit__(self, exc_type, exc, tb):
        import contextlib

        tmp, self._tmp = self._tmp, None
        try:
            if exc_type is None:
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if exc_type is None:
                if self.exclusive:
                    os.link(tmp, self.path)  # fails if the name appeared meanwhile
                    os.unlink(tmp)
                else:
                    os.replace(tmp, self.path)
                tmp = None
                _fsync_dir(self.path.parent)
        except FileExistsError:
            raise ToolError("validation_error", f"'{self.path}' already exists") from None
        except OSError as err:
            raise os_error(err, "write", self.path) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        return False


def write_atomic(path: Path, data: bytes, settings: ToolSettings, *,
                 exclusive: bool = False) -> int:
    """Replace ``path`` (already resolved) with ``data`` atomically; return bytes written."""
    check_size(data, settings, what="content")
    with AtomicWriter(path, exclusive=exclusive) as handle:
        handle.write(data)
    return len(data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def os_error(exc: OSError, action: str, path: Path | str) -> ToolError:
    """Turn an OSError into a one-line ToolError of the right type."""
    reason = exc.strerror or str(exc)
    message = f"cannot {action} '{path}': {reason}"
    if isinstance(exc, FileNotFoundError):
        return ToolError("not_found", message)
    if isinstance(exc, PermissionError):
        return ToolError("permission_denied", message)
    if isinstance(exc, (FileExistsError, IsADirectoryError, NotADirectoryError)) or \
            exc.errno in (errno.ENOTEMPTY, errno.EXDEV, errno.ENAMETOOLONG):
        return ToolError("validation_error", message)
    return ToolError("execution_error", message)
