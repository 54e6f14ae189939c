"""Conversion of values between Lua (lupa) and plain Python/JSON data."""

from __future__ import annotations

from typing import Any

import lupa.lua54 as lupa

MAX_DEPTH = 64


class ConversionError(ValueError):
    """A Lua value that cannot become data (a function, a cycle, too deep)."""


def lua_to_py(value: Any, _depth: int = 0) -> Any:
    """A Lua value as JSON-able Python data. Tables with keys 1..n become lists,
    other tables dicts with string keys; the empty table becomes ``{}``.
    (lupa gives a new wrapper per access, so cycles are caught by the depth limit.)"""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    kind = lupa.lua_type(value)
    if kind != "table":
        raise ConversionError(f"a Lua {kind or type(value).__name__} cannot be passed as data")
    if _depth >= MAX_DEPTH:
        raise ConversionError(f"table nested deeper than {MAX_DEPTH} levels (or a cycle)")
    items = list(value.items())
    keys = [k for k, _ in items]
    if keys and all(isinstance(k, int) and not isinstance(k, bool) for k in keys) \
            and sorted(keys) == list(range(1, len(keys) + 1)):
        ordered = sorted(items, key=lambda kv: kv[0])
        return [lua_to_py(v, _depth + 1) for _, v in ordered]
    out = {}
    for k, v in items:
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if not isinstance(k, (str, int)) or isinstance(k, bool):
            raise ConversionError(f"table key of type {lupa.lua_type(k) or type(k).__name__} "
                                  "cannot be passed as data")
        out[str(k)] = lua_to_py(v, _depth + 1)
    return out


def py_to_lua(runtime: lupa.LuaRuntime, value: Any, _depth: int = 0) -> Any:
    """Python data as a Lua value (dicts and lists become tables, recursively).

    Only data crosses: anything else (a function, a class, a date...) is a
    ConversionError, since a Python object reaching Lua could be called from a script."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if _depth >= MAX_DEPTH:
        raise ConversionError(f"value nested deeper than {MAX_DEPTH} levels (or a cycle)")
    if isinstance(value, dict):
        table = {}
        for k, v in value.items():
            if not isinstance(k, (str, int, float)):
                raise ConversionError(f"a {type(k).__name__} key cannot be passed to Lua")
            table[k] = py_to_lua(runtime, v, _depth + 1)
        return runtime.table_from(table)
    if isinstance(value, (list, tuple)):
        return runtime.table_from([py_to_lua(runtime, v, _depth + 1) for v in value])
    if lupa.lua_type(value) is not None:  # already a Lua value
        return value
    raise ConversionError(f"a Python {type(value).__name__} cannot be passed to Lua as data")
