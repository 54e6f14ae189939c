"""Text encodings with one-line errors, shared by the filesystem tools."""

from __future__ import annotations

import codecs

from ..base import ToolError


def text_codec(encoding: str) -> str:
    """The canonical name of a text encoding; validation_error for unknown or
    bytes-to-bytes codecs (zlib, hex, ...)."""
    try:
        name = codecs.lookup(encoding).name
        "".encode(name)  # bytes-to-bytes codecs raise LookupError here
        return name
    except LookupError:
        message = f"unknown text encoding '{encoding}'; try utf-8, latin-1 or cp1252"
        raise ToolError("validation_error", message) from None


def decode_text(data: bytes, encoding: str, label: str, errors: str = "strict") -> str:
    """``data`` decoded; validation_error naming the first bad byte."""
    try:
        return data.decode(text_codec(encoding), errors)
    except UnicodeDecodeError as exc:
        raise ToolError("validation_error",
                        f"{label} is not valid {encoding} text (byte 0x{data[exc.start]:02x} at "
                        f"offset {exc.start}); give the right encoding") from None


def encode_text(text: str, encoding: str, errors: str = "strict") -> bytes:
    """``text`` encoded; validation_error naming the first character that does not fit."""
    try:
        return text.encode(text_codec(encoding), errors)
    except UnicodeEncodeError as exc:
        raise ToolError("validation_error",
                        f"text has {text[exc.start]!r} at position {exc.start}, which {encoding} "
                        "cannot encode; use utf-8 or errors='replace'") from None
