"""Jupyter request handlers over the real engine: reply contents and iopub publishes."""

from __future__ import annotations

import lupa.lua54 as lupa
import pytest

import llmspell
from llmspell.kernel.handlers import KernelHandlers
from llmspell.kernel.inprocess import InProcessKernel

pytestmark = pytest.mark.usefixtures("llmspell_home")


@pytest.fixture
def handlers(engine):
    return KernelHandlers(engine)


def execute(handlers, outputs, code, **extra):
    reply_type, reply = handlers.handle("execute_request", {"code": code, **extra}, outputs)
    assert reply_type == "execute_reply"
    return reply


def test_kernel_info_reply(handlers, recording_outputs):
    reply_type, info = handlers.handle("kernel_info_request", {}, recording_outputs())
    assert reply_type == "kernel_info_reply"
    assert info["status"] == "ok"
    major, minor = (int(x) for x in info["protocol_version"].split(".")[:2])
    assert (major, minor) >= (5, 3)
    assert info["implementation"] == "llmspell"
    assert info["implementation_version"] == llmspell.__version__
    lang = info["language_info"]
    assert lang["name"] == "lua" and lang["file_extension"] == ".lua"
    assert lang["mimetype"] == "text/x-lua"
    assert lang["version"] == "%d.%d" % lupa.LuaRuntime().lua_version
    assert llmspell.__version__ in info["banner"]
    assert isinstance(info["help_links"], list)


def test_execute_ok_publishes_input_stream_and_result(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, 'print("hello") io.stderr:write("warn") return 6 * 7')
    assert reply["status"] == "ok" and reply["execution_count"] == 1
    assert reply["user_expressions"] == {} and reply["payload"] == []
    assert out.types() == ["execute_input", "stream", "stream", "execute_result"]
    assert out.of("execute_input") == [{"code": 'print("hello") io.stderr:write("warn") '
                                                'return 6 * 7', "execution_count": 1}]
    assert out.of("stream") == [{"name": "stdout", "text": "hello\n"},
                                {"name": "stderr", "text": "warn"}]
    assert out.of("execute_result") == [{"execution_count": 1, "data": {"text/plain": "42"},
                                         "metadata": {}}]


def test_statement_has_no_execute_result(handlers, recording_outputs):
    out = recording_outputs()
    assert execute(handlers, out, "x = 1")["status"] == "ok"
    assert out.types() == ["execute_input"]


def test_execution_count_increments(handlers, recording_outputs):
    counts = [execute(handlers, recording_outputs(), code)["execution_count"]
              for code in ("1", "error('x')", "x = ", "2")]
    assert counts == [1, 2, 3, 4]


def test_execute_error_reply_and_error_publish(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, "local a = 1\nerror('broken')")
    assert reply["status"] == "error" and reply["execution_count"] == 1
    assert reply["ename"] == "LuaError" and reply["evalue"] == "[1]:2: broken"
    assert isinstance(reply["traceback"], list) and reply["traceback"][0].endswith("broken")
    assert out.types() == ["execute_input", "error"]
    published = out.of("error")[0]
    assert {k: published[k] for k in ("ename", "evalue", "traceback")} == \
        {k: reply[k] for k in ("ename", "evalue", "traceback")}


def test_syntax_error_reply(handlers, recording_outputs):
    reply = execute(handlers, recording_outputs(), "for")
    assert reply["status"] == "error" and reply["ename"] == "SyntaxError"
    assert reply["traceback"] and reply["evalue"] in reply["traceback"][0]


def test_silent_does_not_count_or_publish_input_or_result(handlers, recording_outputs):
    execute(handlers, recording_outputs(), "x = 1")
    out = recording_outputs()
    reply = execute(handlers, out, "x = x + 1 return x", silent=True)
    assert reply["status"] == "ok" and reply["execution_count"] == 1
    assert "execute_input" not in out.types() and "execute_result" not in out.types()
    follow = recording_outputs()
    reply = execute(handlers, follow, "return x")
    assert reply["execution_count"] == 2                 # the silent one was not counted
    assert follow.of("execute_result")[0]["data"] == {"text/plain": "2"}  # but it ran


def test_store_history_false_does_not_count(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, "return 1", store_history=False)
    assert reply["execution_count"] == 0
    assert out.of("execute_input")[0]["execution_count"] == 0
    assert execute(handlers, recording_outputs(), "return 1")["execution_count"] == 1
    assert handlers.engine.history == [(1, "return 1")]


