"""file-watcher: snapshot a directory, diff two snapshots, or wait (bounded) for a change.

Snapshots are plain data returned to the script, which passes one back later:
``{"root": ..., "entries": {relative path: {type, size, mtime, sha256?}}}``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..base import Example, ToolContext, ToolError, tool
from ..paths import allowed_roots, open_regular, resolve_path
from .entries import kind
from .walk import Walk

POLL_SECONDS = 0.1
HASH_LIMIT = 1024 * 1024  # files up to this size also get a sha256

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": ["snapshot", "diff", "wait"],
                      "default": "snapshot"},
        "path": {"type": "string", "minLength": 1, "default": ".",
                 "description": "directory (or file) to watch"},
        "snapshot": {"type": "object", "required": ["root", "entries"],
                     "properties": {"root": {"type": "string"},
                                    "entries": {"type": ["object", "array"]}},
                     "description": "diff/wait: a snapshot returned earlier by this tool"},
        "recursive": {"type": "boolean", "default": True},
        "include_hidden": {"type": "boolean", "default": False},
        "max_entries": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 10000},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "default": 5,
                    "description": "wait: seconds to wait (never above tools.timeout)"},
    },
    "required": [],
    "additionalProperties": False,
}


@tool("file-watcher", category="filesystem", security_level="restricted", schema=SCHEMA,
      description="Snapshot a directory (size, mtime, sha256 of small files), diff against an "
                  "earlier snapshot (created/modified/deleted), or wait for a change with a "
                  "bounded timeout.",
      examples=[
          Example({"operation": "snapshot", "path": ".", "recursive": False, "max_entries": 50},
                  "Snapshot the top of the working root"),
          Example({"operation": "wait", "path": "inbox", "timeout": 10},
                  "Wait up to 10 s for a change in ./inbox", run=False),
      ])
def file_watcher(params: dict, ctx: ToolContext) -> dict:
    """Snapshot, diff or wait, as ``operation`` says."""
    path = resolve_path(params["path"], ctx.settings, must_exist=True)
    op = params["operation"]
    if op == "snapshot":
        return snapshot(path, params, ctx)
    if op == "diff":
        before = _given(params, path)
        return diff(before, snapshot(path, params, ctx))
    return _wait(path, params, ctx)


def snapshot(path: Path, params: dict, ctx: ToolContext) -> dict:
    """Describe every entry below ``path`` (or the file itself)."""
    entries: dict[str, dict] = {}
    truncated = False
    if path.is_dir():
        walk = Walk(path, allowed_roots(ctx.settings), params["recursive"],
                    params["include_hidden"], deadline=time.monotonic() + ctx.settings.timeout)
        for rel, entry in walk.entries():
            if len(entries) == params["max_entries"]:
                truncated = True
                break
            try:
                entries[rel] = _describe(Path(entry.path), entry.stat(follow_symlinks=False))
            except FileNotFoundError:
                continue
        truncated = truncated or walk.timed_out
    else:
        entries[path.name] = _describe(path, os.lstat(path))
    return {"root": str(path), "entries": entries, "count": len(entries),
            "truncated": truncated, "taken_at": round(time.time(), 6)}


def diff(before: dict, after: dict) -> dict:
    """created/modified/deleted paths between two snapshots, plus the newer snapshot."""
    old, new = before["entries"] or {}, after["entries"]
    created = sorted(set(new) - set(old))
    deleted = sorted(set(old) - set(new))
    modified = sorted(p for p in set(old) & set(new) if _changed(old[p], new[p]))
    return {"changed": bool(created or deleted or modified), "created": created,
            "modified": modified, "deleted": deleted, "snapshot": after}


def _wait(path: Path, params: dict, ctx: ToolContext) -> dict:
    before = _given(params, path) if "snapshot" in params else snapshot(path, params, ctx)
    limit = min(params["timeout"], ctx.settings.timeout)
    deadline = time.monotonic() + limit
    while True:
        result = diff(before, snapshot(path, params, ctx))
        remaining = deadline - time.monotonic()
        if result["changed"] or remaining <= 0:
            return {**result, "timed_out": not result["changed"]}
        time.sleep(min(POLL_SECONDS, remaining))


def _given(params: dict, path: Path) -> dict:
    if "snapshot" not in params:
        raise ToolError("validation_error", "operation 'diff' needs 'snapshot' (from a "
                                            "previous operation='snapshot' call)")
    given = params["snapshot"]
    if given["root"] != str(path):
        raise ToolError("validation_error", f"the snapshot is of '{given['root']}', not "
                                            f"'{path}'; take a new one")
    if isinstance(given["entries"], list) and given["entries"]:
        raise ToolError("validation_error", "snapshot 'entries' must be a table of paths")
    return given


def _describe(path: Path, info: os.stat_result) -> dict:
    found = {"type": kind(info.st_mode), "size": info.st_size, "mtime": round(info.st_mtime, 6)}
    if found["type"] == "file" and info.st_size <= HASH_LIMIT:
        digest = _sha256(path)
        if digest:
            found["sha256"] = digest
    return found


def _sha256(path: Path) -> str | None:
    import hashlib

    try:
        with open_regular(path) as handle:
            return hashlib.sha256(handle.read(HASH_LIMIT + 1)).hexdigest()
    except (ToolError, OSError):
        return None


def _changed(old: dict, new: dict) -> bool:
    """A directory changes only by type (its own mtime just mirrors created/deleted)."""
    if not isinstance(old, dict):
        return True
    keys = ("type",) if new["type"] == "dir" else ("type", "size", "mtime", "sha256")
    return any(old.get(k) != new.get(k) for k in keys)
