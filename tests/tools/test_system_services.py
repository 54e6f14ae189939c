"""service-checker against real loopback sockets (127.0.0.1 only)."""

from __future__ import annotations

import socket

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from llmspell.tools.system import services

REGISTRY = ToolRegistry.builtin()
CTX = ToolContext()


def check(c: ToolContext = CTX, **params) -> dict:
    return REGISTRY.invoke("service-checker", params, c)


@pytest.fixture
def listening():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def unanswered_port():
    """A listener whose accept queue is full: further SYNs are dropped, so connecting
    hangs (Linux default net.ipv4.tcp_abort_on_overflow=0)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for sock in fillers + [server]:
        sock.close()


def test_open_port(listening):
    result = check(operation="port", host="127.0.0.1", port=listening)
    assert result["state"] == "open" and result["open"] is True
    assert result["latency_ms"] >= 0 and result["host"] == "127.0.0.1"


def test_closed_port(closed_port):
    result = check(operation="port", port=closed_port)
    assert result["state"] == "closed" and result["open"] is False and "error" not in result


def test_localhost_name_resolves(listening):
    assert check(operation="port", host="localhost", port=listening)["state"] == "open"


def test_timeout_state(unanswered_port):
    result = check(operation="port", port=unanswered_port, timeout=0.3)
    assert result["state"] == "timeout" and result["latency_ms"] is None


def test_several_ports_at_once(listening, closed_port):
    result = check(operation="ports", ports=[closed_port, listening])
    assert [r["state"] for r in result["result"]] == ["closed", "open"]
    assert result["open"] == [listening] and result["addresses"] == ["127.0.0.1"]


def test_a_port_is_open_when_any_address_accepts(listening, closed_port):
    # ::1 first (refused: nothing listens there on this port), then 127.0.0.1.
    results = services.probe(["::1", "127.0.0.1"], [listening, closed_port], 1.0)
    assert [(r["port"], r["state"], r["address"]) for r in results] == [
        (listening, "open", "127.0.0.1"), (closed_port, "closed", "::1")]


@pytest.mark.parametrize("host", ["169.254.169.254", "169.254.1.1", "fe80::1"])
def test_link_local_and_metadata_addresses_are_refused(host):
    with pytest.raises(ToolError) as info:
        check(operation="port", host=host, port=80)
    assert info.value.error_type == "permission_denied"
    assert "allow_link_local" in info.value.message


def test_blocked_hosts_are_refused(listening):
    blocked = ToolContext(settings=ToolSettings(blocked_hosts=["127.0.0.1"]))
    with pytest.raises(ToolError) as info:
        check(blocked, operation="port", port=listening)
    assert info.value.error_type == "permission_denied"


def test_unit_without_systemd_is_a_result_not_an_error(monkeypatch, tmp_path):
    monkeypatch.setattr(services, "SYSTEMD_RUN_DIR", tmp_path / "not-booted-with-systemd")
    result = check(operation="unit", unit="ssh.service")
    assert result["available"] is False and result["state"] is None
    assert "systemd not available" in result["message"]


def test_unit_state_from_systemctl(monkeypatch, tmp_path):
    # A fake systemctl: systemd cannot run as PID 1 inside the test, so the real
    # one cannot answer. The fake is a real executable run as a subprocess.
    fake = tmp_path / "systemctl"
    fake.write_text('#!/bin/sh\n[ "$1 $2 $3" = "is-active -- ssh.service" ] && '
                    'echo active && exit 0\necho inactive; exit 3\n')
    fake.chmod(0o755)
    monkeypatch.setattr(services, "SYSTEMCTL_PATH", str(tmp_path))
    monkeypatch.setattr(services, "SYSTEMD_RUN_DIR", tmp_path)
    assert check(operation="unit", unit="ssh.service") == {
        "unit": "ssh.service", "available": True, "state": "active", "active": True}
    assert check(operation="unit", unit="cron.service")["state"] == "inactive"


def test_bad_requests():
    for params in ({"operation": "port"}, {"operation": "ports"}, {"operation": "unit"},
                   {"port": 0}, {"port": 70000}, {"ports": list(range(1, 66))},
                   {"ports": [80, 80]}, {"unit": "-H evil"}, {"unit": "a b"},
                   {"timeout": 0}, {"operation": "ping"}):
        with pytest.raises(ToolError) as info:
            check(**params)
        assert info.value.error_type == "validation_error", params
