"""The real ``llmspell`` executable as a subprocess, with LLMSPELL_HOME in a tmp dir.

Tests marked ``needs_builtin_tools`` use the real built-in registry (the ``calculator``
of the utility family); the others do not depend on any tool family.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

pytestmark = pytest.mark.usefixtures("llmspell_home")
needs_builtin_tools = pytest.mark.usefixtures("calculator_available")


@pytest.fixture(scope="module")
def calculator_available():
    """Skip (saying why) when the utility tool family cannot be imported right now."""
    try:  # every family imported here, so no catalog cache is read or written
        import importlib

        from llmspell.tools import base, registry as registry_mod

        for module in registry_mod.FAMILY_MODULES:
            importlib.import_module(module)
        registry = registry_mod.ToolRegistry(base.declared())
    except Exception as exc:  # a half-finished tool family
        pytest.skip(f"built-in tool registry does not import: {type(exc).__name__}: {exc}")
    if not registry.exists("calculator"):
        pytest.skip("the calculator tool (utility family) is not available")
    return registry


def one_error_line(proc) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# -- exec and run ------------------------------------------------------------------------

@needs_builtin_tools
def test_exec_calls_a_tool(llmspell_cli):
    proc = llmspell_cli("exec", 'print(Tool.invoke("calculator", {input = "2+2"}).result)')
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "4\n", "")


@pytest.mark.parametrize("code, shown", [("1+1", "2"), ("{1,2,x=3}", "{1, 2, x = 3}"),
                                         ("'s', nil", '"s"\tnil'), ("x = 1", None)])
def test_exec_prints_the_value_of_an_expression(llmspell_cli, code, shown):
    proc = llmspell_cli("exec", code)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == ("" if shown is None else shown + "\n")


def test_exec_output_order_across_streams(llmspell_cli):
    proc = llmspell_cli("exec", 'print("1") io.stderr:write("2\\n") io.write("3\\n") '
                                'io.stderr:write("4\\n") print("5")', merge=True)
    assert proc.returncode == 0
    assert proc.stdout == "1\n2\n3\n4\n5\n"


def test_run_script_with_args(llmspell_cli, tmp_path):
    (tmp_path / "greet.lua").write_text(
        "#!/usr/bin/env llmspell\nprint(ARGS[0], #ARGS, table.concat(ARGS, '+'))\n"
        "return 'ignored'\n")
    proc = llmspell_cli("run", "greet.lua", "a b", "c")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == "greet.lua\t2\ta b+c\n"      # run does not print the return value


def test_script_error_exits_1_with_script_and_line(llmspell_cli, tmp_path):
    (tmp_path / "fail.lua").write_text("print('before')\nlocal t = nil\nreturn t.field\n")
    proc = llmspell_cli("run", "fail.lua")
    assert proc.returncode == 1
    assert proc.stdout == "before\n"
    line = one_error_line(proc)
    assert "fail.lua:3:" in line and "attempt to index a nil value" in line


def test_traceback_flag_adds_the_lua_traceback(llmspell_cli, tmp_path):
    (tmp_path / "deep.lua").write_text("local function f()\n  error('deep')\nend\nf()\n")
    proc = llmspell_cli("run", "--traceback", "deep.lua")
    assert proc.returncode == 1
    first, *trace = proc.stderr.splitlines()
    assert first == "error: LuaError: deep.lua:2: deep"
    assert any("deep.lua:4: in main chunk" in line for line in trace)
    assert not any("llmspell-sandbox" in line for line in trace)


def test_syntax_error_in_exec(llmspell_cli):
    proc = llmspell_cli("exec", "x = = 1")
    assert proc.returncode == 1
    assert one_error_line(proc).startswith("error: SyntaxError: exec:1:")


def test_missing_script_is_a_usage_error(llmspell_cli):
    proc = llmspell_cli("run", "absent.lua")
    assert proc.returncode == 2 and "absent.lua" in one_error_line(proc)


def test_sandbox_holds_in_the_cli(llmspell_cli, tmp_path):
    proc = llmspell_cli("exec", f'os.execute("touch {tmp_path}/pwned")')
    assert proc.returncode == 1 and "'execute'" in one_error_line(proc)
    assert not (tmp_path / "pwned").exists()


def test_state_persists_between_cli_runs(llmspell_cli, llmspell_home):
    assert llmspell_cli("exec", "State.set('n', (State.get('n') or 0) + 1)").returncode == 0
    proc = llmspell_cli("exec", "State.set('n', State.get('n') + 1) return State.get('n')")
    assert proc.stdout == "2\n"
    state_dir = llmspell_home / "state"
    assert sorted(p.name for p in state_dir.iterdir()) == ["cli.json"]
    assert json.loads((state_dir / "cli.json").read_text())["scopes"]["global"]["n"] == 2


@pytest.mark.parametrize("argv", [
    ["bogus"], ["exec"], ["run"], ["exec", "--nope", "1"], ["tool"], ["tool", "invoke"],
    ["config", "frob"], [],
])
def test_usage_errors_exit_2_with_one_line(llmspell_cli, argv):
    proc = llmspell_cli(*argv)
    assert proc.returncode == 2 and proc.stdout == ""
    one_error_line(proc)


def test_help_exits_0(llmspell_cli):
    proc = llmspell_cli("--help")
    assert proc.returncode == 0 and "llmspell exec" in proc.stdout


def test_bad_format_exits_2(llmspell_cli):
    proc = llmspell_cli("version", "--format", "yaml")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "yaml" in one_error_line(proc)


# -- tools -------------------------------------------------------------------------------

@needs_builtin_tools
def test_tool_list_json(llmspell_cli, calculator_available):
    proc = llmspell_cli("tool", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    tools = json.loads(proc.stdout)["tools"]
    assert len(tools) == len(calculator_available.names())
    assert "calculator" in {t["name"] for t in tools}
    assert all(set(t) == {"name", "category", "description", "security_level"} for t in tools)


@needs_builtin_tools
def test_tool_list_table_counts(llmspell_cli, calculator_available):
    proc = llmspell_cli("tool", "list", "--category", "utility")
    assert proc.returncode == 0
    expected = len(calculator_available.specs("utility"))
    assert proc.stdout.rstrip().endswith(f"{expected} tools")


@needs_builtin_tools
def test_tool_invoke_json(llmspell_cli):
    proc = llmspell_cli("tool", "invoke", "calculator", "--params", "{input: '6*7'}",
                        "--format", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["result"] == 42


@needs_builtin_tools
@pytest.mark.parametrize("params", ["{input: ", "[1, 2]", "'text'"])
def test_tool_invoke_bad_params_exits_2(llmspell_cli, params):
    proc = llmspell_cli("tool", "invoke", "calculator", "--params", params)
    assert proc.returncode == 2 and "--params" in one_error_line(proc)


@needs_builtin_tools
def test_unknown_tool_exits_1_with_a_suggestion(llmspell_cli):
    proc = llmspell_cli("tool", "invoke", "calculater", "--params", "{input: '1'}")
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "calculater" in line and "did you mean calculator" in line and "[not_found]" in line
    as_json = llmspell_cli("tool", "info", "calculater", "--format", "json")
    assert as_json.returncode == 1
    reply = json.loads(as_json.stdout)
    assert reply["status"] == "error" and reply["error_type"] == "not_found"


@needs_builtin_tools
def test_tool_invoke_validation_error_exits_1(llmspell_cli):
    proc = llmspell_cli("tool", "invoke", "calculator", "--params", "{nonsense: 1}")
    assert proc.returncode == 1 and "validation_error" in one_error_line(proc)


@needs_builtin_tools
def test_tool_info_and_search(llmspell_cli):
    info = llmspell_cli("tool", "info", "calculator", "--format", "json")
    assert info.returncode == 0
    assert json.loads(info.stdout)["tool"]["name"] == "calculator"
    found = llmspell_cli("tool", "search", "calculator", "--format", "json")
    assert "calculator" in [t["name"] for t in json.loads(found.stdout)["tools"]]


# -- config and version -------------------------------------------------------------------

def test_config_init_then_validate(llmspell_cli, llmspell_home):
    init = llmspell_cli("config", "init")
    assert init.returncode == 0
    path = llmspell_home / "llmspell.toml"
    assert path.is_file() and str(path) in init.stdout
    valid = llmspell_cli("config", "validate")
    assert valid.returncode == 0 and str(path) in valid.stdout
    again = llmspell_cli("config", "init")
    assert again.returncode == 1 and "--force" in one_error_line(again)
    assert llmspell_cli("config", "init", "--force").returncode == 0


def test_config_validate_explicit_file(llmspell_cli, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[runtime]\nexecution_timeout = 5\n")
    proc = llmspell_cli("config", "validate", str(good))
    assert proc.returncode == 0 and str(good) in proc.stdout


@pytest.mark.parametrize("args", [("config", "validate", "{file}"), ("exec", "-c", "{file}", "1"),
                                  ("--config={file}", "tool", "list")])
def test_bad_config_file_exits_2_naming_file_and_key(llmspell_cli, tmp_path, args):
    bad = tmp_path / "bad.toml"
    bad.write_text("[runtime]\nmax_memory = 'plenty'\n")
    proc = llmspell_cli(*(a.format(file=bad) for a in args))
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_error_line(proc)
    assert str(bad) in line and "runtime.max_memory" in line and "integer" in line


def test_bad_user_config_and_env_exit_2(llmspell_cli, llmspell_home):
    env = llmspell_cli("exec", "1", env={"LLMSPELL_RUNTIME__MAX_MEMORY": "lots"})
    assert env.returncode == 2 and "LLMSPELL_RUNTIME__MAX_MEMORY" in one_error_line(env)
    (llmspell_home / "llmspell.toml").write_text("[nosuch]\n")
    user = llmspell_cli("exec", "1")
    assert user.returncode == 2 and "[nosuch]" in one_error_line(user)


def test_missing_config_file_exits_2(llmspell_cli, tmp_path):
    proc = llmspell_cli("exec", "--config", str(tmp_path / "gone.toml"), "1")
    assert proc.returncode == 2 and "gone.toml: no such file" in one_error_line(proc)


def test_config_show_json(llmspell_cli):
    proc = llmspell_cli("config", "show", "--format", "json",
                        env={"LLMSPELL_KERNEL__HISTORY_SIZE": "12"})
    assert proc.returncode == 0
    shown = json.loads(proc.stdout)
    assert shown["values"]["kernel"]["history_size"] == 12
    assert shown["sources"][-1] == "environment"


def test_memory_limit_from_config_applies(llmspell_cli):
    proc = llmspell_cli("exec", "local t = {} while true do t[#t + 1] = ('x'):rep(100) .. #t end",
                        env={"LLMSPELL_RUNTIME__MAX_MEMORY": str(8 * 1024 * 1024)})
    assert proc.returncode == 1 and "MemoryError" in one_error_line(proc)


def test_execution_timeout_from_config_applies(llmspell_cli):
    proc = llmspell_cli("exec", "while true do end",
                        env={"LLMSPELL_RUNTIME__EXECUTION_TIMEOUT": "0.2"})
    assert proc.returncode == 1 and "Interrupted" in one_error_line(proc)


def test_version_json(llmspell_cli):
    import llmspell

    proc = llmspell_cli("version", "--format", "json")
    assert proc.returncode == 0 and proc.stderr == ""
    info = json.loads(proc.stdout)
    assert info["version"] == llmspell.__version__
    assert info["lua"].startswith("5.4")
    assert "lupa" in info["dependencies"]


def test_version_plain(llmspell_cli):
    import llmspell

    proc = llmspell_cli("version")
    assert (proc.returncode, proc.stdout) == (0, f"llmspell {llmspell.__version__}\n")


def test_cli_never_writes_the_real_home(llmspell_cli, llmspell_home):
    llmspell_cli("exec", "State.set('x', 1)")
    assert (llmspell_home / "state" / "cli.json").exists()
    assert stat.S_IMODE((llmspell_home / "state" / "cli.json").stat().st_mode) == 0o600
    assert os.environ["LLMSPELL_HOME"] == str(llmspell_home)
