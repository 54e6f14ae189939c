"""The Lua sandbox (DESIGN §6): no way out to the OS or to Python, a memory cap,
and finalizers that run under the same rules. Driven through the real ExecutionEngine."""

from __future__ import annotations

import lupa.lua54 as lupa
import pytest

from llmspell.tools.base import ToolSpec
from llmspell.tools.registry import ToolRegistry

pytestmark = pytest.mark.usefixtures("llmspell_home")


def lua_error(run_lua, code) -> str:
    result = run_lua(code)
    assert not result.ok, f"{code!r} should have been refused"
    assert result.failure.ename == "LuaError"
    return result.failure.evalue


@pytest.mark.parametrize("template, name", [
    ('os.execute("touch {marker}")', "execute"),
    ('io.popen("touch {marker}")', "popen"),
    ('io.open("{marker}", "w"):write("x")', "open"),
    ('loadfile("{marker}")', "loadfile"),
    ('dofile("{marker}")', "dofile"),
    ('require("os")', "require"),
    ('require("lfs")', "require"),                  # a C module
    ('package.loadlib("libc.so.6", "system")', "package"),
    ('string.dump(function() return 1 end)', "dump"),
    ('(""):dump()', "dump"),
    ('os.remove("{marker}")', "remove"),
    ('os.getenv("HOME")', "getenv"),
    ('os.exit(3)', "exit"),
    ('debug.getregistry()', "debug"),
    ('python.eval("1")', "python"),
])
def test_escape_attempt_is_refused_with_an_error_naming_it(run_lua, tmp_path, template, name):
    marker = tmp_path / "pwned"
    if "remove" in template:
        marker.write_text("keep me")
    message = lua_error(run_lua, "local x = 1\n" + template.format(marker=marker))
    assert f"'{name}'" in message          # e.g. "attempt to call a nil value (field 'execute')"
    assert message.startswith("[1]:2:")    # the script's line, not the sandbox's
    if "remove" in template:
        assert marker.read_text() == "keep me"
    else:
        assert not marker.exists()


@pytest.mark.parametrize("expr", [
    "python", "debug", "package", "require", "loadfile", "dofile", "string.dump",
    'getmetatable("").__index.dump', "os.execute", "os.getenv", "os.remove", "os.rename",
    "os.exit", "os.tmpname", "os.setlocale", "io.popen", "io.open", "io.tmpfile", "io.output",
    "io.input", "collectgarbage and load and rawget(_G, 'python')", "_G.python",
])
def test_dangerous_names_are_absent(run_lua, expr):
    result = run_lua(f"return type({expr})")
    assert result.ok and result.values == ("nil",)


def test_harmless_os_functions_stay(run_lua):
    result = run_lua("return type(os.time), type(os.clock), type(os.date), type(os.difftime)")
    assert result.values == ("function",) * 4
    assert run_lua("return os.time() > 0").values == (True,)


@pytest.fixture
def bytecode():
    """A real Lua 5.4 binary chunk (made by an unsandboxed runtime) that returns 42."""
    chunk = lupa.LuaRuntime(encoding=None).eval("string.dump(function() return 42 end)")
    assert chunk.startswith(b"\x1bLua")
    return chunk


@pytest.mark.parametrize("call", [
    "load(ARGS[1])", "load(ARGS[1], 'x', 'b')", "load(ARGS[1], 'x', 'bt')",
    "load(ARGS[1], 'x', 'bt', {})",
    # a reader function handing the binary chunk over piece by piece
    "load((function() local done = false return function() "
    "if done then return nil end done = true return ARGS[1] end end)())",
])
def test_binary_chunks_never_load(engine, recording_io, bytecode, call):
    engine.session.set_args("test", [bytecode])
    result = engine.execute(f"local f, err = {call}\nreturn f == nil, err", io=recording_io()).result
    assert result.ok, result.failure
    refused, message = result.values
    assert refused is True
    assert "binary" in message


def test_load_with_text_mode_still_works(run_lua):
    assert run_lua("return load('return 6 * 7')()").values == (42,)
    assert run_lua("return load('return 1', 'x', 't')()").values == (1,)
    env = {"k": 5}
    assert run_lua("return load('return k', 'x', 't', {k = 5})()").values == (env["k"],)
    # a fake binary header is refused even in text mode
    result = run_lua(r"return load('\27Lua\84\0')")
    assert result.values[0] is None and "binary" in result.values[1]


WALK = """
local seen, bad, count = {}, {}, 0
local function walk(v, path)
  local t = type(v)
  if t == "userdata" then bad[#bad + 1] = path end
  if t ~= "table" or seen[v] then return end
  seen[v] = true
  count = count + 1
  for k, x in pairs(v) do
    walk(k, path .. "[key]")
    walk(x, path .. "." .. tostring(k))
  end
  local mt = getmetatable(v)
  if mt ~= nil then walk(mt, path .. "<mt>") end
end
walk(_G, "_G")
walk(getmetatable(""), "<string mt>")
walk(getmetatable(io.stdout), "<file mt>")
for _, f in ipairs({print, Tool.invoke, State.get, JSON.parse, Config.get, load}) do
  walk(getmetatable(f), "<function mt>")
end
return count, table.concat(bad, ", ")
"""


def test_no_python_object_is_reachable_from_globals(run_lua):
    """Everything reachable from _G, the string metatable and the API is plain Lua:
    no userdata (a Python object wraps as userdata)."""
    result = run_lua(WALK)
    assert result.ok, result.failure
    count, bad = result.values
    assert count > 15          # the walk did cover the library and the API tables
    assert bad == ""


