"""base64-encoder: standard and URL-safe base64, with a forgiving but exact decoder."""

from __future__ import annotations

import base64
import re

from ..base import Example, ToolContext, tool
from ._common import invalid, to_bytes

NAME = "base64-encoder"
MAX_INPUT = 10 * 1024 * 1024
_ALPHABET = {"standard": re.compile(r"[^A-Za-z0-9+/=]"),
             "urlsafe": re.compile(r"[^A-Za-z0-9\-_=]")}
_SPACE = re.compile(r"\s+")


def _decode(text: str, variant: str) -> bytes:
    """Decode, ignoring whitespace and missing padding; name the first bad character."""
    text = _SPACE.sub("", text)
    bad = _ALPHABET[variant].search(text)
    if bad:
        other = "urlsafe" if variant == "standard" else "standard"
        hint = f" (it is valid in {other} base64)" if not _ALPHABET[other].search(text) else ""
        raise invalid(NAME, f"invalid {variant} base64 character {bad.group()!r} "
                            f"at position {bad.start()}{hint}")
    stripped = text.rstrip("=")
    if "=" in stripped:
        raise invalid(NAME, f"padding '=' in the middle of the input at position "
                            f"{stripped.index('=')}")
    if len(stripped) % 4 == 1:
        raise invalid(NAME, f"invalid base64 length: {len(stripped)} characters "
                            "(one too many or one missing)")
    padded = stripped + "=" * (-len(stripped) % 4)
    if variant == "urlsafe":
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


@tool(
    NAME,
    category="utility",
    description=("Encode text or bytes as base64 (standard or URL-safe, with or without padding) "
                 "or decode base64, tolerating whitespace and missing padding."),
    schema={
        "properties": {
            "operation": {"enum": ["encode", "decode"], "default": "encode"},
            "input": {"type": "string", "maxLength": MAX_INPUT},
            "variant": {"enum": ["standard", "urlsafe"], "default": "standard"},
            "padding": {"type": "boolean", "default": True,
                        "description": "encode: keep trailing '=' padding"},
            "input_encoding": {"enum": ["utf-8", "hex"], "default": "utf-8",
                               "description": "encode: how 'input' encodes its bytes"},
            "output_encoding": {"enum": ["utf-8", "hex"], "default": "utf-8",
                                "description": "decode: return text, or hex for binary data"},
        },
        "required": ["input"],
        "additionalProperties": False,
    },
    examples=[
        Example({"input": "hello world"}, "encode", {"output": "aGVsbG8gd29ybGQ="}),
        Example({"operation": "decode", "input": "aGVsbG8gd29ybGQ"}, "decode without padding",
                {"output": "hello world"}),
        Example({"input": "ff00fe", "input_encoding": "hex", "variant": "urlsafe"},
                "URL-safe bytes", {"output": "_wD-"}),
    ],
)
def base64_encoder(params: dict, ctx: ToolContext) -> dict:
    variant = params["variant"]
    if params["operation"] == "encode":
        data = to_bytes(params["input"], params["input_encoding"], NAME, "input")
        encode = base64.urlsafe_b64encode if variant == "urlsafe" else base64.b64encode
        output = encode(data).decode("ascii")
        if not params["padding"]:
            output = output.rstrip("=")
        return {"output": output, "variant": variant, "bytes": len(data)}
    data = _decode(params["input"], variant)
    if params["output_encoding"] == "hex":
        output = data.hex()
    else:
        try:
            output = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise invalid(NAME, f"decoded bytes are not UTF-8 text (byte {exc.start}); "
                                "use output_encoding='hex'") from None
    return {"output": output, "variant": variant, "bytes": len(data)}
