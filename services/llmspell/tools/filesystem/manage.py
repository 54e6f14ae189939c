"""Copy, move, delete and mkdir for file-operations, all confined by resolve_path."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..base import ToolContext, ToolError
from ..paths import check_size, os_error, read_bytes, resolve_path, write_atomic


def copy(params: dict, ctx: ToolContext) -> dict:
    """Copy a file (atomically) or a directory tree (symlinks copied as links, never followed)."""
    import shutil

    source = resolve_path(params["path"], ctx.settings, must_exist=True)
    target = _destination(params, ctx)
    if source.is_dir():
        if os.path.lexists(target):
            raise ToolError("validation_error",
                            f"destination '{params['destination']}' exists; copy a directory "
                            "to a new path")
        _refuse_into_itself(source, target)
        size = check_size(_tree_size(source), ctx.settings, what=f"directory '{params['path']}'")
        try:
            shutil.copytree(source, target, symlinks=True)
        except (OSError, shutil.Error) as exc:
            raise ToolError("execution_error", f"cannot copy '{params['path']}': {exc}") from None
    else:
        size = write_atomic(target, read_bytes(source, ctx.settings), ctx.settings)
    return {"result": True, "path": str(target), "source": str(source), "size": size}


def move(params: dict, ctx: ToolContext) -> dict:
    """Rename a file, link or directory (the link itself, not its target)."""
    import shutil

    source = resolve_path(params["path"], ctx.settings, must_exist=True, for_write=True,
                          follow_symlinks=False)
    target = _destination(params, ctx, follow_symlinks=False)
    if source.is_dir() and not source.is_symlink():
        _refuse_into_itself(source, target)
    try:
        if os.path.lexists(target) and target.is_dir() and not target.is_symlink():
            raise ToolError("validation_error",
                            f"destination '{params['destination']}' is an existing directory; "
                            "give the full new path")
        try:
            os.replace(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:  # another file system: copy then delete
                raise
            shutil.move(source, target)
    except OSError as exc:
        raise os_error(exc, "move", params["path"]) from None
    return {"result": True, "path": str(target), "source": str(source)}


def delete(params: dict, ctx: ToolContext) -> dict:
    """Remove a file or link; a directory only when empty or with recursive=true."""
    import shutil

    path = resolve_path(params["path"], ctx.settings, must_exist=True, for_write=True,
                        follow_symlinks=False)
    is_dir = path.is_dir() and not path.is_symlink()
    try:
        if is_dir and params["recursive"]:
            shutil.rmtree(path)  # fd-based on Linux: does not follow symlinks inside
        elif is_dir:
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError as exc:
        if is_dir and exc.errno == errno.ENOTEMPTY:
            raise ToolError("validation_error", f"directory '{params['path']}' is not empty; "
                                                "pass recursive=true to delete it all") from None
        raise os_error(exc, "delete", params["path"]) from None
    return {"result": True, "path": str(path), "type": "dir" if is_dir else "file"}


def mkdir(params: dict, ctx: ToolContext) -> dict:
    """Create a directory (and its parents unless parents=false); fine if it exists."""
    path = resolve_path(params["path"], ctx.settings)
    existed = path.is_dir()
    try:
        path.mkdir(parents=params["parents"], exist_ok=True)
    except OSError as exc:
        raise os_error(exc, "create directory", params["path"]) from None
    return {"result": True, "path": str(path), "created": not existed}


def _destination(params: dict, ctx: ToolContext, *, follow_symlinks: bool = True) -> Path:
    if "destination" not in params:
        raise ToolError("validation_error",
                        f"operation '{params['operation']}' needs 'destination'")
    target = resolve_path(params["destination"], ctx.settings, for_write=True,
                          follow_symlinks=follow_symlinks)
    if os.path.lexists(target) and not params["overwrite"]:
        raise ToolError("validation_error", f"destination '{params['destination']}' exists; "
                                            "pass overwrite=true to replace it")
    if not target.parent.is_dir():
        raise ToolError("not_found", f"the directory of '{params['destination']}' does not exist")
    return target


def _refuse_into_itself(source: Path, target: Path) -> None:
    if target == source or target.is_relative_to(source):
        raise ToolError("validation_error", f"cannot put directory '{source}' inside itself")


def _tree_size(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                continue
    return total
