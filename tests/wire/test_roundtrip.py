"""End to end: a real jupyter_client BlockingKernelClient against channels bound here.

A test-only responder thread answers with parse/serialize/reply: kernel_info on
shell, shutdown on control, an input_request round trip on stdin, status on iopub
once the client subscribes (seen through XPUB). wait_for_ready() also needs the
heartbeat to answer.
"""

import queue
import threading

import pytest
import zmq
from jupyter_client import BlockingKernelClient

from llmspell.wire import (
    ConnectionInfo,
    Message,
    ReplayGuard,
    Signer,
    WireError,
    bind_channels,
    new_header,
    parse,
    reply,
    serialize,
)

SESSION = "responder-session"


class Responder(threading.Thread):
    """Serves one client until stopped; records rejected messages."""

    def __init__(self, channels, signer):
        super().__init__(daemon=True)
        self.channels, self.signer = channels, signer
        self.replay = ReplayGuard()
        self.stopping = threading.Event()
        self.rejected: list[str] = []
        self.pending_execute: Message | None = None

    def send(self, sock, msg):
        sock.send_multipart(serialize(msg, self.signer))

    def publish_status(self, state, parent):
        status = reply(
            parent, "status", {"execution_state": state}, SESSION, identities=[b"status"]
        )
        self.send(self.channels.iopub, status)

    def run(self):
        ch = self.channels
        poller = zmq.Poller()
        for sock in (ch.shell, ch.control, ch.stdin, ch.iopub):
            poller.register(sock, zmq.POLLIN)
        while not self.stopping.is_set():
            for sock, _ in poller.poll(50):
                frames = sock.recv_multipart()
                if sock is ch.iopub:  # a subscription: greet with a status message
                    if frames[0][:1] == b"\x01":
                        hello = Message(new_header("kernel_info_request", "x"))
                        self.publish_status("idle", hello)
                    continue
                try:
                    msg = parse(frames, self.signer, self.replay)
                except WireError as e:
                    self.rejected.append(e.reason)
                    continue
                self.handle(sock, msg)

    def handle(self, sock, msg):
        ch = self.channels
        if msg.msg_type == "kernel_info_request":
            content = {
                "status": "ok",
                "protocol_version": "5.3",
                "implementation": "llmspell-test",
                "implementation_version": "0",
                "language_info": {"name": "lua", "version": "5.4", "file_extension": ".lua"},
                "banner": "",
                "help_links": [],
            }
            self.publish_status("busy", msg)
            self.send(sock, reply(msg, "kernel_info_reply", content, SESSION))
            self.publish_status("idle", msg)
        elif msg.msg_type == "shutdown_request":
            answer = {"status": "ok", "restart": msg.content["restart"]}
            self.send(sock, reply(msg, "shutdown_reply", answer, SESSION))
        elif msg.msg_type == "execute_request":
            self.pending_execute = msg
            ask = {"prompt": msg.content["code"], "password": False}
            self.send(ch.stdin, reply(msg, "input_request", ask, SESSION))
        elif msg.msg_type == "input_reply":
            request = self.pending_execute
            content = {
                "status": "ok",
                "execution_count": 1,
                "user_expressions": {"typed": msg.content["value"]},
            }
            self.send(ch.shell, reply(request, "execute_reply", content, SESSION))


@pytest.fixture(params=["tcp", "ipc"])
def served(request, tmp_path):
    ctx = zmq.Context()
    if request.param == "ipc":
        info = ConnectionInfo.from_base_port(0, transport="ipc", ip=str(tmp_path / "k"))
    else:
        info = ConnectionInfo.from_base_port(0)
    channels = bind_channels(ctx, info)
    path = tmp_path / "run" / "kernel.json"
    channels.info.write(path)
    responder = Responder(channels, Signer(channels.info.key, channels.info.signature_scheme))
    responder.start()
    client = BlockingKernelClient()
    client.load_connection_file(str(path))
    client.start_channels()
    yield client, responder
    client.stop_channels()
    responder.stopping.set()
    responder.join(5)
    channels.close(linger=0)
    ctx.term()


def test_jupyter_client_talks_to_our_channels(served):
    client, responder = served
    client.wait_for_ready(timeout=20)  # heartbeat beating + kernel_info_reply on shell
    assert client.is_alive()

    info = client.kernel_info(reply=True, timeout=5)
    assert info["msg_type"] == "kernel_info_reply"
    assert info["content"]["implementation"] == "llmspell-test"
    assert info["parent_header"]["msg_type"] == "kernel_info_request"

    statuses = []
    while len(statuses) < 2:
        msg = client.get_iopub_msg(timeout=5)
        if msg["parent_header"].get("msg_id") == info["parent_header"]["msg_id"]:
            statuses.append(msg["content"]["execution_state"])
    assert statuses == ["busy", "idle"]

    msg_id = client.execute("name?", allow_stdin=True)
    ask = client.get_stdin_msg(timeout=5)
    assert ask["msg_type"] == "input_request"
    assert ask["content"]["prompt"] == "name?"
    assert ask["parent_header"]["msg_id"] == msg_id
    client.input("lua")
    done = client.get_shell_msg(timeout=5)
    assert done["parent_header"]["msg_id"] == msg_id
    assert done["content"]["user_expressions"] == {"typed": "lua"}

    bye = client.shutdown(restart=True, reply=True, timeout=5)
    assert bye["msg_type"] == "shutdown_reply"
    assert bye["content"] == {"status": "ok", "restart": True}
    assert responder.rejected == []


def test_messages_with_a_wrong_key_are_dropped_not_answered(served):
    client, responder = served
    client.wait_for_ready(timeout=20)
    client.session.key = b"not-the-key"
    client.kernel_info()
    with pytest.raises(queue.Empty):
        client.get_shell_msg(timeout=1)
    assert responder.rejected == ["bad signature"]
