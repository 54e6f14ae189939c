"""Jupyter messages (protocol 5.3) and their multipart wire form.

On the wire a message is ``[*identities, DELIM, signature, header, parent_header,
metadata, content, *buffers]``; the four middle frames are JSON objects. ``parse``
checks size, framing, signature and replay, then decodes; ``serialize`` encodes and
signs. A parsed message keeps its frames as received (``Message.raw``): a relay can
re-sign and forward them with ``pack`` without re-encoding, and ``parent_header``,
``metadata`` and ``content`` are only decoded when first read if ``parse(lazy=True)``.
A part that was never decoded is sent as the bytes it arrived as.
"""

import json
import os
import time
from collections.abc import Sequence
from json.encoder import c_make_encoder, encode_basestring_ascii
from json.scanner import make_scanner

from llmspell.wire.errors import WireError
from llmspell.wire.signing import ReplayGuard, Signer

DELIM = b"<IDS|MSG>"
PROTOCOL_VERSION = "5.3"
MAX_MESSAGE_SIZE = 64 << 20
PART_NAMES = ("header", "parent_header", "metadata", "content")

# Compact ASCII JSON. The C encoder is built once here (JSONEncoder.encode rebuilds it
# on every call) and runs without cycle checks: a cycle raises RecursionError instead.
_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False)
if c_make_encoder is None:  # pragma: no cover - Python without the _json accelerator
    _encode = _encoder.encode
else:
    _iterencode = c_make_encoder(
        None, _encoder.default, encode_basestring_ascii, None, ":", ",", False, False, False
    )

    def _encode(obj: dict) -> str:
        return "".join(_iterencode(obj, 0))


# The scanner alone parses a frame that is exactly one JSON value (what every Jupyter
# client sends); anything else goes through the full decoder, which accepts
# surrounding whitespace or raises.
_decoder = json.JSONDecoder()
_scan = make_scanner(_decoder)


def encode_json(obj: dict) -> bytes:
    """Compact ASCII JSON bytes for one message part; WireError('unserializable') if impossible."""
    try:
        return _encode(obj).encode()
    except (TypeError, ValueError, RecursionError) as e:
        raise WireError("unserializable", str(e)) from None


