"""llmspell.wire: the Jupyter wire protocol (5.3) shared by the gateway and the kernel.

- errors:     WireError (a rejected message: log once, drop), ConnectionFileError
- signing:    Signer (HMAC sign/verify, any hmac-<hashlib name>), ReplayGuard
- message:    Message, parse, serialize, pack (relay), reply, new_header
- connection: ConnectionInfo (connection files), new_key
- channels:   bind_channels -> Channels (imports zmq; loaded on first use)
- heartbeat:  Heartbeat (libzmq echo on its own OS thread; imports zmq)
- link:       the private framing between a relay and its kernel
- relay:      Relay, the client channels <-> link transport shared by llmspell-gateway
              and the standalone kernel (imports zmq; import the module directly)
- client:     a minimal request/heartbeat client for health checks (no jupyter_client)
"""

from llmspell.wire.connection import CHANNEL_NAMES, ConnectionInfo, new_key
from llmspell.wire.errors import ConnectionFileError, WireError
from llmspell.wire.message import (
    DELIM,
    MAX_MESSAGE_SIZE,
    PROTOCOL_VERSION,
    Message,
    new_header,
    pack,
    parse,
    reply,
    serialize,
)
from llmspell.wire.signing import ReplayGuard, Signer

_ZMQ_NAMES = {"bind_channels": "channels", "Channels": "channels", "Heartbeat": "heartbeat"}


def __getattr__(name: str):
    if name in _ZMQ_NAMES:
        import importlib

        return getattr(importlib.import_module(f"llmspell.wire.{_ZMQ_NAMES[name]}"), name)
    raise AttributeError(f"module 'llmspell.wire' has no attribute {name!r}")


__all__ = [
    "CHANNEL_NAMES",
    "DELIM",
    "MAX_MESSAGE_SIZE",
    "PROTOCOL_VERSION",
    "Channels",
    "ConnectionFileError",
    "ConnectionInfo",
    "Heartbeat",
    "Message",
    "ReplayGuard",
    "Signer",
    "WireError",
    "bind_channels",
    "new_header",
    "new_key",
    "pack",
    "parse",
    "reply",
    "serialize",
]
