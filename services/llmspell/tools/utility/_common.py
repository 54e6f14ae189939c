"""Small helpers shared by the utility and text tool families."""

from __future__ import annotations

import base64
from typing import Any

from ..base import ToolError

_MISSING = object()


def need(params: dict, key: str, tool: str, operation: str | None = None, *,
         purpose: str | None = None) -> Any:
    """``params[key]``, or a validation_error naming what needs it (an operation or,
    in words, some other ``purpose``)."""
    value = params.get(key, _MISSING)
    if value is _MISSING or value is None:
        what = purpose or (f"operation '{operation}'" if operation else "this call")
        raise ToolError("validation_error", f"{tool}: {what} needs parameter '{key}'")
    return value


def invalid(tool: str, message: str) -> ToolError:
    """A validation_error prefixed with the tool name (raise the result)."""
    return ToolError("validation_error", f"{tool}: {message}")


def failed(tool: str, message: str) -> ToolError:
    """An execution_error prefixed with the tool name (raise the result)."""
    return ToolError("execution_error", f"{tool}: {message}")


def to_bytes(value: str, encoding: str, tool: str, param: str) -> bytes:
    """Turn a string parameter into bytes: ``utf-8`` text, ``hex`` or ``base64``."""
    try:
        if encoding == "hex":
            return bytes.fromhex(value)
        if encoding == "base64":
            return base64.b64decode(value, validate=True)
        return value.encode("utf-8", "surrogatepass")
    except ValueError as exc:  # binascii.Error is one too
        raise invalid(tool, f"parameter '{param}' is not valid {encoding}: {exc}") from None