def test_user_expressions(handlers, recording_outputs):
    reply = execute(handlers, recording_outputs(), "t = {n = 3}",
                    user_expressions={"n": "t.n * 2", "tbl": "t", "bad": "t.x.y",
                                      "syntax": "t..", "none": "nil"})
    exprs = reply["user_expressions"]
    assert exprs["n"] == {"status": "ok", "data": {"text/plain": "6"}, "metadata": {}}
    assert exprs["tbl"]["data"] == {"text/plain": "{n = 3}"}
    assert exprs["none"]["data"] == {"text/plain": "nil"}
    assert exprs["bad"]["status"] == "error" and exprs["bad"]["ename"] == "LuaError"
    assert exprs["syntax"]["status"] == "error" and exprs["syntax"]["ename"] == "SyntaxError"
    assert reply["execution_count"] == 1


def test_display_publishes_display_data(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, 'display({rows = 2}) display("<b>hi</b>", "text/html") '
                                   'display(5) clear_output(true)')
    assert reply["status"] == "ok"
    displays = out.of("display_data")
    assert [d["data"] for d in displays] == [
        {"application/json": {"rows": 2}, "text/plain": '{\n "rows": 2\n}'},
        {"text/html": "<b>hi</b>", "text/plain": "<b>hi</b>"},
        {"text/plain": "5"},
    ]
    assert all(d["metadata"] == {} for d in displays)
    assert out.of("clear_output") == [{"wait": True}]


def test_a_cell_that_only_displays_has_no_result(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, "display(42)")
    assert reply["status"] == "ok"
    assert [d["data"] for d in out.of("display_data")] == [{"text/plain": "42"}]
    assert out.of("execute_result") == []


def test_display_with_a_bad_mime_type_is_an_error(handlers, recording_outputs):
    out = recording_outputs()
    reply = execute(handlers, out, 'display("x", "html")')
    assert reply["status"] == "error" and "MIME type" in reply["evalue"]
    assert out.of("display_data") == []


def test_input_only_when_allowed(handlers, recording_outputs):
    out = recording_outputs(inputs=["typed"])
    reply = execute(handlers, out, "return io.read()", allow_stdin=True)
    assert out.of("execute_result")[0]["data"] == {"text/plain": '"typed"'}
    assert reply["status"] == "ok" and out.prompts == [""]
    denied = recording_outputs(inputs=["never"])
    execute(handlers, denied, "return io.read()", allow_stdin=False)
    assert denied.of("execute_result")[0]["data"] == {"text/plain": "nil"}
    assert denied.prompts == []


def test_tool_request(handlers, recording_outputs):
    reply_type, listing = handlers.handle("tool_request", {"command": "list"}, recording_outputs())
    assert reply_type == "tool_reply" and listing["status"] == "ok"
    assert [t["name"] for t in listing["tools"]] == ["always-fails", "echo-text", "number-adder"]
    _, invoked = handlers.handle("tool_request", {"command": "invoke", "name": "add",
                                                  "params": {"a": 1, "b": 2}}, recording_outputs())
    assert invoked == {"status": "ok", "tool": "number-adder", "result": {"sum": 3}}
    _, missing = handlers.handle("tool_request", {"command": "invoke", "name": "ech-text"},
                                 recording_outputs())
    assert missing["status"] == "error" and missing["error_type"] == "not_found"
    assert "echo-text" in missing["message"]
    _, bad = handlers.handle("tool_request", {"command": "explode"}, recording_outputs())
    assert bad["status"] == "error" and bad["error_type"] == "validation_error"


def test_unknown_request_type(handlers, engine, recording_outputs):
    assert handlers.handle("frobnicate_request", {}, recording_outputs()) is None
    reply = InProcessKernel(engine).request("frobnicate_request", {}, recording_outputs())
    assert reply["status"] == "error" and "frobnicate_request" in reply["evalue"]


def test_inprocess_kernel_uses_the_same_handlers(engine, recording_outputs):
    kernel = InProcessKernel(engine)
    out = recording_outputs()
    reply = kernel.request("execute_request", {"code": "return 'in process'"}, out)
    assert reply["status"] == "ok" and reply["execution_count"] == 1
    assert out.of("execute_result")[0]["data"] == {"text/plain": '"in process"'}
