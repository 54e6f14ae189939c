"""Messages: framing, parse/serialize against jupyter_client's Session, rejections."""

import json
import time
from datetime import datetime, timezone

import pytest
from jupyter_client.session import Session

from llmspell.wire import (
    DELIM,
    Message,
    ReplayGuard,
    Signer,
    WireError,
    new_header,
    new_key,
    pack,
    parse,
    reply,
    serialize,
)

CONTENT = {"code": "print('h\u00e9llo \u2713')", "silent": False, "nested": {"a": [1, 2.5, None]}}


def jupyter_pair(scheme="hmac-sha256", key=None):
    key = new_key().encode() if key is None else key
    return Signer(key, scheme), Session(key=key, signature_scheme=scheme)


def our_frames(signer, msg_type="execute_request", content=CONTENT, **kw):
    return serialize(Message(new_header(msg_type, "s1"), content, **kw), signer)


def reason(frames, signer, **kw):
    with pytest.raises(WireError) as err:
        parse(frames, signer, **kw)
    return err.value.reason


@pytest.mark.parametrize("scheme", ["hmac-sha256", "hmac-sha512"])
def test_our_serialize_is_read_by_jupyter_session(scheme):
    signer, session = jupyter_pair(scheme)
    msg = Message(
        new_header("execute_request", "sess-1"),
        CONTENT,
        metadata={"trusted": True},
        identities=[b"client-a", b"client-b"],
        buffers=[b"\x00\x01binary"],
    )
    idents, rest = session.feed_identities(serialize(msg, signer))
    got = session.deserialize(rest)  # verifies the signature, raises if wrong
    assert idents == [b"client-a", b"client-b"]
    assert got["content"] == CONTENT
    assert got["metadata"] == {"trusted": True}
    assert got["header"]["msg_id"] == msg.msg_id
    assert got["header"]["msg_type"] == "execute_request"
    assert got["header"]["date"].tzinfo is not None
    assert bytes(got["buffers"][0]) == b"\x00\x01binary"


@pytest.mark.parametrize("scheme", ["hmac-sha256", "hmac-sha512"])
def test_jupyter_session_serialize_is_parsed_by_us(scheme):
    signer, session = jupyter_pair(scheme)
    parent = session.msg("kernel_info_request", {})
    sent = session.msg("execute_request", CONTENT, parent=parent, metadata={"x": 1})
    frames = session.serialize(sent, ident=[b"route-1"]) + [b"buf"]
    msg = parse(frames, signer, ReplayGuard())
    assert msg.identities == [b"route-1"]
    assert msg.msg_type == "execute_request"
    assert msg.msg_id == sent["header"]["msg_id"]
    assert msg.content == CONTENT
    assert msg.metadata["x"] == 1
    assert msg.parent_header["msg_id"] == parent["header"]["msg_id"]
    assert msg.buffers == [b"buf"]
    assert isinstance(msg.header["date"], str)


def test_unsigned_interoperates_with_jupyter_when_key_is_empty():
    signer, session = jupyter_pair(key=b"")
    frames = our_frames(signer)
    assert frames[1] == b""
    assert session.deserialize(session.feed_identities(frames)[1])["content"] == CONTENT
    theirs = session.serialize(session.msg("kernel_info_request", {}))
    assert parse(theirs, signer, ReplayGuard()).msg_type == "kernel_info_request"


def test_reply_carries_request_header_as_parent():
    signer, session = jupyter_pair()
    request_dict = session.msg("kernel_info_request", {})
    request = parse(session.serialize(request_dict, ident=[b"who"]), signer)
    answer = reply(request, "kernel_info_reply", {"status": "ok"}, "kernel-session")
    assert answer.identities == [b"who"]
    assert answer.header["session"] == "kernel-session"
    assert answer.header["version"] == "5.3"
    idents, rest = session.feed_identities(serialize(answer, signer))
    got = session.deserialize(rest)
    assert idents == [b"who"]
    assert got["parent_header"]["msg_id"] == request_dict["header"]["msg_id"]
    assert got["parent_header"]["msg_type"] == "kernel_info_request"
    assert got["content"] == {"status": "ok"}


