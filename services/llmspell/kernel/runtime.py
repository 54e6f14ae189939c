"""One sandboxed Lua 5.4 session: compile and run chunks, report results and errors.

The session knows nothing of Jupyter: output, input and the llmspell API reach the
outside world only through the ``host`` callbacks (see ``lua_api.LuaHost``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import lupa.lua54 as lupa

from .interrupt import Interrupter

MEMORY_MESSAGE = "not enough memory"


@dataclass
class LuaFailure:
    """Why a chunk failed, in Jupyter's error terms."""

    ename: str          # LuaError, SyntaxError, Interrupted, MemoryError
    evalue: str
    traceback: list[str] = field(default_factory=list)


@dataclass
class ChunkResult:
    """The outcome of running one chunk."""

    ok: bool
    count: int = 0                 # number of values the chunk produced
    text: str | None = None        # their display text (Lua REPL style), when count > 0
    values: tuple = ()             # the raw Lua values
    failure: LuaFailure | None = None


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("Python objects are not accessible from Lua")


class LuaSession:
    """A Lua state with the llmspell sandbox installed."""

    def __init__(self, host: Any, max_memory: int = 0):
        self.max_memory = max_memory
        self.lua = lupa.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_deny_attributes,
            max_memory=max_memory or None,
        )
        self.interrupter = Interrupter()
        host.bind(self.lua)
        callbacks = host.callbacks()
        callbacks["track"] = self.interrupter.track
        callbacks["untrack"] = self.interrupter.untrack
        source = resources.files(__package__).joinpath("sandbox.lua").read_text()
        loader = self.lua.eval("function(src) return load(src, '=llmspell-sandbox', 't') end")
        private = loader(source)(self.lua.table_from(callbacks))
        self._compile = private["compile"]
        self._run = private["run"]
        self._repr = private["repr"]
        self.interrupter.attach(private["main"])

    def set_args(self, script: str, args: list[str]) -> None:
        """Expose script arguments as ``ARGS`` (1-based; ``ARGS[0]`` is the script)."""
        table = self.lua.table_from(list(args))
        table[0] = script
        self.lua.globals().ARGS = table

    def check(self, code: str, name: str = "=input") -> str | None:
        """The syntax error message of ``code``, or None when it compiles."""
        fn, err = self._compile(code, name)
        return None if fn is not None else str(err)

    def execute(self, code: str, name: str = "=input") -> ChunkResult:
        """Compile and run ``code``; the values of an expression (or of a ``return``)
        are returned with their display text."""
        fn, err = self._compile(code, name)
        if fn is None:
            return ChunkResult(False, failure=LuaFailure("SyntaxError", str(err)))
        return self._call(fn)

    def _call(self, fn: Any) -> ChunkResult:
        self.interrupter.begin()
        try:
            outcome = self._run(fn)
        except lupa.LuaMemoryError:
            outcome = (False, MEMORY_MESSAGE)
        except lupa.LuaError as exc:  # raised outside xpcall (e.g. while converting)
            outcome = (False, str(exc))
        finally:
            interrupted = self.interrupter.end()
        if not isinstance(outcome, tuple):
            outcome = (outcome,)
        if outcome[0] is True:
            count = outcome[1]
            values = tuple(outcome[2:2 + count])
            text = self._repr(*values) if count else None
            return ChunkResult(True, count, text, values)
        return ChunkResult(False, failure=self._failure(outcome[1], interrupted))

    def _failure(self, error: Any, interrupted: bool) -> LuaFailure:
        if interrupted:
            return LuaFailure("Interrupted", "execution was interrupted")
        if lupa.lua_type(error) == "table":
            message, trace = str(error["message"]), str(error["traceback"] or "")
        else:
            message, trace = str(error), ""
        if message == MEMORY_MESSAGE:
            limit = f" of {self.max_memory} bytes" if self.max_memory else ""
            return LuaFailure("MemoryError", f"Lua memory limit{limit} exceeded "
                              "(raise runtime.max_memory in the configuration)")
        frames = [ln for ln in trace.splitlines() if ln.strip()]
        # the last frames are the sandbox's own runner (xpcall in llmspell-sandbox): drop them
        while frames and ("llmspell-sandbox" in frames[-1]
                          or frames[-1].strip() == "[C]: in function 'xpcall'"):
            frames.pop()
        lines = [f"LuaError: {message}"] + frames
        return LuaFailure("LuaError", message, lines)

    def memory_used(self) -> int:
        return self.lua.get_memory_used() or 0

    def interrupt(self) -> bool:
        """Interrupt running code from any thread; False if nothing is running."""
        return self.interrupter.interrupt()
