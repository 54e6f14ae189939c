"""process-executor with real programs from /usr/bin and /bin."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    return (tmp_path / "root").resolve()


def ctx(root: Path, allow=("echo", "cat", "sh", "env", "pwd", "head", "false", "sleep"),
        **kw) -> ToolContext:
    return ToolContext(settings=ToolSettings(allowed_paths=[str(root)],
                                             process_allowlist=list(allow), **kw))


def run(c: ToolContext, program: str, *args: str, **params) -> dict:
    return REGISTRY.invoke("process-executor", {"program": program, "args": list(args),
                                                **params}, c)


def fails(c: ToolContext, kind: str, program: str, *args: str, **params) -> str:
    with pytest.raises(ToolError) as info:
        run(c, program, *args, **params)
    assert info.value.error_type == kind, info.value.message
    return info.value.message


def gone(pid: int) -> bool:
    """True once ``pid`` is dead or a zombie; waits a bounded while for SIGKILL to land."""
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_echo_runs_and_reports(root):
    done = run(ctx(root), "echo", "hello", "world")
    assert done["stdout"] == "hello world\n" and done["stderr"] == ""
    assert done["exit_code"] == 0 and done["success"] and done["truncated"] is False
    assert done["duration"] >= 0 and done["program"].endswith("/echo")


def test_programs_outside_the_allowlist_are_refused(root):
    message = fails(ctx(root, allow=["echo"]), "permission_denied", "rm", "-rf", str(root))
    assert "allowed programs: echo" in message and root.exists()


def test_paths_are_accepted_only_for_the_allowlisted_executable(root):
    c = ctx(root)
    assert run(c, "/bin/echo", "x")["stdout"] == "x\n"
    assert run(c, "/usr/bin/echo", "y")["stdout"] == "y\n"
    fake = root / "echo"
    fake.write_text("#!/bin/sh\ntouch \"$(dirname \"$0\")/pwned\"\n")
    fake.chmod(0o755)
    fails(c, "permission_denied", str(fake), "x")
    fails(c, "permission_denied", "./echo", "x", cwd=".")
    assert not (root / "pwned").exists()


def test_no_shell_interpretation(root):
    done = run(ctx(root), "echo", "$HOME; touch pwned", "`id`")
    assert done["stdout"] == "$HOME; touch pwned `id`\n"
    assert not (root / "pwned").exists()


def test_environment_is_clean(root, monkeypatch):
    monkeypatch.setenv("LLMT_SECRET_TOKEN", "sk-live")
    monkeypatch.setenv("LLMT_PLAIN", "visible-to-kernel-only")
    c = ctx(root)
    assert sorted(run(c, "env")["stdout"].splitlines()) == ["LANG=C.UTF-8", "PATH=/usr/bin:/bin"]
    extra = run(c, "env", env={"GREETING": "hi"})["stdout"].splitlines()
    assert sorted(extra) == ["GREETING=hi", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"]


@pytest.mark.parametrize("name", ["API_KEY", "github_token", "DB_PASSWORD"])
def test_secret_looking_env_names_are_refused(root, name):
    assert "secret" in fails(ctx(root), "permission_denied", "env", env={name: "x"})


@pytest.mark.parametrize("name", ["LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "GLIBC_TUNABLES",
                                  "PYTHONPATH", "BASH_ENV", "IFS"])
def test_loader_env_names_are_refused(root, name):
    fails(ctx(root), "permission_denied", "env", env={name: "/tmp/x"})


def test_cwd_is_confined(root, tmp_path):
    (root / "sub").mkdir()
    (root / "file").write_text("x")
    c = ctx(root)
    assert run(c, "pwd", cwd="sub")["stdout"] == f"{root / 'sub'}\n"
    assert run(c, "pwd")["stdout"] == f"{root}\n"
    fails(c, "permission_denied", "pwd", cwd=str(tmp_path))
    fails(c, "permission_denied", "pwd", cwd="../")
    fails(c, "validation_error", "pwd", cwd="file")
    fails(c, "not_found", "pwd", cwd="missing")


def test_timeout_kills_the_whole_process_group(root):
    c = ctx(root, process_timeout=0.5)
    message = fails(c, "timeout", "sh", "-c", "sleep 30 & echo $! > bg.pid; sleep 30")
    assert "0.5 s" in message
    assert gone(int((root / "bg.pid").read_text()))


def test_timeout_parameter_can_only_lower_the_limit(root):
    fails(ctx(root, process_timeout=5), "timeout", "sleep", "30", timeout=0.2)
    message = fails(ctx(root, process_timeout=0.2), "timeout", "sleep", "30", timeout=100)
    assert "0.2 s" in message


def test_background_children_do_not_outlive_the_program(root):
    done = run(ctx(root), "sh", "-c", "sleep 30 & echo $!")
    assert gone(int(done["stdout"]))


def test_output_is_capped_with_flags(root):
    done = run(ctx(root, max_output=1000), "head", "-c", "5000", "/dev/zero")
    assert len(done["stdout"]) == 1000 and done["stdout_truncated"] and done["truncated"]
    assert done["stderr_truncated"] is False and done["exit_code"] == 0
    err = run(ctx(root, max_output=10), "sh", "-c", "echo 0123456789abcdef >&2")
    assert err["stderr"] == "0123456789" and err["stderr_truncated"]


def test_stdin_input_including_large_input(root):
    c = ctx(root)
    assert run(c, "cat", input="abc")["stdout"] == "abc"
    big = "x" * 300_000 + "\n"
    assert run(c, "cat", input=big)["stdout"] == big  # both pipes busy at once: no deadlock


def test_exit_codes_and_signals(root):
    c = ctx(root)
    failed = run(c, "false")
    assert failed["exit_code"] == 1 and failed["success"] is False
    killed = run(c, "sh", "-c", "kill -TERM $$")
    assert killed["exit_code"] == -15 and killed["signal"] == "SIGTERM"


def test_bad_requests(root):
    c = ctx(root, allow=["echo", "llmspell-no-such-program"])
    assert "not installed" in fails(c, "not_found", "llmspell-no-such-program")
    fails(c, "validation_error", "echo", "a\x00b")
    for params in ({"args": "notalist"}, {"env": {"1BAD": "x"}}, {"env": {"A": 1}},
                   {"timeout": 0}, {"shell": True}):
        with pytest.raises(ToolError) as info:
            REGISTRY.invoke("process-executor", {"program": "echo", **params}, c)
        assert info.value.error_type == "validation_error", params
    with pytest.raises(ToolError) as info:
        REGISTRY.invoke("process-executor", {"args": ["x"]}, c)
    assert info.value.error_type == "validation_error"
