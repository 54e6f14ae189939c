"""file-operations: read, write, copy, move, delete, list and inspect files inside
the allowed roots. Every path goes through :func:`llmspell.tools.paths.resolve_path`."""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from ..base import Example, ToolContext, ToolError, tool
from ..paths import check_size, open_nofollow, os_error, read_bytes, resolve_path, write_atomic
from . import manage
from .codec import decode_text, encode_text
from .entries import describe, kind, list_dir

OPERATIONS = ("read", "write", "delete", "copy", "move", "mkdir", "list", "stat", "exists")

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": list(OPERATIONS)},
        "path": {"type": "string", "minLength": 1,
                 "description": "file or directory; relative paths start at the first "
                                "allowed root"},
        "content": {"type": "string",
                    "description": "write: text, or base64 when encoding='base64'"},
        "encoding": {"type": "string", "default": "utf-8", "minLength": 1,
                     "description": "read/write: a text encoding, or 'base64' for binary data"},
        "mode": {"type": "string", "enum": ["overwrite", "create", "append"],
                 "default": "overwrite",
                 "description": "write: replace atomically, create only if absent, or append"},
        "destination": {"type": "string", "minLength": 1, "description": "copy/move: target path"},
        "overwrite": {"type": "boolean", "default": False,
                      "description": "copy/move: replace an existing destination file"},
        "recursive": {"type": "boolean", "default": False,
                      "description": "delete: remove a non-empty directory and its contents"},
        "parents": {"type": "boolean", "default": True,
                    "description": "mkdir: create missing parent directories"},
        "max_entries": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000,
                        "description": "list: most entries returned"},
    },
    "required": ["operation", "path"],
    "additionalProperties": False,
}


@tool("file-operations", category="filesystem", security_level="restricted", schema=SCHEMA,
      description="Read, write (atomic), append, copy, move, delete, mkdir, list, stat and "
                  "test files confined to the allowed roots, with size caps.",
      examples=[
          Example({"operation": "exists", "path": "."}, "Is the working root there?",
                  expect={"result": True, "type": "dir"}),
          Example({"operation": "list", "path": ".", "max_entries": 5},
                  "First entries of the working root"),
          Example({"operation": "write", "path": "notes.txt", "content": "hello\n"},
                  "Replace notes.txt atomically", run=False),
      ])
def file_operations(params: dict, ctx: ToolContext) -> dict:
    """Dispatch one file operation."""
    return _HANDLERS[params["operation"]](params, ctx)


def _read(params: dict, ctx: ToolContext) -> dict:
    path = resolve_path(params["path"], ctx.settings, must_exist=True)
    data = read_bytes(path, ctx.settings)
    encoding = params["encoding"]
    if encoding == "base64":
        text = base64.b64encode(data).decode("ascii")
    else:
        text = decode_text(data, encoding, f"'{params['path']}' (use encoding='base64' for binary)")
    return {"result": text, "path": str(path), "size": len(data), "encoding": encoding}


def _write(params: dict, ctx: ToolContext) -> dict:
    if "content" not in params:
        raise ToolError("validation_error", "operation 'write' needs 'content'")
    data = _encode(params["content"], params["encoding"])
    path = resolve_path(params["path"], ctx.settings, for_write=True)
    if not path.parent.is_dir():
        raise ToolError("not_found", f"the directory of '{params['path']}' does not exist; "
                                     "create it first with operation='mkdir'")
    existed = os.path.lexists(path)
    if params["mode"] == "append":
        size = _append(path, data, ctx)
    else:
        size = write_atomic(path, data, ctx.settings, exclusive=params["mode"] == "create")
    return {"result": True, "path": str(path), "bytes_written": len(data), "size": size,
            "created": not existed}


def _append(path: Path, data: bytes, ctx: ToolContext) -> int:
    """Append in place (not atomic); the resulting file must stay within the size cap."""
    fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK)
    with os.fdopen(fd, "ab") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ToolError("validation_error", f"'{path}' is not a regular file")
        current = info.st_size
        check_size(current + len(data), ctx.settings, what="file after append")
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return current + len(data)


def _encode(content: str, encoding: str) -> bytes:
    if encoding != "base64":
        return encode_text(content, encoding)
    try:
        return base64.b64decode(content, validate=True)
    except binascii.Error as exc:
        raise ToolError("validation_error", f"content is not valid base64: {exc}") from None


def _list(params: dict, ctx: ToolContext) -> dict:
    path = resolve_path(params["path"], ctx.settings, must_exist=True)
    if not path.is_dir():
        raise ToolError("validation_error", f"'{params['path']}' is not a directory")
    try:
        entries, truncated = list_dir(path, params["max_entries"])
    except OSError as exc:
        raise os_error(exc, "list", path) from None
    return {"result": entries, "path": str(path), "count": len(entries), "truncated": truncated}


def _stat(params: dict, ctx: ToolContext) -> dict:
    path = resolve_path(params["path"], ctx.settings, must_exist=True, follow_symlinks=False)
    info = describe(path)
    if info["type"] == "symlink":
        info["target"] = os.readlink(path)
    return {**info, "path": str(path)}


def _exists(params: dict, ctx: ToolContext) -> dict:
    path = resolve_path(params["path"], ctx.settings, follow_symlinks=False)
    try:
        found = kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        found = None
    return {"result": found is not None, "type": found, "path": str(path)}


_HANDLERS = {
    "read": _read, "write": _write, "list": _list, "stat": _stat, "exists": _exists,
    "delete": manage.delete, "copy": manage.copy, "move": manage.move, "mkdir": manage.mkdir,
}
