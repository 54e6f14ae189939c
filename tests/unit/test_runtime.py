"""The Lua runtime through the real engine: value display, output capture and order,
error reports (chunk name, line, traceback), ARGS, and the JSON/Config/Log API."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("llmspell_home")


@pytest.mark.parametrize("code, text", [
    ("1+1", "2"),
    ("10 // 3", "3"),
    ("1/2", "0.5"),
    ("2^10", "1024.0"),
    ('"hi"', '"hi"'),
    ('"a\\nb"', '"a\\nb"'),
    ("{1,2,x=3}", "{1, 2, x = 3}"),
    ("{}", "{}"),
    ("{[10] = 'ten', ['two words'] = true}", '{[10] = "ten", ["two words"] = true}'),
    ("{a = {b = {1}}}", "{a = {b = {1}}}"),
    ("nil", "nil"),
    ("true, false", "true\tfalse"),
    ("1, 'two', nil", '1\t"two"\tnil'),
    ("return 3", "3"),
    ("local t = {} t.self = t return t", "{self = <cycle>}"),
    ("math.maxinteger", "9223372036854775807"),
])
def test_expression_values_are_shown_lua_repl_style(run_lua, code, text):
    result = run_lua(code)
    assert result.ok, result.failure
    assert result.text == text


@pytest.mark.parametrize("code", ["x = 1", "local y = 2", "for i = 1, 3 do end", "return"])
def test_statements_produce_no_value(run_lua, code):
    result = run_lua(code)
    assert result.ok and result.count == 0 and result.text is None


def test_values_are_the_raw_lua_values(run_lua):
    result = run_lua("return 1, 2.5, 'x', true")
    assert result.values == (1, 2.5, "x", True)
    assert result.count == 4


def test_globals_persist_between_chunks(run_lua):
    assert run_lua("function double(x) return 2 * x end COUNT = 20").ok
    assert run_lua("return double(COUNT) + 2").values == (42,)


def test_interleaved_output_keeps_its_order(run_lua, recording_io):
    io = recording_io()
    code = ('print("a", 1, nil)\nio.write("b", 2, "\\n")\nio.stderr:write("c\\n")\n'
            'io.stdout:write("d"):write("e")\nprint()\nio.stderr:write(3.5)')
    assert run_lua(code, io=io).ok
    assert io.events == [("stdout", "a\t1\tnil\n"), ("stdout", "b2\n"), ("stderr", "c\n"),
                         ("stdout", "d"), ("stdout", "e"), ("stdout", "\n"), ("stderr", "3.5")]


def test_print_uses_tostring_metamethods(run_lua, recording_io):
    io = recording_io()
    run_lua('print(setmetatable({}, {__tostring = function() return "custom" end}))', io=io)
    assert io.text() == "custom\n"


def test_non_utf8_output_and_values_are_replaced_not_fatal(run_lua, recording_io):
    io = recording_io()
    result = run_lua('print("a\\255b") return "x\\200", {"\\255"}', io=io)
    assert result.ok, result.failure
    assert io.text() == "a\ufffdb\n"
    assert result.values[0] == "x\ufffd"
    assert result.text == '"x\ufffd"\t{"\ufffd"}'
    failed = run_lua('error("bad \\255 byte")')
    assert failed.failure.evalue.endswith("bad \ufffd byte")


def test_non_utf8_arguments_to_the_api_are_lua_errors(run_lua):
    result = run_lua('local ok, e = pcall(State.set, "k\\255", 1) return ok, type(e), e')
    assert result.values[:2] == (False, "string")
    assert "invalid argument" in result.values[2]
    nested = run_lua('local ok, e = pcall(JSON.stringify, {"\\255"}) return e')
    assert "not valid UTF-8" in nested.values[0]


def test_write_rejects_tables_at_the_callers_line(run_lua):
    result = run_lua("local x = 1\nio.write('ok', {})")
    assert result.failure.evalue == "[1]:2: bad argument #2 to 'write' (string expected, got table)"


def test_runtime_error_names_chunk_and_line(engine, recording_io):
    code = "local function f(x)\n  return x.field\nend\nlocal a = 1\nf(nil)\n"
    result = engine.execute(code, io=recording_io(), name="@analysis.lua").result
    assert result.failure.ename == "LuaError"
    assert result.failure.evalue == "analysis.lua:2: attempt to index a nil value (local 'x')"
    trace = "\n".join(result.failure.traceback)
    assert result.failure.traceback[0] == "LuaError: " + result.failure.evalue
    assert "analysis.lua:2: in " in trace and "analysis.lua:5: in main chunk" in trace


def test_traceback_hides_the_sandbox_runner(run_lua):
    result = run_lua("error('x')")
    assert result.failure.traceback[-1].strip() == "[1]:1: in main chunk"
    assert not any("llmspell-sandbox" in line for line in result.failure.traceback)


def test_default_chunk_names_follow_the_execution_count(engine, recording_io):
    engine.execute("x = 1", io=recording_io())
    result = engine.execute("\n\nerror('third line')", io=recording_io()).result
    assert result.failure.evalue == f"[{engine.execution_count}]:3: third line"


def test_error_with_non_string_values(run_lua):
    assert run_lua("error({code = 1})").failure.evalue.startswith("table: ")
    custom = run_lua("error(setmetatable({}, {__tostring = function() return 'mine' end}))")
    assert custom.failure.evalue == "mine"
    assert run_lua("error()").failure.evalue == "nil"
    assert run_lua("error('plain', 0)").failure.evalue == "plain"


@pytest.mark.parametrize("code, line", [
    ("x = = 1", 1),
    ("local a = 1\nfor i = 1 do\nend", 2),
    ("if true then\n  print(1)\n", 3),
    ("return return", 1),
])
def test_syntax_errors(run_lua, code, line):
    result = run_lua(code)
    assert result.failure.ename == "SyntaxError"
    assert result.failure.evalue.startswith(f"[1]:{line}:")


def test_syntax_error_has_nothing_run(run_lua, recording_io):
    io = recording_io()
    result = run_lua('print("side effect")\nlocal = 3', io=io)
    assert result.failure.ename == "SyntaxError"
    assert io.events == []


def test_check_reports_syntax_without_running(engine):
    assert engine.session.check("x = 1") is None
    assert "near" in engine.session.check("x = = 1")
    assert engine.execute("return x").result.values == (None,)


def test_run_file_sets_args_and_names_the_script(engine, recording_io, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # Lua shortens long chunk names ("..."): keep the path short
    script = Path("job.lua")
    script.write_text("#!/usr/bin/env llmspell\nprint(ARGS[0], #ARGS, ARGS[1], ARGS[2])\n"
                      "error('failed with ' .. ARGS[2])\n")
    io = recording_io()
    result = engine.run_file(script, ["alpha", "beta"], io=io).result
    assert io.text() == f"{script}\t2\talpha\tbeta\n"
    assert result.failure.evalue == f"{script}:3: failed with beta"


def test_args_are_a_plain_table(engine, recording_io):
    engine.session.set_args("s.lua", ["1", "two"])
    result = engine.execute("local n = 0 for _, a in ipairs(ARGS) do n = n + #a end "
                            "return n, type(ARGS[1]), ARGS[0]", io=recording_io()).result
    assert result.values == (4, "string", "s.lua")


def test_io_read_takes_lines_from_the_session_io(run_lua, recording_io):
    io = recording_io(inputs=["first", "42", "third"])
    result = run_lua("local a = io.read() local n = io.read('n') local b = io.stdin:read('L') "
                     "local none = io.read() return a, n, b, none", io=io)
    assert result.values == ("first", 42, "third\n", None)
    assert run_lua("for l in io.lines('/etc/passwd') do end").failure.ename == "LuaError"


def test_json_round_trip(run_lua):
    result = run_lua("""
    local value = {name = "llmspell", list = {1, 2.5, "three", true}, nested = {a = {b = {}}},
                   unicode = "é☃"}
    local text = JSON.stringify(value)
    local back = JSON.parse(text)
    return text, back.name, back.list[2], back.list[4], back.unicode, JSON.stringify(back)
    """)
    assert result.ok, result.failure
    text, name, second, fourth, uni, again = result.values
    expected = {"name": "llmspell", "list": [1, 2.5, "three", True], "nested": {"a": {"b": {}}},
                "unicode": "é☃"}
    assert json.loads(text) == expected
    assert json.loads(again) == expected
    assert (name, second, fourth, uni) == ("llmspell", 2.5, True, "é☃")


def test_json_stringify_indent_and_parse_scalars(run_lua):
    result = run_lua('return JSON.stringify({a = 1}, 2), JSON.parse("3"), JSON.parse(\'"s"\'), '
                     "JSON.parse('[1, [2, 3]]')[2][2]")
    assert result.values[0] == '{\n  "a": 1\n}'
    assert result.values[1:] == (3, "s", 3)


@pytest.mark.parametrize("text, where", [("{bad", "line 1 column 2"),
                                         ('{"a": 1,}', "line 1 column 9"),
                                         ("[1,\n 2,\n x]", "line 3 column 2")])
def test_json_parse_error_message(run_lua, text, where):
    result = run_lua(f"local ok, err = pcall(JSON.parse, {json.dumps(text)}) return ok, err")
    ok, message = result.values
    assert ok is False
    assert message.startswith("JSON.parse: ") and message.endswith(f"at {where}")


@pytest.mark.parametrize("code, fragment", [
    ("JSON.stringify(print)", "function cannot be passed"),
    ("local t = {} t.self = t return JSON.stringify(t)", "cycle"),
    ("JSON.stringify({[{}] = 1})", "table key"),
    ("JSON.parse(42)", "expected a string"),
])
def test_json_refuses_non_data(run_lua, code, fragment):
    result = run_lua("local x\n" + code)
    assert result.failure.ename == "LuaError" and fragment in result.failure.evalue


def test_config_get_reads_values(make_engine, recording_io):
    engine = make_engine(LLMSPELL_TOOLS__HTTP_TIMEOUT="3.5", LLMSPELL_KERNEL__HISTORY_SIZE="7")
    result = engine.execute("return Config.get('tools.http_timeout'), "
                            "Config.get('kernel.history_size'), Config.get('tools').max_file_size, "
                            "Config.get('no.such'), Config.get('nosection')",
                            io=recording_io()).result
    assert result.values == (3.5, 7, engine.config.get("tools.max_file_size"), None, None)
    bad = engine.execute("return Config.get(1)", io=recording_io()).result
    assert "key must be a string" in bad.failure.evalue


def test_config_values_are_read_only_copies(engine, recording_io):
    before = engine.config.get("tools.process_allowlist")
    result = engine.execute("""
    local tools = Config.get('tools')
    tools.timeout = 1
    local allow = Config.get('tools.process_allowlist')
    allow[1] = 'rm'
    table.insert(allow, 'sh')
    return Config.get('tools').timeout, Config.get('tools.process_allowlist')[1]
    """, io=recording_io()).result
    assert result.ok, result.failure
    assert result.values == (engine.config.get("tools.timeout"), before[0])
    assert engine.config.get("tools.process_allowlist") == before
    assert "sh" not in engine.config.get("tools.process_allowlist")


def test_log_goes_to_python_logging(run_lua, caplog):
    with caplog.at_level(logging.DEBUG, logger="llmspell.lua"):
        assert run_lua("Log.warn('disk', 93, nil) Log.debug('d') Log.error('e')").ok
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "llmspell.lua"]
    assert records == [("WARNING", "disk 93 nil"), ("DEBUG", "d"), ("ERROR", "e")]


def test_tool_api_from_lua(run_lua):
    result = run_lua("""
    local r = Tool.invoke("echo-text", {text = "hey", times = 2})
    local by_alias = Tool.invoke("echo_text", {text = "alias"})
    local shortcut = Tool.number_adder({a = 2, b = 40})
    local names = {}
    for _, t in ipairs(Tool.list()) do names[#names + 1] = t.name end
    return r.text, r.times, by_alias.text, shortcut.sum, table.concat(names, ","),
           Tool.exists("echo-text"), Tool.exists("nope"), Tool.info("add").name,
           table.concat(Tool.categories(), ","), #Tool.search("numbers"), Tool.nope
    """)
    assert result.ok, result.failure
    assert result.values == ("hey", 2, "alias", 42, "always-fails,echo-text,number-adder",
                             True, False, "number-adder", "data,utility", 1, None)


@pytest.mark.parametrize("code, fragment", [
    ('Tool.invoke("echo-text", {times = 1})', "[validation_error]"),
    ('Tool.invoke("echo-txt", {text = "x"})', "did you mean echo-text"),
    ('Tool.invoke("always-fails", {})', "[permission_denied]: refused on purpose"),
    ('Tool.invoke("always-fails", {kind = "boom"})', "[execution_error]"),
    ('Tool.list("nocategory")', "[not_found]"),
])
def test_tool_errors_are_lua_errors_at_the_callers_line(run_lua, code, fragment):
    result = run_lua("local x = 1\n" + code)
    assert result.failure.ename == "LuaError"
    assert fragment in result.failure.evalue
    assert result.failure.evalue.startswith("[1]:2:")


def test_session_reset_drops_globals_but_not_state(engine, recording_io):
    engine.execute("G = 1 State.set('kept', 'yes')", io=recording_io())
    engine.reset()
    result = engine.execute("return G, State.get('kept')", io=recording_io()).result
    assert result.values == (None, "yes")
