"""The execution engine: one Lua session with its tools, state and counters.

It is transport-free: the in-process CLI, the standalone kernel and the kernel
behind a gateway all drive this object (through ``handlers.KernelHandlers``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config as config_mod
from ..tools.base import ToolContext, ToolSettings
from ..tools.registry import ToolRegistry
from .state import StateStore
from .tool_service import ToolService

if TYPE_CHECKING:  # the Lua side loads on first use: tool commands need none of it
    from .lua_api import SessionIO
    from .runtime import ChunkResult, LuaSession


@dataclass
class Execution:
    """One executed chunk as the engine records it."""

    count: int
    code: str
    result: ChunkResult


class _SwitchableIO:
    """Routes a session's output to whichever SessionIO the current execution uses."""

    def __init__(self, io: SessionIO | None):
        self.target = io

    def write(self, stream: str, text: str) -> None:
        self.target.write(stream, text)

    def read(self, prompt: str) -> str | None:
        return self.target.read(prompt)

    def display(self, data: dict, metadata: dict) -> None:
        self.target.display(data, metadata)

    def clear(self, wait: bool) -> None:
        self.target.clear(wait)


class ExecutionEngine:
    """Runs Lua chunks and tool commands for one kernel instance."""

    def __init__(self, config: config_mod.Config | None = None, *, instance_id: str = "default",
                 registry: ToolRegistry | None = None, persist_state: bool = True,
                 default_paths: list[str] | None = None):
        self.config = config or config_mod.load()
        self.instance_id = instance_id
        self.registry = registry or ToolRegistry.builtin()
        settings = ToolSettings.from_config(self.config.get("tools"))
        if not settings.allowed_paths and default_paths:
            settings.allowed_paths = list(default_paths)
        self.tools = ToolService(self.registry, ToolContext(settings=settings))
        state_path = self.config.path("state_dir") / f"{instance_id}.json" if persist_state else None
        self.state = StateStore(state_path)
        self.execution_count = int(self.state.meta.get("execution_count", 0))
        self.history: list[tuple[int, str]] = []
        self.started = time.time()
        self._io = _SwitchableIO(None)
        self._timeout_timer: threading.Timer | None = None
        self._session: LuaSession | None = None

    @property
    def session(self) -> LuaSession:
        """The Lua session, created on first use (tool commands need none)."""
        if self._session is None:
            self._session = self._new_session()
        return self._session

    def _new_session(self) -> LuaSession:
        from .lua_api import ConsoleIO, LuaHost
        from .runtime import LuaSession

        if self._io.target is None:
            self._io.target = ConsoleIO()
        host = LuaHost(self.tools, self.state, self.config, self._io)
        return LuaSession(host, max_memory=int(self.config.get("runtime.max_memory") or 0))

    def execute(self, code: str, *, io: SessionIO | None = None, store_history: bool = True,
                name: str | None = None) -> Execution:
        """Run one chunk with output going to ``io``; counts and records it."""
        if store_history:
            self.execution_count += 1
            self.history.append((self.execution_count, code))
            del self.history[:-int(self.config.get("kernel.history_size") or 1000)]
        chunk_name = name or f"=[{self.execution_count}]"
        previous = self._io.target
        if io is not None:
            self._io.target = io
        self._arm_timeout()
        try:
            result = self.session.execute(code, chunk_name)
        finally:
            self._disarm_timeout()
            self._io.target = previous
        self.state.update_meta(execution_count=self.execution_count)
        return Execution(self.execution_count, code, result)

    def run_file(self, path: Path, args: list[str], io: SessionIO | None = None) -> Execution:
        """Run a script file with ``ARGS``; errors name the script and line."""
        code = Path(path).read_text(encoding="utf-8")
        if code.startswith("#!"):
            code = "--" + code
        self.session.set_args(str(path), args)
        return self.execute(code, io=io, name=f"@{path}")

    def tool_request(self, content: dict) -> dict:
        """Serve one tool_request content (see tool_service)."""
        return self.tools.handle(content)

    def interrupt(self) -> bool:
        """Interrupt the running chunk from any thread."""
        return self._session is not None and self._session.interrupt()

    def reset(self) -> None:
        """A fresh Lua session (globals gone); persisted State is kept."""
        self._session = None

    def save_state(self) -> bool:
        return self.state.save()

    def _arm_timeout(self) -> None:
        seconds = float(self.config.get("runtime.execution_timeout") or 0)
        if seconds > 0:
            self._timeout_timer = threading.Timer(seconds, self.session.interrupt)
            self._timeout_timer.daemon = True
            self._timeout_timer.start()

    def _disarm_timeout(self) -> None:
        if self._timeout_timer is not None:
            self._timeout_timer.cancel()
            self._timeout_timer = None
