"""The link's transport (wire.linksocket) over real Unix sockets: framing, the relay's
hub (accept, hello, sides, buffered output) and the kernel's peer (connect retries
before the relay listens, hello, a closed link is final)."""

from __future__ import annotations

import select
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from llmspell.wire import link, linksocket
from llmspell.wire.errors import WireError

SHELL, CONTROL = link.SHELL_SIDE, link.CONTROL_SIDE


@pytest.fixture
def path():
    """A short socket path (tmp_path can exceed the 107-byte limit)."""
    with tempfile.TemporaryDirectory(prefix="lk-", dir="/tmp") as directory:
        yield str(Path(directory) / "k.link")


def pump(hub: linksocket.LinkHub, until, timeout: float = 5.0) -> list:
    """Serve the hub's fds like the relay does until ``until(received)`` is true."""
    received: list = []
    deadline = time.monotonic() + timeout
    while not until(received):
        assert time.monotonic() < deadline, f"timed out; received {received}"
        poller = select.poll()
        for fd, writable in hub.watch_list():
            poller.register(fd, select.POLLIN | (select.POLLOUT if writable else 0))
        for fd, events in poller.poll(20):
            received += hub.events(fd, bool(events & select.POLLIN),
                                   bool(events & select.POLLOUT))
    return received


def test_messages_survive_any_fragmentation():
    messages = [[b"m", b"x" * 1000], [b"hello", b"shell", b"{}"], [b""], [b"a", b"", b"b"]]
    data = b"".join(linksocket.encode(m) for m in messages)
    reader = linksocket.MessageReader()
    out = []
    for i in range(len(data)):
        out += reader.feed(data[i:i + 1])
    assert out == messages


@pytest.mark.parametrize("data", [
    b"\xff\xff\xff\xff\x00\x00\x00\x01",                  # larger than any message may be
    b"\x00\x00\x00\x08\x00\x00\x00\x05",                  # 5 frames cannot fit in 8 bytes
    b"\x00\x00\x00\x09\x00\x00\x00\x01\x00\x00\x00\x09x",  # lengths do not add up
])
def test_a_stream_that_is_not_ours_is_refused(data):
    with pytest.raises(WireError):
        linksocket.MessageReader().feed(data)


def test_peer_started_before_the_hub_connects_and_says_hello(path):
    peer = linksocket.LinkPeer(SHELL, b'{"pid":1}', path=path)
    assert peer.receive(30) is None  # nobody listens yet: retried, no error
    hub = linksocket.LinkHub(path)
    try:
        assert oct(Path(path).stat().st_mode & 0o777) == "0o600"
        thread = threading.Thread(target=peer.receive, args=(3000,))
        thread.start()  # the peer connects within its retry interval
        got = pump(hub, lambda r: r)
        assert got == [(SHELL, [link.KIND_HELLO, SHELL, b'{"pid":1}'])]
        assert hub.connected(SHELL) and not hub.connected(CONTROL)
        assert hub.send(SHELL, [b"m", b"for the shell"])
        thread.join(5)
        assert not hub.send(CONTROL, [b"m", b"nobody"])  # the caller keeps it for later
    finally:
        peer.close()
        hub.close()
    assert not Path(path).exists()


def test_both_sides_are_told_apart_and_answer_on_their_own_connection(path):
    hub = linksocket.LinkHub(path)
    peers = {side: linksocket.LinkPeer(side, b"{}", path=path) for side in (SHELL, CONTROL)}
    try:
        for side, peer in peers.items():
            assert peer.send([b"m", b"from " + side])
        got = pump(hub, lambda r: len(r) == 4)
        assert sorted(got) == sorted([(SHELL, [b"hello", SHELL, b"{}"]),
                                      (SHELL, [b"m", b"from shell"]),
                                      (CONTROL, [b"hello", CONTROL, b"{}"]),
                                      (CONTROL, [b"m", b"from control"])])
        assert hub.send(CONTROL, [b"interrupt"])
        assert hub.send(SHELL, [b"m", b"request"])
        assert peers[CONTROL].receive(2000) == [b"interrupt"]
        assert peers[SHELL].receive(2000) == [b"m", b"request"]
    finally:
        for peer in peers.values():
            peer.close()
        hub.close()


