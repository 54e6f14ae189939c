"""archive-handler: create, list and safely extract zip/tar/tar.gz; gzip and gunzip one file."""

from __future__ import annotations

import time

from ..base import Example, ToolContext, ToolError, tool
from ..paths import resolve_path
from . import archive_create
from .archive_extract import extract
from .archive_read import FORMATS, ArchiveReader, guess_format

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": ["create", "list", "extract", "gzip", "gunzip"]},
        "path": {"type": "string", "minLength": 1,
                 "description": "the archive; for gzip/gunzip the file to (de)compress"},
        "format": {"type": "string", "enum": list(FORMATS),
                   "description": "default: from the file name (.zip, .tar, .tar.gz, .tgz)"},
        "sources": {"type": "array", "minItems": 1, "maxItems": 1000,
                    "items": {"type": "string", "minLength": 1},
                    "description": "create: files and directories to pack"},
        "destination": {"type": "string", "minLength": 1,
                        "description": "extract: directory (created if missing); gzip/gunzip: "
                                       "output file (default: add or strip '.gz')"},
        "overwrite": {"type": "boolean", "default": False,
                      "description": "replace existing output files"},
        "max_members": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 10000,
                        "description": "list/extract: refuse archives with more members"},
    },
    "required": ["operation", "path"],
    "additionalProperties": False,
}


@tool("archive-handler", category="filesystem", security_level="restricted", schema=SCHEMA,
      description="Create, list and extract zip, tar and tar.gz archives, gzip/gunzip single "
                  "files; extraction refuses path traversal, links leaving the destination, "
                  "device files and zip bombs.",
      examples=[
          Example({"operation": "create", "path": "backup.tar.gz", "sources": ["notes"]},
                  "Pack the notes directory", run=False),
          Example({"operation": "extract", "path": "data.zip", "destination": "data"},
                  "Unpack data.zip into ./data", run=False),
          Example({"operation": "gzip", "path": "log.txt"}, "Compress to log.txt.gz", run=False),
      ])
def archive_handler(params: dict, ctx: ToolContext) -> dict:
    """Dispatch one archive operation."""
    return _HANDLERS[params["operation"]](params, ctx)


def _create(params: dict, ctx: ToolContext) -> dict:
    if "sources" not in params:
        raise ToolError("validation_error", "operation 'create' needs 'sources'")
    fmt = guess_format(params["path"], params.get("format"))
    target = resolve_path(params["path"], ctx.settings, for_write=True)
    items = archive_create.collect(params["sources"], ctx.settings)
    size = archive_create.create(target, fmt, items, params["overwrite"])
    return {"result": True, "path": str(target), "format": fmt, "members": len(items),
            "size": size}


def _list(params: dict, ctx: ToolContext) -> dict:
    source = resolve_path(params["path"], ctx.settings, must_exist=True)
    fmt = guess_format(params["path"], params.get("format"))
    with ArchiveReader(source, fmt) as reader:
        members, truncated = reader.members(params["max_members"], _deadline(ctx))
    return {"result": [m.describe() for m in members], "count": len(members),
            "truncated": truncated, "format": fmt}


def _extract(params: dict, ctx: ToolContext) -> dict:
    if "destination" not in params:
        raise ToolError("validation_error", "operation 'extract' needs 'destination'")
    source = resolve_path(params["path"], ctx.settings, must_exist=True)
    fmt = guess_format(params["path"], params.get("format"))
    dest = resolve_path(params["destination"], ctx.settings)
    with ArchiveReader(source, fmt) as reader:
        members, too_many = reader.members(params["max_members"], _deadline(ctx))
        if too_many:
            raise ToolError("validation_error", f"'{params['path']}' has more than "
                                                f"{params['max_members']} members; not extracted")
        dest.mkdir(parents=True, exist_ok=True)
        result = extract(reader, members, dest, ctx.settings, params["overwrite"])
    return {"result": True, "format": fmt, "members": len(members), **result}


def _gzip(params: dict, ctx: ToolContext) -> dict:
    source = resolve_path(params["path"], ctx.settings, must_exist=True)
    target = resolve_path(params.get("destination", params["path"] + ".gz"), ctx.settings,
                          for_write=True)
    size = archive_create.gzip_file(source, target, ctx.settings, params["overwrite"])
    return {"result": True, "path": str(target), "size": size}


def _gunzip(params: dict, ctx: ToolContext) -> dict:
    source = resolve_path(params["path"], ctx.settings, must_exist=True)
    default = params["path"][:-3] if params["path"].endswith(".gz") else params["path"] + ".out"
    target = resolve_path(params.get("destination", default), ctx.settings, for_write=True)
    size = archive_create.gunzip_file(source, target, ctx.settings, params["overwrite"])
    return {"result": True, "path": str(target), "size": size}


def _deadline(ctx: ToolContext) -> float:
    return time.monotonic() + ctx.settings.timeout


_HANDLERS = {"create": _create, "list": _list, "extract": _extract, "gzip": _gzip,
             "gunzip": _gunzip}