def test_reply_to_a_locally_built_message_and_to_an_iopub_topic():
    request = Message(new_header("execute_request", "s"), identities=[b"x"])
    status = reply(
        request, "status", {"execution_state": "busy"}, "k", identities=[b"kernel.status"]
    )
    assert status.identities == [b"kernel.status"]
    frames = serialize(status, Signer(b"k"))
    assert json.loads(frames[4]) == request.header


def test_new_header_fields():
    before = datetime.now(timezone.utc)
    header = new_header("status", "sess", username="alice")
    after = datetime.now(timezone.utc)
    assert header["msg_type"] == "status"
    assert header["session"] == "sess"
    assert header["username"] == "alice"
    assert header["version"] == "5.3"
    assert header["date"].endswith("Z")
    stamp = datetime.fromisoformat(header["date"].replace("Z", "+00:00"))
    assert before.replace(microsecond=0) <= stamp <= after
    assert len({new_header("t", "s")["msg_id"] for _ in range(1000)}) == 1000


def test_dates_stay_correct_across_second_boundaries():
    seen = set()
    deadline = time.time() + 1.2
    while time.time() < deadline:
        now = datetime.now(timezone.utc)
        stamp = datetime.fromisoformat(new_header("t", "s")["date"].replace("Z", "+00:00"))
        assert abs((stamp - now).total_seconds()) < 0.5
        seen.add(stamp.second)
        time.sleep(0.01)
    assert len(seen) >= 2


def test_lazy_parse_forwards_untouched_parts_byte_for_byte():
    inbound, session = jupyter_pair()
    outbound = Signer(b"other-key")
    frames = session.serialize(session.msg("execute_request", CONTENT), ident=[b"c"])
    msg = parse(frames, inbound, lazy=True)
    relayed = pack([b"kernel"], msg.raw, msg.buffers, outbound)
    assert relayed[3:] == frames[3:]
    assert relayed[2] == outbound.sign(frames[3:7])
    assert serialize(msg, inbound)[4:] == frames[4:]  # only the header is re-encoded


def test_changed_part_is_re_encoded():
    signer = Signer(b"k")
    msg = parse(our_frames(signer), signer)
    msg.content["code"] = "changed"
    msg.metadata = {"new": True}
    again = parse(serialize(msg, signer), signer)
    assert again.content["code"] == "changed"
    assert again.metadata == {"new": True}


def test_rejects_bad_signature():
    signer = Signer(b"k")
    frames = our_frames(signer)
    frames[-1] = frames[-1].replace(b"silent", b"Silent")
    assert reason(frames, signer) == "bad signature"
    assert reason(our_frames(Signer(b"other")), signer) == "bad signature"


def test_rejects_missing_signature():
    signer = Signer(b"k")
    assert reason(our_frames(Signer(b"")), signer) == "missing signature"


def test_rejects_replayed_message_but_not_distinct_ones():
    signer, guard = Signer(b"k"), ReplayGuard()
    frames = our_frames(signer)
    parse(frames, signer, guard)
    parse(our_frames(signer), signer, guard)
    assert reason(frames, signer, replay=guard) == "replayed"


def test_forged_signatures_do_not_fill_replay_history():
    signer, guard = Signer(b"k"), ReplayGuard()
    reason(our_frames(Signer(b"evil")), signer, replay=guard)
    assert len(guard) == 0


@pytest.mark.parametrize("keep", [0, 1, 2, 4])
def test_rejects_truncated_frames(keep):
    signer = Signer(b"k")
    frames = our_frames(signer, identities=[b"id"])
    assert reason(frames[: 2 + keep], signer) == "truncated"


