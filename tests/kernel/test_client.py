"""jupyter_client against the real kernel: a BlockingKernelClient from a connection
file (standalone ``llmspell-kernel``) and a KernelManager driving the installed
kernelspec through start, execute, interrupt, restart and shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import zmq
from jupyter_client import BlockingKernelClient, KernelManager
from jupyter_client.connect import write_connection_file
from jupyter_kit import iopub_until_idle, run_cell
from kernel_kit import CLI_EXE, KERNEL_NAME, START_TIMEOUT, kernel_env

PORT_KEYS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


def _version(msg: dict) -> tuple[int, ...]:
    return tuple(int(p) for p in msg["header"]["version"].split("."))


def _result(messages: list[dict]) -> str | None:
    found = [m["content"]["data"]["text/plain"] for m in messages
             if m["msg_type"] == "execute_result"]
    return found[0] if found else None


def _wait_running(kc, msg_id: str, timeout: float = 10.0) -> None:
    """Wait for the execute_input of ``msg_id``: the Lua code is about to run."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            time.sleep(0.05)
            return


def _interrupt_reply(kc, msg_id: str, interrupt) -> tuple[dict, float]:
    _wait_running(kc, msg_id)
    start = time.monotonic()
    interrupt()
    reply = kc.get_shell_msg(timeout=10)
    elapsed = time.monotonic() - start
    assert reply["parent_header"]["msg_id"] == msg_id
    iopub_until_idle(kc, msg_id)
    return reply, elapsed


def test_blocking_client_from_connection_file(kernel):
    kc = BlockingKernelClient(connection_file=str(kernel.connection_file))
    kc.load_connection_file()
    assert kc.shell_port == kernel.info["shell_port"] and kc.session.key == kernel.info["key"].encode()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=START_TIMEOUT)
        kc.kernel_info()
        info = kc.get_shell_msg(timeout=5)
        assert info["msg_type"] == "kernel_info_reply"
        content = info["content"]
        assert tuple(map(int, content["protocol_version"].split("."))) >= (5, 3)
        assert content["language_info"]["name"] == "lua"
        assert content["implementation"] == "llmspell"

        reply, messages = run_cell(kc, "x = 20")
        assert reply["content"]["status"] == "ok"
        count = reply["content"]["execution_count"]
        reply, messages = run_cell(kc, "x + 1")
        assert reply["content"]["execution_count"] == count + 1
        assert [m["msg_type"] for m in messages] == ["status", "execute_input",
                                                     "execute_result", "status"]
        assert [m["content"].get("execution_state") for m in messages][::3] == ["busy", "idle"]
        assert _result(messages) == "21"
        for msg in (info, reply, *messages):
            assert _version(msg) >= (5, 3), msg["header"]
            assert msg["header"]["session"] and msg["header"]["msg_id"]
    finally:
        kc.stop_channels()


def test_stdin_input_request(client):
    msg_id = client.execute("local name = io.read(); return 'hi ' .. name", allow_stdin=True)
    request = client.get_stdin_msg(timeout=10)
    assert request["msg_type"] == "input_request"
    assert request["parent_header"]["msg_id"] == msg_id
    client.input("Ada")
    reply = client.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok"
    assert _result(iopub_until_idle(client, msg_id)) == '"hi Ada"'


def test_stop_on_error_aborts_queued_executes(client):
    first = client.execute('error("first fails")')
    second = client.execute("1 + 1")
    replies = {}
    while len(replies) < 2:
        msg = client.get_shell_msg(timeout=10)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]
    assert replies[first]["status"] == "error"
    assert replies[second]["status"] == "aborted"
    _, messages = run_cell(client, "2 + 2")
    assert _result(messages) == "4"


def test_control_answers_while_lua_runs(client):
    msg_id = client.execute("while true do end")
    _wait_running(client, msg_id)
    control = client.control_channel
    control.send(client.session.msg("kernel_info_request"))
    info = control.get_msg(timeout=5)
    assert info["msg_type"] == "kernel_info_reply"
    control.send(client.session.msg("interrupt_request"))
    assert control.get_msg(timeout=5)["content"]["status"] == "ok"
    reply = client.get_shell_msg(timeout=5)
    assert reply["content"]["status"] == "error"


def test_custom_tool_request_and_comm_info(client):
    client.shell_channel.send(client.session.msg("tool_request", {"command": "list"}))
    reply = client.get_shell_msg(timeout=10)
    assert reply["msg_type"] == "tool_reply"
    assert reply["content"]["status"] == "ok"
    names = {t["name"] for t in reply["content"]["tools"]}
    assert "calculator" in names
    client.shell_channel.send(client.session.msg(
        "tool_request", {"command": "invoke", "name": "calculator", "params": {"input": "6*7"}}))
    reply = client.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "42" in json.dumps(reply["content"]["result"])
    client.comm_info()
    reply = client.get_shell_msg(timeout=10)
    assert reply["msg_type"] == "comm_info_reply" and reply["content"]["comms"] == {}


def test_heartbeat_echoes(kernel):
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    sock.connect(f"tcp://127.0.0.1:{kernel.info['hb_port']}")
    try:
        sock.send(b"ping-123")
        assert sock.poll(5000), "no heartbeat echo"
        assert sock.recv() == b"ping-123"
    finally:
        sock.close()


