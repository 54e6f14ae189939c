"""Channel binding: OS-chosen ports, ipc, USE_FD adoption, failures; the heartbeat echo."""

import ctypes
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import zmq

from llmspell.wire import CHANNEL_NAMES, ConnectionInfo, bind_channels
from llmspell.wire.connection import PORT_FIELDS


@pytest.fixture
def ctx():
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


@pytest.fixture
def bound(ctx):
    channels = bind_channels(ctx, ConnectionInfo.from_base_port(0))
    yield channels
    channels.close(linger=0)


def ping(ctx, url, payload=b"ping", timeout_ms=2000):
    req = ctx.socket(zmq.REQ)
    req.linger = 0
    req.connect(url)
    req.send(payload)
    answered = req.poll(timeout_ms)
    reply = req.recv() if answered else None
    req.close()
    return reply


def shell_roundtrip(ctx, channels):
    """A DEALER reaches the shell ROUTER and gets an answer routed back by identity."""
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.ipv6 = True
    dealer.connect(channels.info.url("shell"))
    dealer.send(b"hello")
    assert channels.shell.poll(2000), "shell received nothing"
    identity, body = channels.shell.recv_multipart()
    channels.shell.send_multipart([identity, body + b" back"])
    assert dealer.poll(2000), "no reply routed back"
    reply = dealer.recv()
    dealer.close()
    return reply


def test_port_zero_binds_real_distinct_ports(ctx, bound):
    ports = [bound.info.port(c) for c in CHANNEL_NAMES]
    assert all(p > 0 for p in ports)
    assert len(set(ports)) == 5
    assert bound.iopub.type == zmq.XPUB
    assert shell_roundtrip(ctx, bound) == b"hello back"


def free_tcp_ports(n):
    probes = [socket.socket() for _ in range(n)]
    for probe in probes:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in probes]
    for probe in probes:
        probe.close()
    return ports


