"""The internal link: its frame codec, and how the kernel batches what it sends on it.

The batching tests serve a real ExecutionEngine with the real KernelServer over a
real ZeroMQ inproc link, the way the standalone kernel does, and look at the
multiparts the relay side receives.
"""

from __future__ import annotations

import pytest
import zmq
from llmspell.kernel.engine import ExecutionEngine
from llmspell.kernel.server import KernelServer
from llmspell.wire import link
from llmspell.wire.errors import WireError
from llmspell.wire.message import decode_json, encode_json, new_header
from llmspell.wire.relay import recv_frames

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


@pytest.fixture
def served(llmspell_home):
    """A KernelServer on an inproc link; yields the relay side (a ROUTER) after both hellos."""
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.bind("inproc://link-test")
    server = KernelServer(ExecutionEngine(instance_id="link-test"), "inproc://link-test", ctx)
    server.start()
    hellos = {recv_frames(router)[0] for _ in range(2)}
    assert hellos == {link.SHELL_SIDE, link.CONTROL_SIDE}
    yield router
    server.stop()
    server.join()
    router.close(0)
    ctx.term()


def request(router: zmq.Socket, side: bytes, msg_type: str, content: dict) -> bytes:
    header = encode_json(new_header(msg_type, "test-client"))
    channel = b"shell" if side == link.SHELL_SIDE else b"control"
    router.send_multipart([side, *link.pack(link.encode(
        channel, [b"client"], [header, b"{}", b"{}", encode_json(content)]))])
    return header


def receive_until_idle(router: zmq.Socket) -> list[list[str]]:
    """The multiparts that arrive until idle, each as its list of message descriptions."""
    batches: list[list[str]] = []
    while not batches or batches[-1][-1] != "status:idle":
        assert router.poll(10000), f"no idle after {batches}"
        frames = recv_frames(router)
        batch = []
        for channel, _ids, parts, _buffers in link.decode(frames[1:]):
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
