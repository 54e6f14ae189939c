"""Bad input to the real kernel over its real shell socket: each bad message is
dropped (or, for a well-formed request of an unknown type, answered with an error),
logged once however often it comes, and the kernel keeps serving."""

from __future__ import annotations

import time

import pytest
import zmq
from jupyter_client.session import Session

DELIM = b"<IDS|MSG>"
TEN_MB = 10 * 1024 * 1024


class RawShell:
    """A DEALER on the kernel's shell port that signs with jupyter_client's Session."""

    def __init__(self, info: dict):
        self.session = Session(key=info["key"].encode(),
                               signature_scheme=info["signature_scheme"])
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.linger = 0
        self.sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")

    def frames(self, msg_type: str = "execute_request", content: dict | None = None) -> list:
        msg = self.session.msg(msg_type, content if content is not None else
                               {"code": "1", "silent": False})
        return self.session.serialize(msg)  # [DELIM, signature, 4 JSON parts]

    def signed(self, header: bytes, parent: bytes = b"{}", metadata: bytes = b"{}",
               content: bytes = b"{}") -> list:
        parts = [header, parent, metadata, content]
        return [DELIM, self.session.sign(parts), *parts]

    def send(self, frames: list) -> None:
        self.sock.send_multipart(frames)

    def replies(self, until_msg_id: str, timeout: float = 20.0) -> list[dict]:
        """Every reply received until the one to ``until_msg_id`` (inclusive)."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0 and self.sock.poll(int(left * 1000)), f"no reply; got {got}"
            frames = self.sock.recv_multipart()
            _, msg = self.session.feed_identities(frames)
            msg = self.session.deserialize(msg)
            got.append(msg)
            if msg["parent_header"].get("msg_id") == until_msg_id:
                return got

    def execute(self, code: str) -> tuple[dict, list[dict]]:
        msg = self.session.msg("execute_request", {"code": code, "silent": False,
                                                   "store_history": True,
                                                   "user_expressions": {},
                                                   "allow_stdin": False,
                                                   "stop_on_error": False})
        self.sock.send_multipart(self.session.serialize(msg))
        got = self.replies(msg["header"]["msg_id"])
        return got[-1], got[:-1]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(kernel):
    shell = RawShell(kernel.info)
    yield shell
    shell.close()


def _unsigned(raw):
    frames = raw.frames()
    frames[1] = b""
    return frames


def _wrong_signature(raw):
    frames = raw.frames()
    frames[1] = b"0" * 64
    return frames


def _invalid_json_header(raw):
    return raw.signed(b'{"msg_id": "x", "msg_type": "execute_request",')


def _invalid_json_content(raw):
    header = raw.frames()[2]
    return raw.signed(header, content=b'{"code": "1", ')


BAD = {
    # case: (frames maker, what the kernel log says, how often)
    "unsigned": (_unsigned, "dropped a message: missing signature"),
    "wrong signature": (_wrong_signature, "dropped a message: bad signature"),
    "truncated": (lambda raw: raw.frames()[:3], "dropped a message: truncated"),
    "no delimiter": (lambda raw: raw.frames()[1:], "dropped a message: no delimiter"),
    "invalid json header": (_invalid_json_header, "dropped a message: invalid json"),
    "invalid json content": (_invalid_json_content, "dropped a malformed request"),
    "10 MB junk": (lambda raw: [b"j" * TEN_MB], "dropped a message: no delimiter"),
    "10 MB unsigned": (lambda raw: [DELIM, b"", *raw.frames()[2:5], b"x" * TEN_MB],
                       "dropped a message: missing signature"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_message_is_dropped_logged_once_and_kernel_serves(kernel, raw, case):
    make, logged = BAD[case]
    for _ in range(3):
        raw.send(make(raw))
    reply, others = raw.execute("6 * 7")
    assert others == [], f"{case} was answered: {others}"
    assert reply["content"]["status"] == "ok"
    deadline = time.monotonic() + 5
    while logged not in kernel.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kernel.log().count(logged) == 1, kernel.log()
    assert kernel.proc.poll() is None


def test_replayed_message_runs_once(kernel, raw):
    frames = raw.frames(content={"code": "runs = (runs or 0) + 1", "silent": False,
                                 "stop_on_error": False})
    for _ in range(3):
        raw.send(frames)
    reply, others = raw.execute("check = runs")
    assert [m["msg_type"] for m in others] == ["execute_reply"]
    assert others[0]["content"]["status"] == "ok"
    assert reply["content"]["status"] == "ok"
    assert kernel.log().count("dropped a message: replayed") == 1, kernel.log()
    assert _user_expression(raw, "runs") == "1"


def _user_expression(raw, expr: str) -> str:
    msg = raw.session.msg("execute_request", {"code": "", "silent": True,
                                              "user_expressions": {"v": expr}})
    raw.send(raw.session.serialize(msg))
    answer = raw.replies(msg["header"]["msg_id"])[-1]
    return answer["content"]["user_expressions"]["v"]["data"]["text/plain"]


def test_unknown_msg_type_is_answered_with_an_error(kernel, raw):
    replies = []
    for _ in range(3):
        msg = raw.session.msg("frobnicate_request", {"x": 1})
        raw.send(raw.session.serialize(msg))
        replies.append(raw.replies(msg["header"]["msg_id"])[-1])
    for answer in replies:
        assert answer["msg_type"] == "frobnicate_reply"
        assert answer["content"]["status"] == "error"
        assert answer["content"]["ename"] == "UnknownMessageType"
    raw.send(raw.frames("not_a_request_at_all", {}))
    reply, others = raw.execute("1 + 1")
    assert others == [] and reply["content"]["status"] == "ok"
    assert kernel.log().count("unknown request type 'frobnicate_request'") == 1, kernel.log()


def test_ten_megabyte_execute_is_served(kernel, raw):
    reply, others = raw.execute('s = "' + "x" * TEN_MB + '"')
    assert others == [] and reply["content"]["status"] == "ok"
    assert _user_expression(raw, "#s") == str(TEN_MB)
