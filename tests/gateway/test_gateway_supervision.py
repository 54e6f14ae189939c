"""The gateway supervises its kernel child: a SIGKILLed kernel is announced on iopub
(``status: restarting``) and started again behind the same open ports, so the same
client keeps working; ``shutdown_request`` restarts the kernel in place
(``restart: true``) or stops the whole instance (``restart: false``)."""

from __future__ import annotations

import json
import os
import queue
import signal
import time

from gateway_kit import control_reply, kernel_info, pid_alive, result_text
from jupyter_kit import run_cell
from process_kit import wait_for


def _restarting_status(client, timeout: float) -> dict:
    """The next iopub ``status: restarting`` (earlier messages are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no status: restarting on iopub"
        try:
            msg = client.get_iopub_msg(timeout=left)
        except queue.Empty:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "restarting":
            return msg


def test_killed_kernel_is_announced_restarted_and_same_client_works(gateway, client):
    assert run_cell(client, "x = 1")[0]["content"]["status"] == "ok"
    info = json.loads(gateway.connection_file.read_text())
    old = kernel_info(client)["llmspell"]["pid"]
    assert gateway.kernel_pids() == [old]

    os.kill(old, signal.SIGKILL)
    status = _restarting_status(client, 10)
    assert status["parent_header"] == {}  # the gateway's own status, not a reply's
    wait_for(lambda: not pid_alive(old), f"kernel {old} to be reaped", 5)

    reply, iopub = run_cell(client, "y = 6 * 7; return y", timeout=20)  # waits for the kernel
    assert reply["content"]["status"] == "ok"
    assert result_text(iopub) == ["42"]
    new = kernel_info(client)["llmspell"]["pid"]
    assert new != old
    assert gateway.kernel_pids() == [new]
    assert gateway.proc.poll() is None
    assert json.loads(gateway.connection_file.read_text()) == info  # same ports and key
    assert f"kernel exited with status -{int(signal.SIGKILL)}" in gateway.log()


def test_restart_request_restarts_kernel_behind_same_ports(gateway, client):
    assert run_cell(client, "gone = 1")[0]["content"]["status"] == "ok"
    info = json.loads(gateway.connection_file.read_text())
    reply = control_reply(client, client.shutdown(restart=True))
    assert reply["msg_type"] == "shutdown_reply"
    assert reply["content"] == {"status": "ok", "restart": True}
    client.wait_for_ready(timeout=20)  # as jupyter_client's clients do after a restart

    reply, iopub = run_cell(client, "gone == nil")
    assert reply["content"]["status"] == "ok"
    assert result_text(iopub) == ["true"]  # a fresh Lua state
    assert reply["content"]["execution_count"] == 1
    assert gateway.proc.poll() is None
    assert len(gateway.kernel_pids()) == 1
    assert json.loads(gateway.connection_file.read_text()) == info


def test_execute_right_after_restart_reply_is_answered(gateway, client):
    control_reply(client, client.shutdown(restart=True))
    reply, iopub = run_cell(client, "1 + 1", timeout=3)
    assert reply["content"]["status"] == "ok" and result_text(iopub) == ["2"]


def test_shutdown_request_stops_gateway_and_removes_connection_file(gateway, client):
    kernel = kernel_info(client)["llmspell"]["pid"]
    reply = control_reply(client, client.shutdown(restart=False))
    assert reply["content"] == {"status": "ok", "restart": False}
    assert gateway.wait_exit(15) == 0
    assert not gateway.connection_file.exists()
    assert not (gateway.runtime / "gateway.pid").exists()
    assert not pid_alive(kernel)
    assert gateway.kernel_pids() == []
    assert "Traceback" not in gateway.log()
