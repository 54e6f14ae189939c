"""Code intelligence for Jupyter clients: completion, inspection, is_complete, history.

Everything here reads the session's globals from Python while no chunk runs
(shell requests are served one at a time), using raw table iteration.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import lupa.lua54 as lupa

from .engine import ExecutionEngine

KEYWORDS = ("and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
            "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until",
            "while")
_TOOL_ARG = re.compile(r"""Tool\s*\.\s*(?:invoke|info|exists)\s*\(\s*(["'])([\w\-]*)$""")
_DOTTED = re.compile(r"[A-Za-z_][\w]*(?:\s*[.:]\s*[A-Za-z_][\w]*)*\s*[.:]?\s*$|$")
_WORD_AT = re.compile(r"[A-Za-z_][\w\-]*(?:[.:][A-Za-z_][\w\-]*)*")
# IPython-style help: "?name", "name?" ("??"/"name??": more detail). Never valid Lua.
_NAME = r"[A-Za-z_][\w\-]*(?:[.:][A-Za-z_][\w\-]*)*"
HELP = re.compile(rf"\s*(?:(?P<pre>\?\??)\s*(?P<a>{_NAME})|(?P<b>{_NAME})\s*(?P<post>\?\??))\s*")


def _fields(value: Any) -> list[str]:
    """String keys of a table (raw iteration: no metamethod runs)."""
    if lupa.lua_type(value) != "table":
        return []
    return [k for k in value.keys() if isinstance(k, str)]


def _lookup(engine: ExecutionEngine, path: list[str]) -> Any:
    value: Any = engine.session.lua.globals()
    for part in path:
        if lupa.lua_type(value) != "table":
            return None
        value = value[part]
        if value is None:
            return None
    return value


def complete(engine: ExecutionEngine, code: str, cursor_pos: int) -> dict:
    """complete_reply content: tool names inside Tool.invoke("…, table fields after
    '.' and ':', else globals and keywords."""
    before = code[:cursor_pos]
    tool_arg = _TOOL_ARG.search(before)
    if tool_arg:
        prefix = tool_arg.group(2)
        matches = [n for n in engine.registry.names() if n.startswith(prefix)]
        return _reply(matches, cursor_pos - len(prefix), cursor_pos)
    token = _DOTTED.search(before).group(0).replace(" ", "")
    if "." in token or ":" in token:
        cut = max(token.rfind("."), token.rfind(":"))
        path, prefix = re.split(r"[.:]", token[:cut]), token[cut + 1:]
        candidates = _fields(_lookup(engine, path))
        if path == ["Tool"]:
            candidates += [n.replace("-", "_") for n in engine.registry.names()]
    else:
        prefix = token
        candidates = _fields(engine.session.lua.globals()) + list(KEYWORDS)
    matches = sorted({c for c in candidates if c.startswith(prefix) and not c.startswith("__")})
    return _reply(matches, cursor_pos - len(prefix), cursor_pos)


def _reply(matches: list[str], start: int, end: int) -> dict:
    return {"status": "ok", "matches": matches, "cursor_start": start, "cursor_end": end,
            "metadata": {}}


def inspect(engine: ExecutionEngine, code: str, cursor_pos: int, detail_level: int = 0) -> dict:
    """inspect_reply content: tool documentation, or the type and value of a name."""
    name = _name_at(code, cursor_pos)
    text = None
    if name:
        text = _tool_doc(engine, name) or _value_doc(engine, name)
    if text is None:
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    return {"status": "ok", "found": True, "data": {"text/plain": text}, "metadata": {}}


def _name_at(code: str, cursor_pos: int) -> str | None:
    for match in _WORD_AT.finditer(code):
        if match.start() <= cursor_pos <= match.end():
            return match.group(0)
    return None


def _tool_doc(engine: ExecutionEngine, name: str) -> str | None:
    tool_name = name.split(".", 1)[1] if name.startswith("Tool.") else name
    if not engine.registry.exists(tool_name):
        return None
    info = engine.registry.resolve(tool_name).describe()
    lines = [f"{info['name']} ({info['category']}, {info['security_level']})", "",
             info["description"], "", "Parameters:"]
    required = set(info["parameters"].get("required", []))
    for param, spec in info["parameters"].get("properties", {}).items():
        need = "required" if param in required else "optional"
        lines.append(f"  {param}: {spec.get('type', 'any')} ({need}) {spec.get('description', '')}")
    for example in info["examples"]:
        lines.append(f"Example: Tool.invoke({json.dumps(info['name'])}, "
                     f"{json.dumps(example['params'])})")
    return "\n".join(lines).rstrip()


def _value_doc(engine: ExecutionEngine, name: str) -> str | None:
    value = _lookup(engine, re.split(r"[.:]", name))
    if value is None:
        return None
    kind = lupa.lua_type(value) or type(value).__name__
    if kind == "table":
        fields = sorted(_fields(value))[:40]
        return f"{name}: table with fields: {', '.join(fields)}"
    if kind == "function":
        return f"{name}: function"
    shown = engine.session._repr(value)
    return f"{name}: {kind} = {shown}"


def help_request(code: str) -> tuple[str, int] | None:
    """(name, detail level) when ``code`` is a help request like ``?Tool.invoke``."""
    match = HELP.fullmatch(code) if "?" in code else None
    if match is None:
        return None
    marks = match.group("pre") or match.group("post")
    return match.group("a") or match.group("b"), len(marks) - 1


def page(engine: ExecutionEngine, name: str, detail_level: int = 0) -> str | None:
    """The help text shown in the pager for ``name`` (None: nothing known)."""
    reply = inspect(engine, name, len(name), detail_level)
    return reply["data"]["text/plain"] if reply["found"] else None


def is_complete(engine: ExecutionEngine, code: str) -> dict:
    """is_complete_reply content from the Lua parser: complete, incomplete or invalid."""
    if help_request(code) is not None:
        return {"status": "complete"}
    error = engine.session.check(code, "=input")
    if error is None:
        return {"status": "complete"}
    if error.rstrip().endswith("<eof>"):
        return {"status": "incomplete", "indent": "  "}
    return {"status": "invalid"}


def history(engine: ExecutionEngine, content: dict) -> dict:
    """history_reply content for tail, range and search requests."""
    entries = [(1, count, code) for count, code in engine.history]
    kind = content.get("hist_access_type", "tail")
    if kind == "range":
        start, stop = int(content.get("start") or 0), content.get("stop")
        entries = [e for e in entries
                   if e[1] >= start and (stop is None or e[1] < int(stop))]
    elif kind == "search":
        pattern = content.get("pattern") or "*"
        entries = [e for e in entries if fnmatch.fnmatchcase(e[2], pattern)]
        if content.get("unique"):
            seen, unique = set(), []
            for entry in reversed(entries):
                if entry[2] not in seen:
                    seen.add(entry[2])
                    unique.append(entry)
            entries = unique[::-1]
    n = content.get("n")
    if kind in ("tail", "search") and n:
        entries = entries[-int(n):]
    if content.get("output"):
        entries = [(s, c, (code, None)) for s, c, code in entries]
    return {"status": "ok", "history": [list(e) for e in entries]}