def test_rejects_missing_delimiter():
    signer = Signer(b"k")
    frames = [f for f in our_frames(signer) if f != DELIM]
    assert reason(frames, signer) == "no delimiter"
    assert reason([], signer) == "no delimiter"


def signed(signer, header, parent=b"{}", metadata=b"{}", content=b"{}"):
    parts = [header, parent, metadata, content]
    return pack([b"id"], parts, [], signer)


GOOD_HEADER = json.dumps(new_header("execute_request", "s")).encode()


@pytest.mark.parametrize("part", ["header", "parent", "metadata", "content"])
@pytest.mark.parametrize("payload", [b"{not json", b"\xff\xfe{}", b"[1, 2]", b""])
def test_rejects_invalid_json_in_any_part(part, payload):
    signer = Signer(b"k")
    kwargs = {"header": GOOD_HEADER, part: payload}
    assert reason(signed(signer, **kwargs), signer) == "invalid json"


def test_accepts_json_with_surrounding_whitespace():
    signer = Signer(b"k")
    content = b'\n  {"code": "x",\n   "n": [1, 2]}  \n'
    msg = parse(signed(signer, b" " + GOOD_HEADER, content=content), signer)
    assert msg.content == {"code": "x", "n": [1, 2]}
    assert msg.msg_type == "execute_request"


@pytest.mark.parametrize("payload", [b'{"a":1} {"b":2}', b'{"a":1}x', b"{}{}", b'{"a":1'])
def test_rejects_trailing_or_missing_json(payload):
    signer = Signer(b"k")
    assert reason(signed(signer, GOOD_HEADER, content=payload), signer) == "invalid json"


def test_raw_is_set_only_for_received_messages():
    signer = Signer(b"k")
    frames = our_frames(signer, identities=[b"id"])
    received = parse(frames, signer)
    assert received.raw == tuple(frames[3:7])
    assert received.signature == frames[2]
    assert Message(new_header("t", "s")).raw is None
    assert reply(received, "t_reply", {}, "k").raw is None


def test_lazy_parse_reports_invalid_content_on_access():
    signer = Signer(b"k")
    msg = parse(signed(signer, GOOD_HEADER, content=b"{oops"), signer, lazy=True)
    assert msg.msg_type == "execute_request"
    with pytest.raises(WireError) as err:
        msg.content  # noqa: B018
    assert err.value.reason == "invalid json"


@pytest.mark.parametrize(
    "header", [{"msg_id": "x"}, {"msg_type": "t"}, {"msg_id": 1, "msg_type": "t"}, {}]
)
def test_rejects_header_without_string_id_and_type(header):
    signer = Signer(b"k")
    assert reason(signed(signer, json.dumps(header).encode()), signer) == "bad header"


def test_rejects_oversize_message_before_verifying():
    signer = Signer(b"k")
    frames = our_frames(signer, content={"blob": "x" * 5000})
    assert parse(frames, signer, max_size=6000).content["blob"] == "x" * 5000
    assert reason(frames, signer, max_size=4000) == "oversize"
    assert reason(frames, Signer(b"wrong"), max_size=4000) == "oversize"


@pytest.mark.parametrize("content", [{"s": {1, 2}}, {"nan": float("nan")}, {"b": b"raw"}])
def test_serialize_refuses_non_json_content(content):
    with pytest.raises(WireError) as err:
        serialize(Message(new_header("t", "s"), content), Signer(b"k"))
    assert err.value.reason == "unserializable"


def test_serialize_refuses_cycles():
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(WireError) as err:
        serialize(Message(new_header("t", "s"), cyclic), Signer(b"k"))
    assert err.value.reason == "unserializable"


def test_wire_error_is_a_value_error_with_reason():
    err = WireError("bad signature", "from 127.0.0.1")
    assert isinstance(err, ValueError)
    assert err.reason == "bad signature"
    assert "127.0.0.1" in str(err)