def test_sigint_interrupts_standalone_kernel(kernel, client):
    run_cell(client, "kept = 5")
    msg_id = client.execute("while true do end")
    reply, elapsed = _interrupt_reply(client, msg_id,
                                      lambda: kernel.proc.send_signal(signal.SIGINT))
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert elapsed < 2.0
    assert kernel.proc.poll() is None
    assert _result(run_cell(client, "kept")[1]) == "5"


def test_shutdown_request_stops_standalone_kernel(kernel, client):
    client.shutdown()
    reply = client.get_control_msg(timeout=10)
    assert reply["msg_type"] == "shutdown_reply" and reply["content"]["restart"] is False
    assert kernel.proc.wait(10) == 0
    assert not kernel.connection_file.exists()


def test_restart_request_restarts_standalone_kernel_in_place(kernel, client):
    run_cell(client, "gone = 1")
    client.shutdown(restart=True)
    reply = client.get_control_msg(timeout=10)
    assert reply["content"]["restart"] is True
    client.wait_for_ready(timeout=START_TIMEOUT)
    reply, messages = run_cell(client, "gone == nil")
    assert _result(messages) == "true"
    assert reply["content"]["execution_count"] == 1
    assert kernel.proc.poll() is None
    assert json.loads(kernel.connection_file.read_text()) == kernel.info


def test_request_sent_right_after_the_restart_reply_is_served_by_the_new_kernel(client):
    run_cell(client, "gone = 1")
    client.shutdown(restart=True)
    assert client.get_control_msg(timeout=10)["content"]["restart"] is True
    reply, messages = run_cell(client, "gone == nil", timeout=5)  # no wait_for_ready
    assert _result(messages) == "true"
    assert reply["content"]["execution_count"] == 1


def test_kernel_manager_lifecycle(tmp_path):
    km = KernelManager(kernel_name=KERNEL_NAME)
    assert km.kernel_spec.interrupt_mode == "message"
    km.start_kernel(env=kernel_env(tmp_path / "home"), cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=START_TIMEOUT)
        ports = {k: km.get_connection_info()[k] for k in PORT_KEYS}
        pid = km.provisioner.pid
        connection_file = Path(km.connection_file)
        assert connection_file.exists()

        reply, messages = run_cell(kc, "kept = 41; return kept + 1")
        assert _result(messages) == "42"

        msg_id = kc.execute("while true do end")
        reply, elapsed = _interrupt_reply(kc, msg_id, km.interrupt_kernel)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "Interrupted"
        assert elapsed < 2.0, f"interrupt took {elapsed:.3f}s"
        assert km.is_alive()
        assert _result(run_cell(kc, "kept")[1]) == "41"

        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=START_TIMEOUT)
        assert {k: km.get_connection_info()[k] for k in PORT_KEYS} == ports
        assert km.provisioner.pid != pid
        reply, messages = run_cell(kc, "kept == nil")
        assert _result(messages) == "true"
        assert reply["content"]["execution_count"] == 1
        new_pid = km.provisioner.pid
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert not km.is_alive()
    with pytest.raises(ProcessLookupError):
        os.kill(new_pid, 0)
    assert not connection_file.exists()


def test_cli_kernel_start_foreground(standalone, tmp_path):
    conn = tmp_path / "cli" / "k.json"
    kernel = standalone(argv=[CLI_EXE, "kernel", "start", "--port=0",
                              f"--connection-file={conn}"], connection_file=conn)
    kc = kernel.client()
    try:
        assert _result(run_cell(kc, "'via ' .. 'cli'")[1]) == '"via cli"'
    finally:
        kc.stop_channels()


def test_cli_kernel_start_existing_connection_file(standalone, tmp_path):
    path, info = write_connection_file(str(tmp_path / "existing.json"), ip="127.0.0.1",
                                       key=b"0123456789abcdef", kernel_name=KERNEL_NAME)
    kernel = standalone(argv=[CLI_EXE, "kernel", "start", f"--connection-file={path}"],
                        connection_file=Path(path))
    kc = kernel.client()
    try:
        assert kc.shell_port == info["shell_port"]
        assert _result(run_cell(kc, "2^10")[1]) == "1024.0"
        kc.shutdown()
        assert kernel.proc.wait(10) == 0
    finally:
        kc.stop_channels()
    assert Path(path).exists()  # not ours: left for its owner


def test_cli_kernel_start_usage_errors(tmp_path):
    missing = subprocess.run([CLI_EXE, "kernel", "start", f"--connection-file={tmp_path}/nope"],
                             capture_output=True, text=True, timeout=30,
                             env=kernel_env(tmp_path), check=False)
    assert missing.returncode == 2 and "no such connection file" in missing.stderr
    neither = subprocess.run([CLI_EXE, "kernel", "start"], capture_output=True, text=True,
                             timeout=30, env=kernel_env(tmp_path), check=False)
    assert neither.returncode == 2 and "--port" in neither.stderr


def test_first_outputs_reach_a_client_that_sends_at_once(tmp_path):
    """A client sending right after start may have its iopub SUB connected a reconnect
    interval after its shell DEALER; the kernel must not publish that first request's
    outputs to nobody (jupyter console lost them and hung waiting for idle)."""
    for attempt in range(5):
        km = KernelManager(kernel_name=KERNEL_NAME)
        km.start_kernel(env=kernel_env(tmp_path / "home"), cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            _, messages = run_cell(kc, f"{attempt} + 1", timeout=START_TIMEOUT)
            assert [m["msg_type"] for m in messages] == ["status", "execute_input",
                                                         "execute_result", "status"], attempt
            assert _result(messages) == str(attempt + 1)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
