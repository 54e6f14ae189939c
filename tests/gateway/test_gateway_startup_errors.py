"""Start-up failures of the gateway in its default mode: a second gateway for a running
port (same home: PID-file lock; other home: the ports are taken), a port held by
another program, and a runtime path too long for the kernel link. Each fails fast with
one error line and no traceback, leaves no kernel process behind, and never disturbs
the instance that runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
from gateway_kit import (
    GATEWAY_EXE,
    GatewayProcess,
    gateway_env,
    kernel_info,
    kernel_pids,
    pid_alive,
    result_text,
)
from jupyter_kit import run_cell
from process_kit import free_base_port

FAIL_FAST = 10.0  # seconds a failing start may take (it is ~0.2 s)


@pytest.fixture
def run_failing():
    """``run_failing(argv, home)`` -> (CompletedProcess, seconds): a gateway expected to
    fail at start. At teardown (after the test checked that nothing was left behind) its
    process group is killed, in case it left a kernel child after all."""
    groups: list[int] = []

    def run(argv: list[str], home) -> tuple[subprocess.CompletedProcess, float]:
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=gateway_env(home), cwd=home,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        groups.append(proc.pid)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"the gateway did not exit: {err}") from None
        return (subprocess.CompletedProcess(argv, proc.returncode, out, err),
                time.monotonic() - started)

    yield run
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("llmspell-gateway: error:")]


def _assert_no_kernel_left(stderr: str, endpoint_path: str) -> None:
    """Neither a kernel the failed gateway said it started nor any kernel on its link lives."""
    for pid in re.findall(r"started kernel process (\d+)", stderr):
        assert not pid_alive(int(pid)), f"kernel {pid} outlived its failed gateway"
    assert kernel_pids(endpoint_path) == []


def _assert_first_undisturbed(gateway: GatewayProcess, client, before: dict) -> None:
    reply, iopub = run_cell(client, "kept")
    assert reply["content"]["status"] == "ok"
    assert result_text(iopub) == ["7"]  # same kernel, state intact: no restart happened
    assert kernel_info(client)["llmspell"]["pid"] == before["pid"]
    assert gateway.kernel_pids() == [before["pid"]]
    assert json.loads(gateway.connection_file.read_text()) == before["info"]
    assert (gateway.runtime / "gateway.pid").read_text().strip() == str(gateway.pid)
    assert gateway.proc.poll() is None


def _state_of_first(gateway: GatewayProcess, client) -> dict:
    assert run_cell(client, "kept = 7")[0]["content"]["status"] == "ok"
    return {"pid": kernel_info(client)["llmspell"]["pid"],
            "info": json.loads(gateway.connection_file.read_text())}


def test_second_gateway_same_port_says_already_running(gateway, client, run_failing):
    before = _state_of_first(gateway, client)
    done, elapsed = run_failing(gateway.argv, gateway.home)  # same home, port, file
    assert done.returncode != 0
    assert elapsed < FAIL_FAST
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"already running with PID {gateway.pid}" in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    _assert_first_undisturbed(gateway, client, before)
    time.sleep(0.5)  # a kernel of the second one would have taken the link by now
    _assert_first_undisturbed(gateway, client, before)


def test_second_gateway_other_home_cannot_bind_and_first_serves(gateway, client, homes,
                                                                run_failing):
    before = _state_of_first(gateway, client)
    other = homes()
    argv = [gateway.argv[0], f"--port={gateway.port}", f"--connection-file={other / 'c.json'}"]
    done, elapsed = run_failing(argv, other)
    assert done.returncode != 0 and elapsed < FAIL_FAST
    errors = _error_lines(done.stderr)
    assert len(errors) == 1 and "cannot bind" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (other / "c.json").exists()
    _assert_no_kernel_left(done.stderr, str(other / "run" / f"gateway-{gateway.port}" /
                                            "kernel.link"))
    _assert_first_undisturbed(gateway, client, before)


def test_port_taken_by_another_program_fails_cleanly(spawn, homes, run_failing):
    home, port = homes(), free_base_port()
    conn, runtime = home / "c.json", home / "run" / f"gateway-{port}"
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port + 1))  # the iopub port
        blocker.listen()
        done, elapsed = run_failing([GATEWAY_EXE, f"--port={port}",
                                      f"--connection-file={conn}"], home)
    assert done.returncode != 0 and elapsed < FAIL_FAST
    errors = _error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    assert "cannot bind" in errors[0] and f"{port}..{port + 4}" in errors[0]
    assert "Traceback" not in done.stderr
    assert not conn.exists()
    _assert_no_kernel_left(done.stderr, str(runtime / "kernel.link"))
    assert not (runtime / "gateway.pid").exists()  # released
    gw = spawn(home=home, port=port)  # the port is free again: the same instance starts
    assert gw.connection_file.exists()


def test_runtime_path_too_long_for_link_is_a_one_line_error(spawn, homes):
    home = homes() / ("h" * 90)  # run/gateway-P/kernel.link exceeds 107 bytes
    home.mkdir()
    gw = spawn(home=home, wait=False)
    assert gw.wait_exit() != 0
    text = gw.log()
    assert "Traceback" not in text, text
    assert len(_error_lines(text)) == 1, text
    _assert_no_kernel_left(text, gw.endpoint_path)