def test_python_global_and_host_callbacks_are_not_globals(run_lua):
    result = run_lua("local names = {} for k in pairs(_G) do names[#names + 1] = k end "
                     "table.sort(names) return table.concat(names, ' ')")
    names = set(result.values[0].split())
    assert {"Tool", "State", "JSON", "Config", "Log", "display", "print"} <= names
    assert not names & {"python", "host", "write", "read", "track", "untrack", "tool", "state",
                        "json", "config", "log", "debug", "package", "require"}


def _python_object_tool():
    def leak(params, ctx):
        return {"fn": len, "cls": object, "nested": [{"ok": 1}, {"bad": print}]}

    return ToolSpec("leaky-tool", "utility", "returns Python objects", "safe",
                    {"type": "object"}, leak)


def test_tool_result_holding_python_objects_never_reaches_lua(make_engine, recording_io):
    engine = make_engine(registry=ToolRegistry([_python_object_tool()]))
    code = ('local ok, r = pcall(Tool.invoke, "leaky-tool", {})\n'
            'return ok, type(r), r')
    result = engine.execute(code, io=recording_io()).result
    assert result.ok, result.failure
    ok, kind, message = result.values
    assert ok is False and kind == "string"
    assert "cannot be passed to Lua" in message


def test_output_failure_reaches_lua_as_a_string_not_a_python_exception(engine, recording_io):
    io = recording_io(fail_write="BOOM")
    code = 'local ok, err = pcall(print, "BOOM") return ok, type(err), err'
    result = engine.execute(code, io=io).result
    assert result.ok
    ok, kind, message = result.values
    assert (ok, kind) == (False, "string")
    assert "BrokenPipeError" in message


def test_input_failure_reaches_lua_as_a_string(engine):
    class BrokenInput:
        def write(self, stream, text):
            pass

        def read(self, prompt):
            raise OSError("stdin is gone")

        def display(self, data, metadata):
            pass

        def clear(self, wait):
            pass

    result = engine.execute("local ok, err = pcall(io.read) return ok, type(err), err",
                            io=BrokenInput()).result
    assert result.values[:2] == (False, "string")
    assert "stdin is gone" in result.values[2]


@pytest.mark.parametrize("code", [
    'local ok, e = pcall(Tool.invoke, "no-such-tool", {}) return e',
    'local ok, e = pcall(JSON.parse, "{bad") return e',
    'local ok, e = pcall(State.set, "", 1) return e',
    'local ok, e = pcall(display, "x", "not-a-mime") return e',
    'local ok, e = pcall(Tool.invoke, "always-fails", {kind = "python"}) return e',
    'local ok, e = pcall(Config.get, {}) return e',
])
def test_error_values_are_plain_lua(run_lua, code):
    result = run_lua(f"local v = (function() {code} end)() return type(v), v")
    assert result.ok, result.failure
    assert result.values[0] == "string"


def test_api_values_are_lua_tables_without_python_attributes(run_lua):
    code = """
    local r = Tool.invoke("echo-text", {text = "x"})
    local info = Tool.info("echo-text")
    local cfg = Config.get("tools")
    local out = {}
    for _, v in ipairs({r, info, cfg, Tool.list(), ARGS or {}}) do
      out[#out + 1] = type(v) .. ":" .. tostring(rawget(v, "__class__")) .. ":" ..
                      tostring(getmetatable(v))
    end
    return table.concat(out, " ")
    """
    result = run_lua(code)
    assert result.ok, result.failure
    assert result.values[0] == " ".join(["table:nil:nil"] * 5)


def test_memory_cap_raises_memory_error_and_session_survives(make_engine, recording_io):
    engine = make_engine(LLMSPELL_RUNTIME__MAX_MEMORY=16 * 1024 * 1024)
    assert engine.execute("KEEP = 'still here'", io=recording_io()).result.ok
    result = engine.execute("local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end",
                            io=recording_io()).result
    assert not result.ok
    assert result.failure.ename == "MemoryError"
    assert str(16 * 1024 * 1024) in result.failure.evalue
    after = engine.execute("return KEEP, 20 + 22", io=recording_io()).result
    assert after.ok and after.values == ("still here", 42)
    # one huge allocation, too
    big = engine.execute("return ('x'):rep(1 << 30)", io=recording_io()).result
    assert big.failure.ename == "MemoryError"
    # inside pcall the script sees the failure and goes on, still capped
    caught = engine.execute("local ok, e = pcall(string.rep, 'x', 1 << 30) return ok, e",
                            io=recording_io()).result
    assert caught.ok and caught.values == (False, "not enough memory")
    assert engine.session.memory_used() < 16 * 1024 * 1024


def test_finalizers_run_inside_the_sandbox(run_lua):
    setup = run_lua("""
    setmetatable({}, {__gc = function()
      GC_SAW = {type(os.execute), type(io.popen), type(debug), type(python), type(require),
                type(package), type(loadfile), type(string.dump)}
    end})
    collectgarbage() collectgarbage()
    """)
    assert setup.ok, setup.failure
    seen = run_lua("return GC_SAW and table.concat(GC_SAW, ',')")
    assert seen.values == (",".join(["nil"] * 8),)


def test_failing_finalizer_does_not_break_the_session(run_lua):
    result = run_lua("setmetatable({}, {__gc = function() error('in gc') end}) "
                     "collectgarbage() collectgarbage() return 'alive'")
    assert result.ok and result.values == ("alive",)
    assert run_lua("return 1 + 1").values == (2,)


@pytest.mark.parametrize("option", ["stop", "restart", "setpause", "setstepmul", "incremental",
                                    "generational"])
def test_collectgarbage_is_limited(run_lua, option):
    message = lua_error(run_lua, f'local x = 1\ncollectgarbage("{option}")')
    assert f"'{option}' is not allowed" in message
    assert run_lua('return collectgarbage("count") > 0').values == (True,)