def test_output_for_a_peer_that_is_not_reading_is_kept_in_order(path):
    hub = linksocket.LinkHub(path)
    peer = linksocket.LinkPeer(SHELL, b"{}", path=path)
    try:
        peer.send([b"m", b"start"])
        pump(hub, lambda r: len(r) == 2)
        chunk = b"x" * (1 << 20)
        for i in range(16):  # far more than a socket buffer holds
            assert hub.send(SHELL, [b"m", b"%d" % i, chunk])
        assert any(writable for _, writable in hub.watch_list())  # output is waiting
        received = []
        reader = threading.Thread(target=lambda: received.extend(
            peer.receive(5000) for _ in range(16)))
        reader.start()
        pump(hub, lambda r: not reader.is_alive(), timeout=20)
        assert [m[1] for m in received] == [b"%d" % i for i in range(16)]
        assert all(m[2] == chunk for m in received)
        assert not any(writable for _, writable in hub.watch_list())
    finally:
        peer.close()
        hub.close()


def test_a_new_connection_for_a_side_replaces_the_old_one(path):
    hub = linksocket.LinkHub(path)
    old = linksocket.LinkPeer(SHELL, b'"old"', path=path)
    new = linksocket.LinkPeer(SHELL, b'"new"', path=path)
    try:
        old.send([b"m", b"1"])
        pump(hub, lambda r: len(r) == 2)
        old.close()  # e.g. a kernel that died; its restarted successor connects
        new.send([b"m", b"2"])
        pump(hub, lambda r: len(r) == 2)
        assert hub.send(SHELL, [b"m", b"to the new one"])
        assert new.receive(2000) == [b"m", b"to the new one"]
    finally:
        new.close()
        hub.close()


def test_a_link_closed_by_the_relay_is_lost_for_good(path):
    hub = linksocket.LinkHub(path)
    peer = linksocket.LinkPeer(CONTROL, b"{}", path=path)
    try:
        peer.send([b"m", b"before"])
        pump(hub, lambda r: len(r) == 2)
        hub.close()  # the gateway is gone
        assert peer.receive(2000) is None
        assert peer.lost
        hub = linksocket.LinkHub(path)  # a new gateway: its own kernel will connect, not this one
        assert not peer.send([b"m", b"after"])
        assert peer.receive(50) is None
        assert not hub.connections
    finally:
        peer.close()
        hub.close()


def test_socketpair_ends_need_no_path():
    hub = linksocket.LinkHub()
    relay_end, kernel_end = socket.socketpair()
    hub.adopt(relay_end, SHELL)
    peer = linksocket.LinkPeer(SHELL, b"{}", sock=kernel_end)
    try:
        assert hub.connected(SHELL)
        assert pump(hub, lambda r: r) == [(SHELL, [link.KIND_HELLO, SHELL, b"{}"])]
        assert hub.send(SHELL, [b"m", b"x"])
        assert peer.receive(2000) == [b"m", b"x"]
        hub.close()
        assert peer.receive(2000) is None  # the relay end is gone for good
    finally:
        peer.close()


def test_a_connection_that_does_not_say_hello_first_is_dropped(path):
    hub = linksocket.LinkHub(path)
    stranger = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stranger.connect(path)
        stranger.sendall(linksocket.encode([link.KIND_MESSAGE, b"not from a kernel"]))
        with pytest.raises(WireError):
            pump(hub, lambda r: False, timeout=2)
        assert not hub.connected(SHELL) and not hub.connected(CONTROL)
        stranger.settimeout(2)
        assert stranger.recv(10) == b""  # closed by the hub
    finally:
        stranger.close()
        hub.close()