def bind_soon(sock, url, seconds=3.0):
    """Bind, retrying while libzmq's reaper thread finishes closing an earlier socket."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return sock.bind(url)
        except zmq.ZMQError as e:
            if e.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_explicit_ports_are_used(ctx):
    wanted = ConnectionInfo(**dict(zip(PORT_FIELDS, free_tcp_ports(5), strict=True)))
    channels = bind_channels(ctx, wanted)
    try:
        assert channels.info == wanted
        assert shell_roundtrip(ctx, channels) == b"hello back"
    finally:
        channels.close(linger=0)


def test_ipc_transport_numbers_free_paths(ctx, tmp_path):
    prefix = str(tmp_path / "kernel")
    (tmp_path / "kernel-1").write_text("taken")
    info = ConnectionInfo.from_base_port(0, transport="ipc", ip=prefix)
    channels = bind_channels(ctx, info)
    try:
        numbers = [channels.info.port(c) for c in CHANNEL_NAMES]
        assert numbers == [2, 3, 4, 5, 6]
        assert all(os.path.exists(f"{prefix}-{n}") for n in numbers)
        assert shell_roundtrip(ctx, channels) == b"hello back"
        assert ping(ctx, channels.info.url("hb")) == b"ping"
    finally:
        channels.close(linger=0)


def test_ipv6_loopback(ctx):
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    channels = bind_channels(ctx, ConnectionInfo.from_base_port(0, ip="::1"))
    try:
        assert channels.info.url("shell").startswith("tcp://[::1]:")
        assert shell_roundtrip(ctx, channels) == b"hello back"
    finally:
        channels.close(linger=0)


def test_adopts_a_passed_listening_socket_with_use_fd(ctx):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.detach()  # libzmq owns and closes it from now on
    channels = bind_channels(ctx, ConnectionInfo.from_base_port(0), fds={"shell": fd})
    try:
        assert channels.info.shell_port == port
        assert shell_roundtrip(ctx, channels) == b"hello back"
    finally:
        channels.close(linger=0)


def test_adopted_fd_wins_over_the_address_in_the_info(ctx):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.detach()
    hb_only = ConnectionInfo.from_base_port(0)
    channels = bind_channels(ctx, hb_only.with_port("hb", 1), fds={"hb": fd})
    try:
        assert channels.info.hb_port == port
        assert ping(ctx, f"tcp://127.0.0.1:{port}") == b"ping"
    finally:
        channels.close(linger=0)


def test_rejects_bad_fds(ctx, tmp_path):
    info = ConnectionInfo.from_base_port(0)
    with pytest.raises(ValueError, match="unknown channel"):
        bind_channels(ctx, info, fds={"bogus": 0})
    a, b = socket.socketpair()
    with a, b:
        with pytest.raises(ValueError, match="one channel only"):
            bind_channels(ctx, info, fds={"shell": a.fileno(), "stdin": a.fileno()})
    with open(tmp_path / "f", "w") as f:
        with pytest.raises(ValueError, match="not a socket"):
            bind_channels(ctx, info, fds={"shell": f.fileno()})


def test_bind_failure_names_the_channel_and_closes_what_was_made(ctx, bound):
    shell_port = free_tcp_ports(1)[0]
    taken = ConnectionInfo.from_base_port(0).with_port("shell", shell_port)
    with pytest.raises(zmq.ZMQError) as err:
        bind_channels(ctx, taken.with_port("stdin", bound.info.stdin_port))
    assert "stdin" in " ".join(getattr(err.value, "__notes__", []))
    probe = ctx.socket(zmq.ROUTER)
    probe.linger = 0
    bind_soon(probe, f"tcp://127.0.0.1:{shell_port}")  # the failed attempt's shell was closed
    probe.close()


def test_heartbeat_echoes_every_ping(ctx, bound):
    url = bound.info.url("hb")
    assert [ping(ctx, url, b"p%d" % i) for i in range(5)] == [b"p%d" % i for i in range(5)]
    assert bound.heartbeat.running


def test_heartbeat_stop_ends_thread_and_frees_the_port(ctx, bound):
    assert bound.heartbeat.stop() is True
    assert not bound.heartbeat.running
    assert bound.heartbeat.stop() is True  # idempotent
    reuse = ctx.socket(zmq.ROUTER)
    reuse.linger = 0
    bind_soon(reuse, bound.info.url("hb"))  # EADDRINUSE for good if never closed
    reuse.close()


def hold_gil_for(seconds):
    """Call libc sleep through ctypes.PyDLL, which keeps the GIL for the whole call."""
    ctypes.PyDLL(None).sleep(seconds)


def test_heartbeat_answers_while_the_gil_is_held(ctx, bound):
    """The echo runs in libzmq without the GIL: a Python echo thread would miss the deadline."""
    code = textwrap.dedent(
        f"""
        import sys, time, zmq
        req = zmq.Context().socket(zmq.REQ); req.linger = 0
        req.connect({bound.info.url("hb")!r}); req.send(b"warm-up"); req.poll(3000); req.recv()
        print("ready", flush=True); sys.stdin.readline()
        time.sleep(0.3)  # the parent is now inside its GIL-holding call
        req.send(b"alive?")
        sys.exit(0 if req.poll(800) and req.recv() == b"alive?" else 1)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline() == b"ready\n"
        child.stdin.write(b"go\n")
        child.stdin.flush()
        hold_gil_for(2)
        assert child.wait(timeout=10) == 0
    finally:
        child.kill()
        child.wait()


def test_heartbeat_uses_os_thread_under_gevent_monkey_patching(tmp_path):
    """With gevent patched and a green context, pings are answered and the hub keeps running."""
    code = textwrap.dedent(
        """
        from gevent import monkey; monkey.patch_all()
        import gevent, zmq.green as zmq
        from llmspell.wire import ConnectionInfo, bind_channels
        ctx = zmq.Context()
        channels = bind_channels(ctx, ConnectionInfo.from_base_port(0))
        assert type(channels.shell).__module__.startswith("zmq.green")
        req = ctx.socket(zmq.REQ); req.linger = 0
        req.connect(channels.info.url("hb"))
        for i in range(3):
            req.send(b"g%d" % i)
            with gevent.Timeout(3):
                assert req.recv() == b"g%d" % i
        gevent.sleep(0.05)  # the hub still runs: the proxy is not a greenlet
        req.close(); channels.close(linger=0); ctx.term()
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
