"""Where media tools get their bytes: inline base64, or a file inside the allowed roots."""

from __future__ import annotations

import base64
import binascii

from ..base import ToolContext, ToolError

INPUT_PROPERTIES = {
    "data_base64": {"type": "string", "minLength": 1, "description": "the file's bytes, base64"},
    "path": {"type": "string", "minLength": 1,
             "description": "a file inside tools.allowed_paths (instead of data_base64)"},
}


def load_bytes(tool: str, params: dict, ctx: ToolContext) -> bytes:
    """The bytes named by exactly one of ``data_base64`` or ``path``, at most
    ``tools.max_file_size`` of them."""
    if ("data_base64" in params) == ("path" in params):
        raise ToolError("validation_error", f"{tool}: give exactly one of 'data_base64' or 'path'")
    limit = ctx.settings.max_file_size
    if "path" in params:
        from ..paths import read_bytes, resolve_path

        try:
            return read_bytes(resolve_path(params["path"], ctx.settings, must_exist=True),
                              ctx.settings)
        except ToolError as exc:
            raise ToolError(exc.error_type, f"{tool}: {exc.message}") from None
    text = "".join(params["data_base64"].split())
    if len(text) // 4 * 3 > limit + 2:
        raise ToolError("validation_error", f"{tool}: data_base64 holds about {len(text) // 4 * 3} "
                                            f"bytes, above the {limit} limit (tools.max_file_size)")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ToolError("validation_error",
                        f"{tool}: data_base64 is not valid base64 ({exc})") from None
    if len(data) > limit:
        raise ToolError("validation_error", f"{tool}: data is {len(data)} bytes, above the "
                                            f"{limit} limit (tools.max_file_size)")
    return data
