"""Interrupt and stop through the gateway: an ``interrupt_request`` on control and
SIGINT to the gateway process both interrupt running Lua (the execute reply is an
error, the kernel keeps its state and answers); SIGTERM stops the gateway with
status 0, its kernel child with it, and removes the connection file."""

from __future__ import annotations

import os
import signal
import time

import pytest
from gateway_kit import kernel_info, pid_alive, result_text, shell_reply
from jupyter_kit import run_cell
from process_kit import wait_for

INTERRUPT_WITHIN = 3.0  # seconds from the interrupt to the execute reply


def _wait_running(client, msg_id: str, timeout: float = 10.0) -> None:
    """Wait until the kernel published execute_input for ``msg_id`` (the code runs)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if (msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "execute_input"):
            time.sleep(0.2)  # well inside the loop
            return


def _send_interrupt_request(gateway, client) -> None:
    client.control_channel.send(client.session.msg("interrupt_request", {}))


def _send_sigint(gateway, client) -> None:
    os.kill(gateway.pid, signal.SIGINT)


@pytest.mark.parametrize("interrupt", [_send_interrupt_request, _send_sigint],
                         ids=["interrupt_request", "sigint_to_gateway"])
def test_interrupt_stops_busy_loop_and_kernel_still_answers(gateway, client, interrupt):
    assert run_cell(client, "kept = 5")[0]["content"]["status"] == "ok"
    kernel = kernel_info(client)["llmspell"]["pid"]
    msg_id = client.execute("while true do end")
    _wait_running(client, msg_id)
    started = time.monotonic()
    interrupt(gateway, client)
    reply = shell_reply(client, msg_id, timeout=10)
    assert time.monotonic() - started < INTERRUPT_WITHIN
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"

    reply, iopub = run_cell(client, "kept")
    assert reply["content"]["status"] == "ok" and result_text(iopub) == ["5"]
    assert kernel_info(client)["llmspell"]["pid"] == kernel  # interrupted, not restarted
    assert gateway.proc.poll() is None


def test_sigterm_stops_gateway_and_kernel(gateway, client):
    kernel = kernel_info(client)["llmspell"]["pid"]
    assert gateway.kernel_pids() == [kernel]
    gateway.proc.send_signal(signal.SIGTERM)
    assert gateway.wait_exit(15) == 0
    assert not pid_alive(kernel)
    assert gateway.kernel_pids() == []
    assert not gateway.connection_file.exists()
    assert not (gateway.runtime / "gateway.pid").exists()
    assert "Traceback" not in gateway.log()


def test_kernel_stops_when_its_gateway_is_killed(gateway, client):
    """No orphan: the kernel sees the link closed, saves State and exits."""
    reply, _ = run_cell(client, 'State.set("left", "behind")')
    assert reply["content"]["status"] == "ok"
    kernel = kernel_info(client)["llmspell"]["pid"]
    gateway.proc.kill()
    gateway.proc.wait(10)
    wait_for(lambda: not pid_alive(kernel), "the orphaned kernel to exit", 15)
    assert "the gateway closed the link" in gateway.log()
    state = gateway.home / "state" / f"{gateway.port}.json"
    assert '"behind"' in state.read_text()
