"""The Python side of the Lua API: the callbacks ``sandbox.lua`` wraps as
``print``/``io``, ``Tool``, ``State``, ``JSON``, ``Config``, ``Log`` and ``display``.

Each callback returns ``(True, value)`` or ``(False, message)``; the Lua side turns
the latter into a Lua error, so no Python exception or object reaches a script.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Callable, Protocol

from .convert import ConversionError, lua_to_py, py_to_lua
from .state import StateError, StateStore
from .tool_service import ToolService

lua_log = logging.getLogger("llmspell.lua")
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
              "error": logging.ERROR}


class SessionIO(Protocol):
    """Where a running chunk's output goes and its input comes from."""

    def write(self, stream: str, text: str) -> None: ...
    def read(self, prompt: str) -> str | None: ...
    def display(self, data: dict, metadata: dict) -> None: ...
    def clear(self, wait: bool) -> None: ...


class ConsoleIO:
    """SessionIO on this process's stdout/stderr/stdin (the in-process CLI)."""

    def write(self, stream: str, text: str) -> None:
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text)
        out.flush()

    def read(self, prompt: str) -> str | None:
        line = sys.stdin.readline()
        return line.rstrip("\n") if line else None

    def display(self, data: dict, metadata: dict) -> None:
        self.write("stdout", str(data.get("text/plain", "")) + "\n")

    def clear(self, wait: bool) -> None:
        pass


def _guarded(name: str, fn: Callable) -> Callable:
    """Turn any unexpected Python error into a Lua-side error message."""

    def call(*args: Any) -> tuple:
        try:
            return fn(*args)
        except (ConversionError, StateError) as exc:
            message = str(exc)
            return False, message if message.startswith(f"{name}") else f"{name}: {message}"
        except UnicodeDecodeError as exc:  # a Lua string inside a table that is not UTF-8
            return False, f"{name}: text is not valid UTF-8 ({exc.reason} at byte {exc.start})"
        except Exception as exc:  # a bug of ours: keep the script running, log it
            lua_log.exception("internal error in %s", name)
            return False, f"{name}: internal error: {type(exc).__name__}: {exc}"

    return call


class LuaHost:
    """Implements the callbacks for one LuaSession."""

    def __init__(self, tools: ToolService, state: StateStore, config: Any, io: SessionIO):
        self.tools = tools
        self.state = state
        self.config = config
        self.io = io
        self.lua = None

    def bind(self, lua: Any) -> None:
        self.lua = lua

    def callbacks(self) -> dict[str, Callable]:
        return {
            "write": self._write,
            "read": _guarded("io.read", self._read),
            "tool": _guarded("Tool", self._tool),
            "state": _guarded("State", self._state),
            "json": _guarded("JSON", self._json),
            "config": _guarded("Config.get", self._config),
            "log": self._log,
            "display": _guarded("display", self._display),
        }

    def _write(self, stream: str, text: Any) -> str | None:
        """Write output; returns an error message (a Lua string) instead of raising, so
        no Python exception object ever reaches a script as an error value."""
        try:
            self.io.write(stream, text if isinstance(text, str)
                          else bytes(text).decode("utf-8", "replace"))
        except Exception as exc:
            return f"cannot write to {stream}: {type(exc).__name__}: {exc}"
        return None

    def _read(self, prompt: str) -> tuple:
        return True, self.io.read(prompt or "")

    def _tool(self, op: str, arg: Any = None, params: Any = None) -> tuple:
        if op == "invoke":
            content = {"command": "invoke", "name": arg, "params": lua_to_py(params) or {}}
        elif op in ("list", "categories"):
            content = {"command": op, "category": arg}
        elif op == "search":
            content = {"command": op, "query": arg}
        else:
            content = {"command": op, "name": arg}
        reply = self.tools.handle(content)
        if reply["status"] != "ok":
            label = f"tool '{arg}'" if op == "invoke" else f"Tool.{op}"
            return False, f"{label} failed [{reply['error_type']}]: {reply['message']}"
        value = {"invoke": lambda: reply["result"], "info": lambda: reply["tool"],
                 "exists": lambda: reply["exists"], "categories": lambda: reply["categories"],
                 }.get(op, lambda: reply["tools"])()
        return True, py_to_lua(self.lua, value)

    def _state(self, op: str, key: Any, value: Any, scope: Any) -> tuple:
        if op == "get":
            return True, py_to_lua(self.lua, self.state.get(key, scope))
        if op == "set":
            self.state.set(key, lua_to_py(value), scope)
            return True, None
        if op == "delete":
            return True, self.state.delete(key, scope)
        return True, py_to_lua(self.lua, self.state.keys(scope))

    def _json(self, op: str, value: Any, indent: Any = None) -> tuple:
        if op == "parse":
            if not isinstance(value, str):
                return False, "JSON.parse: expected a string"
            try:
                return True, py_to_lua(self.lua, json.loads(value))
            except json.JSONDecodeError as exc:
                return False, f"JSON.parse: {exc.msg} at line {exc.lineno} column {exc.colno}"
        indent = int(indent) if indent else None
        return True, json.dumps(lua_to_py(value), ensure_ascii=False, indent=indent)

    def _config(self, key: Any) -> tuple:
        if not isinstance(key, str):
            return False, "Config.get: key must be a string like 'tools.http_timeout'"
        return True, py_to_lua(self.lua, self.config.get(key))

    def _log(self, level: str, message: str) -> None:
        lua_log.log(LOG_LEVELS.get(level, logging.INFO), "%s", message)

    def _display(self, value: Any, mime: Any) -> tuple:
        if mime in ("clear", "clear-wait"):
            self.io.clear(mime == "clear-wait")
            return True, None
        data = display_bundle(lua_to_py(value), mime)
        self.io.display(data, {})
        return True, None


def display_bundle(value: Any, mime: str | None) -> dict:
    """A Jupyter mime bundle for ``display(value [, mime])``."""
    if mime:
        if not isinstance(mime, str) or "/" not in mime:
            raise ConversionError(f"'{mime}' is not a MIME type like 'text/html'")
        text = value if isinstance(value, str) else json.dumps(value)
        bundle = {mime: value if mime.endswith("json") else text}
        bundle.setdefault("text/plain", text)
        return bundle
    if isinstance(value, (dict, list)):
        return {"application/json": value, "text/plain": json.dumps(value, indent=1)}
    return {"text/plain": "nil" if value is None else str(value)}
