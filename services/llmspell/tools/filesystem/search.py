"""file-search: find files by glob and grep their contents by regex, inside the allowed roots."""

from __future__ import annotations

import fnmatch
import os
import time
from pathlib import Path

from ..base import Example, ToolContext, ToolError, tool
from ..paths import allowed_roots, open_regular, resolve_path
from .walk import Walk

MAX_LINE_CHARS = 500
BINARY_SNIFF = 8192

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": ["find", "grep"], "default": "find"},
        "path": {"type": "string", "minLength": 1, "default": ".",
                 "description": "directory to search below"},
        "pattern": {"type": "string", "minLength": 1, "default": "*",
                    "description": "glob on the file name, or on the relative path when it "
                                   "contains '/' ('*' then also matches '/')"},
        "regex": {"type": "string", "minLength": 1, "description": "grep: Python regex"},
        "ignore_case": {"type": "boolean", "default": False},
        "recursive": {"type": "boolean", "default": True},
        "include_hidden": {"type": "boolean", "default": False,
                           "description": "also visit names starting with '.'"},
        "max_results": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
        "max_bytes_per_file": {"type": "integer", "minimum": 1, "default": 1024 * 1024,
                               "description": "grep: bytes read from each file "
                                              "(never above tools.max_file_size)"},
    },
    "required": [],
    "additionalProperties": False,
}


@tool("file-search", category="filesystem", security_level="restricted", schema=SCHEMA,
      description="Find files by glob (recursive) and grep file contents by regex with line "
                  "numbers, skipping binary files and symlinks that leave the allowed roots.",
      examples=[
          Example({"operation": "find", "path": ".", "pattern": "*", "recursive": False,
                   "max_results": 5}, "A few entries of the working root"),
          Example({"operation": "grep", "path": ".", "pattern": "*.lua", "regex": r"Tool\.invoke",
                   "max_results": 20}, "Lines calling tools in Lua scripts", run=False),
      ])
def file_search(params: dict, ctx: ToolContext) -> dict:
    """Run a find or grep below ``path``."""
    base = resolve_path(params["path"], ctx.settings, must_exist=True)
    if not base.is_dir():
        raise ToolError("validation_error", f"'{params['path']}' is not a directory")
    walk = Walk(base, allowed_roots(ctx.settings), params["recursive"], params["include_hidden"],
                deadline=time.monotonic() + ctx.settings.timeout)
    if params["operation"] == "grep":
        result = _grep(walk, params, ctx)
    else:
        result = _find(walk, params)
    result.update(path=str(base), skipped_outside=walk.skipped_outside,
                  timed_out=walk.timed_out, errors=walk.errors)
    result["truncated"] = result["truncated"] or walk.timed_out
    return result


def _matcher(pattern: str):
    if "/" in pattern:
        return lambda rel: fnmatch.fnmatchcase(rel, pattern)
    return lambda rel: fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern)


def _find(walk: Walk, params: dict) -> dict:
    matches = _matcher(params["pattern"])
    found, limit, truncated = [], params["max_results"], False
    for rel, entry in walk.entries():
        if not matches(rel):
            continue
        if len(found) == limit:
            truncated = True
            break
        info = entry.stat(follow_symlinks=False)
        kind = "symlink" if entry.is_symlink() else "dir" if entry.is_dir() else "file"
        found.append({"path": rel, "type": kind, "size": info.st_size})
    return {"result": found, "count": len(found), "truncated": truncated}


def _grep(walk: Walk, params: dict, ctx: ToolContext) -> dict:
    """Regex search with the ``regex`` package, whose per-search timeout stops
    catastrophic backtracking (``re`` cannot be interrupted)."""
    import regex as re_engine

    if "regex" not in params:
        raise ToolError("validation_error", "operation 'grep' needs 'regex'")
    try:
        pattern = re_engine.compile(params["regex"],
                                    re_engine.IGNORECASE if params["ignore_case"] else 0)
    except re_engine.error as exc:
        raise ToolError("validation_error", f"bad regex {params['regex']!r}: {exc}") from None
    matches = _matcher(params["pattern"])
    cap = min(params["max_bytes_per_file"], ctx.settings.max_file_size)
    hits, limit, truncated = [], params["max_results"], False
    scanned = binary = cut = 0
    for rel, entry in walk.entries():
        if not matches(rel) or not entry.is_file():  # is_file follows in-root symlinks
            continue
        data = _head(Path(os.path.realpath(entry.path)), cap + 1)
        if data is None:
            continue
        if b"\x00" in data[:BINARY_SNIFF]:
            binary += 1
            continue
        scanned += 1
        if len(data) > cap:
            cut, data = cut + 1, data[:cap]
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            found = _search(pattern, line, walk.deadline)
            if found is None:
                continue
            if len(hits) == limit:
                truncated = True
                break
            hits.append({"path": rel, "line": number, "column": found.start() + 1,
                         "text": line[:MAX_LINE_CHARS]})
        if truncated:
            break
        if time.monotonic() > walk.deadline:
            walk.timed_out = True
            break
    return {"result": hits, "count": len(hits), "files_scanned": scanned,
            "files_skipped_binary": binary, "files_cut": cut, "truncated": truncated}


def _search(pattern, line: str, deadline: float):
    try:
        return pattern.search(line, timeout=max(deadline - time.monotonic(), 0.001))
    except TimeoutError:
        message = ("the regex ran longer than tools.timeout; simplify it (nested repeats "
                   "such as (a|aa)+ backtrack without end)")
        raise ToolError("timeout", message) from None


def _head(path: Path, size: int) -> bytes | None:
    """Up to ``size`` bytes of a regular file; None when it cannot be read."""
    try:
        with open_regular(path) as handle:
            return handle.read(size)
    except (ToolError, OSError):
        return None
