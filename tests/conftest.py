"""Shared fixtures: an isolated LLMSPELL_HOME for every test, engines on tiny test
registries, recording SessionIO/Outputs, the real CLI as a subprocess, and a hang guard.

With ``llmspell_home`` a test runs with ``LLMSPELL_HOME`` pointing into its own tmp dir
and without any inherited ``LLMSPELL_*`` or systemd directory variables, so nothing
reads or writes ``~/.llmspell`` (nor ``~/.cache``: XDG_CACHE_HOME is a tmp dir too).
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ISOLATED_VARS = ("STATE_DIRECTORY", "LOGS_DIRECTORY", "RUNTIME_DIRECTORY")
_SESSION_HOME: Path | None = None


def pytest_configure(config):
    """Before collection (test modules build tool registries at import time): point
    the user cache and LLMSPELL_HOME at a throwaway directory, so that no test, not
    even one without the ``llmspell_home`` fixture, touches the real home."""
    global _SESSION_HOME
    _SESSION_HOME = Path(tempfile.mkdtemp(prefix="llmspell-tests-"))
    os.environ["XDG_CACHE_HOME"] = str(_SESSION_HOME / "cache")
    os.environ["LLMSPELL_HOME"] = str(_SESSION_HOME / "home")


def pytest_unconfigure(config):
    if _SESSION_HOME is not None:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def isolated_cache_dir(tmp_path_factory) -> Path:
    """One XDG cache dir for the session (the tool catalog cache lives there)."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture
