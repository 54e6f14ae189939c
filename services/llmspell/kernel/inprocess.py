"""The kernel in the caller's own process: requests go through the same handlers
(and the same message contents) as over ZeroMQ, without sockets."""

from __future__ import annotations

import sys
from typing import Callable

from .engine import ExecutionEngine
from .handlers import KernelHandlers


class ConsoleOutputs:
    """Outputs that print iopub content to this terminal and read stdin for input."""

    def __init__(self, on_result: Callable[[dict], None] | None = None):
        self.on_result = on_result

    def publish(self, msg_type: str, content: dict) -> None:
        if msg_type == "stream":
            out = sys.stderr if content["name"] == "stderr" else sys.stdout
            out.write(content["text"])
            out.flush()
        elif msg_type in ("execute_result", "display_data"):
            if self.on_result is not None:
                self.on_result(content)
            else:
                print(content["data"].get("text/plain", ""), flush=True)

    def input(self, prompt: str, password: bool = False) -> str | None:
        if prompt:
            sys.stderr.write(prompt)
            sys.stderr.flush()
        line = sys.stdin.readline()
        return line.rstrip("\n") if line else None


class InProcessKernel:
    """A kernel object answering request messages in this process."""

    def __init__(self, engine: ExecutionEngine):
        self.engine = engine
        self.handlers = KernelHandlers(engine)

    def request(self, msg_type: str, content: dict, outputs=None) -> dict:
        """Send one request; return the reply content."""
        reply = self.handlers.handle(msg_type, content, outputs or ConsoleOutputs())
        if reply is None:
            return {"status": "error", "ename": "UnknownRequest",
                    "evalue": f"unsupported message type {msg_type}", "traceback": []}
        return reply[1]
