"""file-converter: re-encode text, normalise line endings, convert tabs and spaces."""

from __future__ import annotations

import re

from ..base import Example, ToolContext, ToolError, tool
from ..paths import read_bytes, resolve_path, write_atomic
from .codec import decode_text, encode_text, text_codec

SCHEMA = {
    "properties": {
        "path": {"type": "string", "minLength": 1, "description": "input file (or give content)"},
        "content": {"type": "string", "description": "input text instead of a file"},
        "output": {"type": "string", "minLength": 1,
                   "description": "file to write; without it the converted text is returned"},
        "from_encoding": {"type": "string", "minLength": 1, "default": "utf-8"},
        "to_encoding": {"type": "string", "minLength": 1, "default": "utf-8",
                        "description": "encoding of the written output file"},
        "line_endings": {"type": "string", "enum": ["keep", "lf", "crlf"], "default": "keep"},
        "tabs": {"type": "string", "enum": ["keep", "to_spaces", "to_tabs"], "default": "keep",
                 "description": "to_spaces expands every tab; to_tabs converts leading "
                                "indentation only"},
        "tab_size": {"type": "integer", "minimum": 1, "maximum": 16, "default": 4},
        "errors": {"type": "string", "enum": ["strict", "replace"], "default": "strict",
                   "description": "on bytes or characters that do not fit the encodings"},
        "overwrite": {"type": "boolean", "default": False,
                      "description": "replace an existing output file (may equal path)"},
    },
    "required": [],
    "additionalProperties": False,
}

_NEWLINE = re.compile(r"\r\n|\r|\n")
_INDENT = re.compile(r"^[ \t]+")


@tool("file-converter", category="filesystem", security_level="restricted", schema=SCHEMA,
      description="Convert a text file's encoding (e.g. latin-1 to utf-8), line endings "
                  "(lf/crlf) and tabs/spaces; writes the output file atomically.",
      examples=[
          Example({"content": "a\r\nb\r\n", "line_endings": "lf"}, "CRLF to LF",
                  expect={"result": "a\nb\n"}),
          Example({"content": "\tx = 1\n", "tabs": "to_spaces", "tab_size": 2},
                  "Expand tabs", expect={"result": "  x = 1\n"}),
          Example({"path": "legacy.txt", "from_encoding": "latin-1", "output": "legacy-utf8.txt"},
                  "Re-encode a latin-1 file as utf-8", run=False),
      ])
def file_converter(params: dict, ctx: ToolContext) -> dict:
    """Convert ``path`` or ``content``; write to ``output`` or return the text."""
    if ("path" in params) == ("content" in params):
        raise ToolError("validation_error", "give exactly one of 'path' or 'content'")
    text_codec(params["from_encoding"])  # unknown names fail before anything is read or written
    text_codec(params["to_encoding"])
    errors = params["errors"]
    if "path" in params:
        source = resolve_path(params["path"], ctx.settings, must_exist=True)
        text = decode_text(read_bytes(source, ctx.settings), params["from_encoding"],
                           f"'{params['path']}'", errors)
    else:
        text = params["content"]
    converted = convert(text, params["line_endings"], params["tabs"], params["tab_size"])
    if "output" not in params:
        return {"result": converted, "changed": converted != text}
    target = resolve_path(params["output"], ctx.settings, for_write=True)
    data = encode_text(converted, params["to_encoding"], errors)
    if not target.parent.is_dir():
        raise ToolError("not_found", f"the directory of '{params['output']}' does not exist")
    size = write_atomic(target, data, ctx.settings, exclusive=not params["overwrite"])
    return {"result": True, "path": str(target), "size": size, "changed": converted != text,
            "encoding": params["to_encoding"]}


def convert(text: str, line_endings: str, tabs: str, tab_size: int) -> str:
    """Apply the tab and line-ending conversions to ``text``."""
    if tabs != "keep":
        fix = _expand if tabs == "to_spaces" else _tabify
        parts = _NEWLINE.split(text)
        ends = _NEWLINE.findall(text) + [""]
        text = "".join(fix(line, tab_size) + end for line, end in zip(parts, ends))
    if line_endings != "keep":
        text = _NEWLINE.sub("\r\n" if line_endings == "crlf" else "\n", text)
    return text


def _expand(line: str, tab_size: int) -> str:
    return line.expandtabs(tab_size)


def _tabify(line: str, tab_size: int) -> str:
    indent = _INDENT.match(line)
    if indent is None:
        return line
    width = len(indent.group().expandtabs(tab_size))
    return "\t" * (width // tab_size) + " " * (width % tab_size) + line[indent.end():]