def llmspell_home(tmp_path, monkeypatch, isolated_cache_dir) -> Path:
    """A private LLMSPELL_HOME. Not autouse (other suites set up their own homes, some
    session-wide): modules opt in with ``pytestmark = pytest.mark.usefixtures(
    "llmspell_home")``; the engine and CLI fixtures here depend on it anyway."""
    home = tmp_path / "llmspell-home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("LLMSPELL_") or name in ISOLATED_VARS:
            monkeypatch.delenv(name)
    monkeypatch.setenv("LLMSPELL_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(isolated_cache_dir))
    return home


@pytest.fixture
def hang_guard():
    """Kill the test process (with every thread's traceback on stderr) if a test hangs,
    e.g. because an interrupt never arrives: a broken interrupt fails CI, never stalls it.
    faulthandler's watchdog is a C thread, so it fires even while Lua spins."""
    faulthandler.dump_traceback_later(30, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


class RecordingIO:
    """A SessionIO that records every event in order; ``read`` pops ``inputs``."""

    def __init__(self, inputs=(), fail_write: str | None = None):
        self.events: list[tuple] = []
        self.inputs = list(inputs)
        self.prompts: list[str] = []
        self.fail_write = fail_write

    def write(self, stream, text):
        if self.fail_write is not None and self.fail_write in text:
            raise BrokenPipeError(32, "Broken pipe")
        self.events.append((stream, text))

    def read(self, prompt):
        self.prompts.append(prompt)
        return self.inputs.pop(0) if self.inputs else None

    def display(self, data, metadata):
        self.events.append(("display", data))

    def clear(self, wait):
        self.events.append(("clear", wait))

    def text(self, stream="stdout") -> str:
        return "".join(t for s, t in self.events if s == stream)


class RecordingOutputs:
    """Handler Outputs recording iopub publishes; ``input`` answers from ``inputs``."""

    def __init__(self, inputs=()):
        self.published: list[tuple[str, dict]] = []
        self.inputs = list(inputs)
        self.prompts: list[str] = []

    def publish(self, msg_type, content):
        self.published.append((msg_type, content))

    def input(self, prompt, password=False):
        self.prompts.append(prompt)
        return self.inputs.pop(0) if self.inputs else None

    def of(self, msg_type) -> list[dict]:
        return [c for t, c in self.published if t == msg_type]

    def types(self) -> list[str]:
        return [t for t, _ in self.published]


def _tiny_specs():
    """Test tools declared with ToolSpec directly (the ``tool`` decorator would add them
    to the process-wide list the built-in registry is built from)."""
    from llmspell.tools.base import Example, ToolError, ToolSpec

    def echo(params, ctx):
        return {"text": params["text"], "times": params["times"]}

    def add(params, ctx):
        return {"sum": params["a"] + params["b"]}

    def fail(params, ctx):
        kind = params.get("kind", "tool")
        if kind == "tool":
            raise ToolError("permission_denied", "refused on purpose")
        if kind == "timeout":
            raise TimeoutError("too slow")
        if kind == "perm":
            raise PermissionError("no access")
        raise RuntimeError("kaboom")

    text_schema = {"properties": {"text": {"type": "string"},
                                  "times": {"type": "integer", "default": 1}},
                   "required": ["text"]}
    num_schema = {"properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                  "required": ["a", "b"]}
    return [
        ToolSpec("echo-text", "utility", "Echo a text back", "safe",
                 {"type": "object", **text_schema}, echo,
                 [Example({"text": "hi"}, "echo hi", expect={"text": "hi", "times": 1})],
                 ("echo_text",)),
        ToolSpec("number-adder", "data", "Add two numbers a and b", "safe",
                 {"type": "object", **num_schema}, add,
                 [Example({"a": 1, "b": 2}, "one plus two", expect={"sum": 3}),
                  Example({"a": 1, "b": 2}, "wrong on purpose", expect={"sum": 4})],
                 ("number_adder", "add")),
        ToolSpec("always-fails", "utility", "Fails in the way asked", "restricted",
                 {"type": "object", "properties": {"kind": {"type": "string"}}}, fail),
    ]


@pytest.fixture
def tiny_specs():
    return _tiny_specs()


@pytest.fixture
def tiny_registry():
    from llmspell.tools.registry import ToolRegistry

    return ToolRegistry(_tiny_specs())


@pytest.fixture
def make_config(tmp_path, llmspell_home):
    """``make_config(**env)``: the layered config with LLMSPELL_* variables from ``env``
    and no system file (the machine's /etc/llmspell never leaks into a test)."""
    from llmspell import config

    def make(explicit=None, **env):
        environ = {"LLMSPELL_HOME": os.environ["LLMSPELL_HOME"],
                   **{k: str(v) for k, v in env.items()}}
        return config.load(explicit, environ=environ, system_file=tmp_path / "no-system.toml")

    return make


@pytest.fixture
def make_engine(make_config, tiny_registry):
    """``make_engine(registry=..., persist_state=False, instance_id=..., **env)``."""
    from llmspell.kernel.engine import ExecutionEngine

    def make(registry=None, persist_state=False, instance_id="test", **env):
        return ExecutionEngine(make_config(**env), instance_id=instance_id,
                               registry=registry or tiny_registry, persist_state=persist_state)

    return make


@pytest.fixture
def engine(make_engine):
    return make_engine()


@pytest.fixture
def recording_io():
    return RecordingIO


@pytest.fixture
def recording_outputs():
    return RecordingOutputs


@pytest.fixture
def run_lua(engine):
    """``run_lua(code, io=None)`` -> ChunkResult on the shared test engine."""

    def run(code, io=None, name=None):
        return engine.execute(code, io=io or RecordingIO(), name=name).result

    return run


@pytest.fixture
def llmspell_cli(llmspell_home, tmp_path):
    """``llmspell_cli(*args, env=None, cwd=None, merge=False)``: the real executable
    (``python -m llmspell.cli.main``) with the isolated home; returns CompletedProcess."""

    def run(*args, env=None, cwd=None, merge=False, input=None):
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith("LLMSPELL_") and k not in ISOLATED_VARS}
        environ.update(LLMSPELL_HOME=str(llmspell_home), PYTHONUNBUFFERED="1",
                       **(env or {}))
        return subprocess.run(
            [sys.executable, "-m", "llmspell.cli.main", *args], env=environ,
            cwd=cwd or tmp_path, input=input, text=True, timeout=60,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE)

    return run
