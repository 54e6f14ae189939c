"""Helpers shared by the data tools: input size caps, JSON-able conversion, dotted paths."""

from __future__ import annotations

import base64
import datetime
import math
from typing import Any

from ..base import ToolContext, ToolError

#: Most values one document may expand to (guards against YAML alias bombs).
MAX_VALUES = 1_000_000


def check_size(tool: str, text: str, ctx: ToolContext, what: str = "input") -> None:
    """Refuse inline text longer than the configured ``max_file_size``."""
    limit = ctx.settings.max_file_size
    if len(text) > limit:
        raise ToolError("validation_error",
                        f"{tool}: {what} is {len(text)} characters, above the {limit} limit "
                        f"(tools.max_file_size); pass a smaller document")


def to_jsonable(tool: str, value: Any, limit: int = MAX_VALUES) -> Any:
    """Copy ``value`` into plain JSON types: dates become ISO strings, bytes base64,
    sets and tuples lists, keys strings, non-finite floats None. Refuses recursive
    structures and documents that expand to more than ``limit`` values."""
    count = 0
    active: set[int] = set()

    def convert(item: Any) -> Any:
        nonlocal count
        count += 1
        if count > limit:
            raise ToolError("validation_error",
                            f"{tool}: document expands to more than {limit} values "
                            f"(alias bomb?); refusing it")
        if item is None or isinstance(item, (bool, int, str)):
            return item
        if isinstance(item, float):
            return item if math.isfinite(item) else None
        if isinstance(item, (datetime.date, datetime.time)):
            return item.isoformat()
        if isinstance(item, (bytes, bytearray)):
            return base64.b64encode(bytes(item)).decode("ascii")
        if id(item) in active:
            raise ToolError("validation_error", f"{tool}: document refers to itself "
                                                f"(recursive alias); refusing it")
        active.add(id(item))
        try:
            if isinstance(item, dict):
                return {_key(k): convert(v) for k, v in item.items()}
            if isinstance(item, (list, tuple, set, frozenset)):
                items = sorted(item, key=repr) if isinstance(item, (set, frozenset)) else item
                return [convert(v) for v in items]
        finally:
            active.discard(id(item))
        return str(item)

    return convert(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    return str(key)


def json_type(value: Any) -> str:
    """The JSON name of a value's type: object, array, string, number, boolean or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def split_path(path: str) -> list[str]:
    """``"a.b.0"`` -> ``["a", "b", "0"]``; the empty path is the whole document."""
    return path.split(".") if path else []


def dotted_get(doc: Any, path: str) -> tuple[bool, Any]:
    """Follow a dotted path (numeric parts index lists); return ``(found, value)``."""
    current = doc
    for part in split_path(path):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and _is_index(part, len(current)):
            current = current[int(part)]
        else:
            return False, None
    return True, current


def dotted_set(tool: str, doc: Any, path: str, value: Any) -> Any:
    """Set ``value`` at a dotted path, creating objects on the way; return the document.
    A list part must be an existing index, or ``len(list)`` to append."""
    parts = split_path(path)
    if not parts:
        return value
    current = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(current, dict):
            if last:
                current[part] = value
            else:
                current = current.setdefault(part, {})
        elif isinstance(current, list) and _is_index(part, len(current) + 1):
            index = int(part)
            if index == len(current):
                current.append(value if last else {})
            elif last:
                current[index] = value
            current = current[index]
        else:
            where = ".".join(parts[:i]) or "the top level"
            raise ToolError("validation_error",
                            f"{tool}: cannot set '{path}': {where} is {json_type(current)}, "
                            f"not an object or a list with index {part}")
    return doc


def _is_index(part: str, length: int) -> bool:
    return part.isdigit() and int(part) < length
