"""The internal link: its frame codec, and how the kernel batches what it sends on it.

The batching tests serve a real ExecutionEngine with the real KernelServer over a
real socketpair link, the way the standalone kernel does, and look at the link
messages the relay side receives.
"""

from __future__ import annotations

import os
import socket

import pytest
from llmspell.kernel.engine import ExecutionEngine
from llmspell.kernel.server import KernelServer
from llmspell.wire import link, linksocket
from llmspell.wire.errors import WireError
from llmspell.wire.message import decode_json, encode_json, new_header

PARTS = [b'{"msg_id":"a"}', b"{}", b"{}", b'{"x":1}']


def test_one_message_round_trips_in_one_frame():
    frames = link.pack(link.encode(b"shell", [b"client-1"], PARTS, [b"\x00buf"]))
    assert len(frames) == 2 and frames[0] == link.KIND_MESSAGE
    assert link.decode(frames) == [(b"shell", [b"client-1"], PARTS, [b"\x00buf"])]


def test_several_messages_in_one_multipart_keep_their_order_and_buffers():
    first = link.encode(b"iopub", [b"kernel.status"], PARTS)
    second = link.encode(b"shell", [b"a", b"b"], PARTS, [b"m", b"m"])  # buffers like kinds
    third = link.encode(b"iopub", [], PARTS, [b"last", b""])
    assert link.decode(link.pack(first + second + third)) == [
        (b"iopub", [b"kernel.status"], PARTS, []),
        (b"shell", [b"a", b"b"], PARTS, [b"m", b"m"]),
        (b"iopub", [], PARTS, [b"last", b""]),
    ]


def test_large_counts_and_sizes_are_written_and_read():
    ids = [b"id%d" % i for i in range(20)]
    buffers = [b"b"] * 300 + [bytes(range(256)) * 4096]
    assert link.decode(link.pack(link.encode(b"shell", ids, PARTS, buffers))) == [
        (b"shell", ids, PARTS, buffers)]


def _packed(*items: bytes) -> bytes:
    return link.pack(list(items))[1]


@pytest.mark.parametrize("frames", [
    [],
    [link.KIND_MESSAGE],
    [b"hello", _packed(b"shell", b"0:0", *PARTS)],
    [link.KIND_MESSAGE, _packed(b"shell", b"0:0", *PARTS), b"extra"],
    [link.KIND_MESSAGE, b""],                                       # no header
    [link.KIND_MESSAGE, b"\x00\x00\x00\x09abc"],                 # lengths cut short
    [link.KIND_MESSAGE, _packed(b"shell", b"0:0", *PARTS) + b"x"],  # bytes left over
    [link.KIND_MESSAGE, _packed(b"shell", b"0:0", *PARTS)[:-1]],    # bytes missing
    [link.KIND_MESSAGE, _packed()],                                 # no message
    [link.KIND_MESSAGE, _packed(b"shell")],
    [link.KIND_MESSAGE, _packed(b"shell", b"0:0", *PARTS[:3])],     # a part missing
    [link.KIND_MESSAGE, _packed(b"shell", b"0:2", *PARTS, b"one")],  # a buffer missing
    [link.KIND_MESSAGE, _packed(b"shell", b"x:0", *PARTS)],
    [link.KIND_MESSAGE, _packed(b"shell", b"-1:0", *PARTS)],
    [link.KIND_MESSAGE, _packed(b"shell", b"0", *PARTS)],
])
def test_malformed_frames_are_refused(frames):
    with pytest.raises(WireError) as caught:
        link.decode(frames)
    assert caught.value.reason == "bad link frame"


