"""Jupyter request handlers over an ExecutionEngine, independent of any transport.

A transport (in-process, standalone ZeroMQ, the gateway's internal link) calls
``KernelHandlers.handle(msg_type, content, outputs)`` for each request and sends
back the returned ``(reply_type, reply_content)``; iopub side effects (streams,
results, errors) go through ``outputs.publish`` while the request runs. Busy/idle
status is the transport's job, since it also applies to requests it answers itself.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Protocol

from .. import __version__
from .engine import ExecutionEngine

PROTOCOL_VERSION = "5.3"


class Outputs(Protocol):
    """What a handler may do besides replying: publish on iopub, ask on stdin."""

    def publish(self, msg_type: str, content: dict) -> None: ...
    def input(self, prompt: str, password: bool = False) -> str | None: ...


class JupyterIO:
    """SessionIO that turns Lua output into iopub messages of the current request."""

    def __init__(self, outputs: Outputs, allow_stdin: bool):
        self.outputs = outputs
        self.allow_stdin = allow_stdin

    def write(self, stream: str, text: str) -> None:
        self.outputs.publish("stream", {"name": stream, "text": text})

    def read(self, prompt: str) -> str | None:
        if not self.allow_stdin:
            return None
        return self.outputs.input(prompt)

    def display(self, data: dict, metadata: dict) -> None:
        self.outputs.publish("display_data", {"data": data, "metadata": metadata, "transient": {}})

    def clear(self, wait: bool) -> None:
        self.outputs.publish("clear_output", {"wait": wait})


def kernel_info(lua_version: str) -> dict:
    """The kernel_info_reply content."""
    return {
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "llmspell",
        "implementation_version": __version__,
        "language_info": {
            "name": "lua",
            "version": lua_version,
            "mimetype": "text/x-lua",
            "file_extension": ".lua",
            "pygments_lexer": "lua",
            "codemirror_mode": "lua",
        },
        "banner": f"llmspell {__version__} -- Lua {lua_version} with built-in tools "
                  f"(Python {sys.version.split()[0]})",
        "help_links": [{"text": "llmspell tools", "url": "https://llmspell.invalid/docs/tools"}],
        "debugger": False,
    }


class KernelHandlers:
    """Maps request message types to engine calls."""

    def __init__(self, engine: ExecutionEngine):
        self.engine = engine
        self._info: dict | None = None
        self.table: dict[str, Callable[[dict, Outputs], tuple[str, dict]]] = {
            "kernel_info_request": self.kernel_info,
            "execute_request": self.execute,
            "tool_request": self.tool,
        }

    def handle(self, msg_type: str, content: dict, outputs: Outputs) -> tuple[str, dict] | None:
        """Serve one request; None when the type is not handled here."""
        handler = self.table.get(msg_type)
        if handler is None:
            return None
        return handler(content, outputs)

    def kernel_info(self, content: dict, outputs: Outputs) -> tuple[str, dict]:
        """The reply, plus an ``llmspell`` object (instance id, pid, executions) that
        ``llmspell kernel status`` and the gateway's health probe show."""
        engine = self.engine
        if self._info is None:
            import lupa.lua54 as lupa

            self._info = kernel_info("%d.%d" % lupa.LUA_VERSION)
        return "kernel_info_reply", {**self._info, "llmspell": {
            "instance_id": engine.instance_id, "pid": os.getpid(),
            "execution_count": engine.execution_count}}

    def execute(self, content: dict, outputs: Outputs) -> tuple[str, dict]:
        code = content.get("code", "")
        silent = bool(content.get("silent", False))
        store_history = bool(content.get("store_history", not silent)) and not silent
        engine = self.engine
        count = engine.execution_count + (1 if store_history else 0)
        if not silent:
            outputs.publish("execute_input", {"code": code, "execution_count": count})
        from .introspection import help_request

        asked = help_request(code)
        if asked is not None:
            return self._help(code, *asked, store_history, outputs)
        io = JupyterIO(outputs, bool(content.get("allow_stdin", False)))
        result = engine.execute(code, io=io, store_history=store_history).result
        if not result.ok:
            failure = result.failure
            error = {"ename": failure.ename, "evalue": failure.evalue,
                     "traceback": failure.traceback or [f"{failure.ename}: {failure.evalue}"]}
            outputs.publish("error", error)
            return "execute_reply", {"status": "error", "execution_count": count, **error}
        if result.text is not None and not silent:
            outputs.publish("execute_result", {"execution_count": count,
                                               "data": {"text/plain": result.text}, "metadata": {}})
        expressions = self._user_expressions(content.get("user_expressions") or {})
        return "execute_reply", {"status": "ok", "execution_count": count,
                                 "user_expressions": expressions, "payload": []}

    def _help(self, code: str, name: str, detail: int, store_history: bool,
              outputs: Outputs) -> tuple[str, dict]:
        """``?name`` / ``name?``: the inspect text as a pager payload; no Lua runs."""
        engine = self.engine
        if store_history:
            engine.execution_count += 1
            engine.history.append((engine.execution_count, code))
            engine.state.update_meta(execution_count=engine.execution_count)
        from .introspection import page

        text = page(engine, name, detail)
        payload = []
        if text is None:
            outputs.publish("stream", {"name": "stdout", "text": f"no help found for '{name}'\n"})
        else:
            payload.append({"source": "page", "data": {"text/plain": text}, "start": 0})
        return "execute_reply", {"status": "ok", "execution_count": engine.execution_count,
                                 "user_expressions": {}, "payload": payload}

    def _user_expressions(self, expressions: dict[str, Any]) -> dict:
        out = {}
        for name, expr in expressions.items():
            result = self.engine.session.execute(f"return {expr}", "=user_expression")
            if result.ok:
                out[name] = {"status": "ok", "data": {"text/plain": result.text or "nil"},
                             "metadata": {}}
            else:
                out[name] = {"status": "error", "ename": result.failure.ename,
                             "evalue": result.failure.evalue, "traceback": result.failure.traceback}
        return out

    def tool(self, content: dict, outputs: Outputs) -> tuple[str, dict]:
        return "tool_reply", self.engine.tool_request(content)
