"""The gateway in its default mode serves Jupyter clients: connection file (0600,
ports P..P+4, stable key), execute results, streams and errors relayed from its own
kernel child, heartbeat answered, and bad input (wrong HMAC) dropped without reply."""

from __future__ import annotations

import json
import queue
import stat
import time

import zmq
from gateway_kit import drain_iopub, kernel_info, result_text
from jupyter_kit import run_cell


def test_connection_file_is_private_and_names_ports_p_to_p4(gateway, client):
    path = gateway.connection_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    info = json.loads(path.read_text())
    p = gateway.port
    assert [info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port",
                              "hb_port")] == [p, p + 1, p + 2, p + 3, p + 4]
    assert (info["ip"], info["transport"]) == ("127.0.0.1", "tcp")
    assert info["signature_scheme"] == "hmac-sha256" and len(info["key"]) >= 32
    key_file = gateway.home / "state" / f"{p}.key"  # kept so clients survive restarts
    assert key_file.read_text().strip() == info["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_execute_result_stream_and_error_through_gateway(gateway, client):
    reply, _ = run_cell(client, "x = 40 + 2")
    assert reply["content"]["status"] == "ok"
    reply, iopub = run_cell(client, "x")
    assert reply["content"]["status"] == "ok"
    assert result_text(iopub) == ["42"]
    assert [m["msg_type"] for m in iopub] == ["status", "execute_input", "execute_result",
                                              "status"]

    _, iopub = run_cell(client, 'print("hi")')
    streams = [m["content"] for m in iopub if m["msg_type"] == "stream"]
    assert streams == [{"name": "stdout", "text": "hi\n"}]

    reply, iopub = run_cell(client, 'error("boom")')
    content = reply["content"]
    assert content["status"] == "error"
    assert content["ename"] == "LuaError" and "boom" in content["evalue"]
    errors = [m["content"] for m in iopub if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "LuaError"

    info = kernel_info(client)
    assert info["implementation"] == "llmspell"
    assert gateway.kernel_pids() == [info["llmspell"]["pid"]]  # the gateway's own child
    assert info["llmspell"]["pid"] != gateway.pid


def test_heartbeat_is_echoed(gateway, client):
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    try:
        sock.connect(f"tcp://127.0.0.1:{gateway.port + 4}")
        sock.send(b"ping-123")
        assert sock.poll(5000), "no heartbeat echo within 5 s"
        assert sock.recv() == b"ping-123"
    finally:
        sock.close()


def test_wrong_hmac_on_shell_is_dropped_and_next_execute_works(gateway, client):
    msg = client.session.msg("execute_request", {"code": "dropped = true", "silent": False,
                                                 "store_history": True,
                                                 "user_expressions": {},
                                                 "allow_stdin": False, "stop_on_error": True})
    frames = client.session.serialize(msg)  # [DELIM, signature, header, parent, meta, content]
    assert frames[1] and frames[1] != b"0" * len(frames[1])
    frames[1] = b"0" * len(frames[1])
    client.shell_channel.socket.send_multipart(frames)
    started = time.monotonic()
    try:
        answer = client.get_shell_msg(timeout=1.0)
    except queue.Empty:
        answer = None
    assert answer is None, f"a badly signed request was answered: {answer}"
    assert time.monotonic() - started >= 0.9

    reply, iopub = run_cell(client, "dropped == nil")
    assert reply["content"]["status"] == "ok"
    assert result_text(iopub) == ["true"]  # the forged request never ran
    assert reply["content"]["execution_count"] == 1  # nor was it counted
    forged = msg["header"]["msg_id"]
    assert [m for m in drain_iopub(client) if m["parent_header"].get("msg_id") == forged] == []
    assert "dropped a message: bad signature" in gateway.log()