class RelayEnds:
    """The relay's ends of a socketpair link to a KernelServer, read with the real codec."""

    def __init__(self) -> None:
        self.socks: dict[bytes, socket.socket] = {}
        self.kernel_ends: dict[bytes, socket.socket] = {}
        self.readers = {}
        self.last_side = link.SHELL_SIDE
        for side in (link.SHELL_SIDE, link.CONTROL_SIDE):
            self.socks[side], self.kernel_ends[side] = socket.socketpair()
            self.readers[side] = linksocket.MessageReader()
        self.queued: dict[bytes, list] = {side: [] for side in self.socks}

    def send(self, side: bytes, frames: list[bytes]) -> None:
        self.socks[side].sendall(linksocket.encode(frames))
        self.last_side = side

    def receive(self, side: bytes, timeout: float = 10.0) -> list[bytes]:
        while not self.queued[side]:
            self.socks[side].settimeout(timeout)
            data = self.socks[side].recv(1 << 16)
            assert data, "the kernel closed the link"
            self.queued[side] += self.readers[side].feed(data)
        return self.queued[side].pop(0)


@pytest.fixture
def served(llmspell_home):
    """A KernelServer on a socketpair link (as in the standalone kernel); yields the
    relay's ends after both hellos."""
    ends = RelayEnds()
    server = KernelServer(ExecutionEngine(instance_id="link-test"), ends.kernel_ends)
    server.start()
    for side in ends.socks:
        hello = ends.receive(side)
        assert hello[:2] == [link.KIND_HELLO, side]
        assert decode_json(hello[2], "hello")["pid"] == os.getpid()
    yield ends
    server.stop()
    server.join()
    for sock in ends.socks.values():
        sock.close()


def request(ends: RelayEnds, side: bytes, msg_type: str, content: dict) -> bytes:
    header = encode_json(new_header(msg_type, "test-client"))
    channel = b"shell" if side == link.SHELL_SIDE else b"control"
    ends.send(side, link.pack(link.encode(
        channel, [b"client"], [header, b"{}", b"{}", encode_json(content)])))
    return header


def receive_until_idle(ends: RelayEnds) -> list[list[str]]:
    """The link messages that arrive until idle, each as its list of message descriptions."""
    batches: list[list[str]] = []
    while not batches or batches[-1][-1] != "status:idle":
        batch = []
        for channel, _ids, parts, _buffers in link.decode(ends.receive(ends.last_side)):
            header, content = decode_json(parts[0], "header"), decode_json(parts[3], "content")
            kind = header["msg_type"]
            if kind == "status":
                kind += ":" + content["execution_state"]
            batch.append(kind)
        batches.append(batch)
    return batches


EXECUTE = {"code": "x = 1", "silent": False, "store_history": True, "user_expressions": {},
           "allow_stdin": False, "stop_on_error": True}


def test_an_execute_leaves_in_two_sends(served):
    request(served, link.SHELL_SIDE, "execute_request", EXECUTE)
    assert receive_until_idle(served) == [["status:busy", "execute_input"],
                                          ["execute_reply", "status:idle"]]


def test_output_is_sent_as_it_is_produced(served):
    request(served, link.SHELL_SIDE, "execute_request", {**EXECUTE, "code": 'print("hi")'})
    assert receive_until_idle(served) == [["status:busy", "execute_input"], ["stream"],
                                          ["execute_reply", "status:idle"]]


def test_a_silent_execute_says_busy_before_it_runs(served):
    request(served, link.SHELL_SIDE, "execute_request", {**EXECUTE, "silent": True})
    assert receive_until_idle(served) == [["status:busy"], ["execute_reply", "status:idle"]]


@pytest.mark.parametrize("side, msg_type", [(link.SHELL_SIDE, "kernel_info_request"),
                                            (link.SHELL_SIDE, "complete_request"),
                                            (link.CONTROL_SIDE, "kernel_info_request")])
def test_a_quick_request_is_answered_in_one_send(served, side, msg_type):
    request(served, side, msg_type, {"code": "pri", "cursor_pos": 3})
    reply = msg_type.replace("_request", "_reply")
    assert receive_until_idle(served) == [["status:busy", reply, "status:idle"]]


def test_a_tool_request_says_busy_before_it_runs(served):
    request(served, link.SHELL_SIDE, "tool_request", {"command": "list"})
    assert receive_until_idle(served) == [["status:busy"], ["tool_reply", "status:idle"]]