def decode_json(frame: bytes, name: str) -> dict:
    """Decode one JSON part, which must be an object; WireError('invalid json') otherwise."""
    if frame == b"{}":
        return {}
    try:
        text = frame.decode()
        try:
            obj, end = _scan(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            obj = _decoder.decode(text)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise WireError("invalid json", f"{name}: {e}") from None
    if type(obj) is not dict:
        raise WireError("invalid json", f"{name} is not a JSON object")
    return obj


_stamp = (0, "")  # (whole second, its ISO prefix), replaced as one tuple: thread-safe


def utc_now_iso() -> str:
    """Current UTC time as ISO 8601 with microseconds and 'Z', like jupyter_client's dates."""
    global _stamp
    now = time.time()
    second = int(now)
    cached, prefix = _stamp
    if cached != second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        _stamp = (second, prefix)
    return f"{prefix}{int((now - second) * 1e6):06d}Z"


def new_header(msg_type: str, session: str, username: str = "llmspell") -> dict:
    """A fresh header: random 128-bit hex msg_id, current date, protocol version 5.3."""
    return {
        "msg_id": os.urandom(16).hex(),
        "msg_type": msg_type,
        "username": username,
        "session": session,
        "date": utc_now_iso(),
        "version": PROTOCOL_VERSION,
    }


def _lazy_part(index: int) -> property:
    name = PART_NAMES[index]

    def get(self: "Message") -> dict:
        obj = self._objs[index]
        if obj is None:
            obj = self._objs[index] = decode_json(self._src[index], name)
        return obj

    def set_(self: "Message", value: dict) -> None:
        self._objs[index] = value

    return property(get, set_, doc=f"The {name} dict (decoded on first read; WireError if bad).")


class Message:
    """One Jupyter message: routing identities, four JSON parts and binary buffers."""

    __slots__ = ("identities", "buffers", "signature", "_raw", "_src", "_objs")

    def __init__(
        self,
        header: dict,
        content: dict | None = None,
        parent_header: dict | None = None,
        metadata: dict | None = None,
        *,
        identities: Sequence[bytes] = (),
        buffers: Sequence[bytes] = (),
    ):
        self.identities = list(identities)
        self.buffers = list(buffers)
        self.signature = b""
        self._raw: tuple[bytes, ...] | None = None
        self._src: Sequence[bytes | None] = (None, None, None, None)
        self._objs: list[dict | None] = [
            header,
            {} if parent_header is None else parent_header,
            {} if metadata is None else metadata,
            {} if content is None else content,
        ]

    @classmethod
    def _from_frames(cls, identities, signature, raw, header, buffers) -> "Message":
        msg = cls.__new__(cls)
        msg.identities = identities
        msg.buffers = buffers
        msg.signature = signature
        msg._raw = msg._src = raw
        msg._objs = [header, None, None, None]
        return msg

    header = _lazy_part(0)
    parent_header = _lazy_part(1)
    metadata = _lazy_part(2)
    content = _lazy_part(3)

    @property
    def msg_type(self) -> str:
        return self.header["msg_type"]

    @property
    def msg_id(self) -> str:
        return self.header["msg_id"]

    @property
    def raw(self) -> tuple[bytes, ...] | None:
        """The four JSON frames as received (None for a message built here)."""
        return self._raw

    def parts(self) -> list[bytes]:
        """The four JSON frames to send: source bytes for undecoded parts, else encoded."""
        src = self._src
        return [src[i] if obj is None else encode_json(obj) for i, obj in enumerate(self._objs)]

    def __repr__(self) -> str:
        return f"<Message {self.msg_type} {self.msg_id} ids={len(self.identities)}>"


def parse(
    frames: Sequence[bytes],
    signer: Signer,
    replay: ReplayGuard | None = None,
    *,
    lazy: bool = False,
    max_size: int = MAX_MESSAGE_SIZE,
) -> Message:
    """Check and decode received frames (bytes) into a Message; WireError if rejected.

    Checks, in order: total size, delimiter, frame count, signature, replay (only
    signed messages are recorded), header. With ``lazy`` the other parts are decoded
    on first access and a bad one raises WireError there.
    """
    if sum(map(len, frames)) > max_size:
        raise WireError("oversize", f"more than {max_size} bytes")
    try:
        split = frames.index(DELIM)
    except ValueError:
        raise WireError("no delimiter") from None
    if len(frames) < split + 6:
        raise WireError("truncated", f"{len(frames) - split - 1} frames after the delimiter")
    signature = frames[split + 1]
    raw = tuple(frames[split + 2 : split + 6])
    signer.verify(signature, raw)
    if replay is not None and signer.enabled:
        replay.check(signature)
    header = decode_json(raw[0], "header")
    if type(header.get("msg_type")) is not str or type(header.get("msg_id")) is not str:
        raise WireError("bad header", "msg_type and msg_id must be strings")
    msg = Message._from_frames(
        list(frames[:split]), signature, raw, header, list(frames[split + 6 :])
    )
    if not lazy:
        msg.parent_header, msg.metadata, msg.content  # noqa: B018 - decode now
    return msg


def pack(
    identities: Sequence[bytes], parts: Sequence[bytes], buffers: Sequence[bytes], signer: Signer
) -> list[bytes]:
    """Frame and sign four already-encoded JSON parts (the relay path)."""
    return [*identities, DELIM, signer.sign(parts), *parts, *buffers]


def serialize(msg: Message, signer: Signer) -> list[bytes]:
    """The signed multipart frames of ``msg``, ready for ``socket.send_multipart``."""
    return pack(msg.identities, msg.parts(), msg.buffers, signer)


def reply(
    request: Message,
    msg_type: str,
    content: dict,
    session: str,
    *,
    metadata: dict | None = None,
    username: str = "llmspell",
    identities: Sequence[bytes] | None = None,
) -> Message:
    """A message answering ``request``: its header becomes our parent_header.

    Goes back to the request's identities unless ``identities`` is given (e.g. an
    IOPub topic). The request's header is reused as received when available.
    """
    msg = Message(
        new_header(msg_type, session, username),
        content,
        metadata=metadata,
        identities=request.identities if identities is None else identities,
    )
    if request.raw is not None:
        msg._src = (None, request.raw[0], None, None)
        msg._objs[1] = None
    else:
        msg._objs[1] = request.header
    return msg
