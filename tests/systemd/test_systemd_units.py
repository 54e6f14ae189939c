"""Units with tiny llmspell.systemd services, run by a real systemd (PID 1 in a namespace)."""

import socket
import time

import pytest
from harness import free_ports, render_unit
from llmspell.systemd.journal import MESSAGE_IDS

NOTIFY = "notify-test.service"


@pytest.fixture(scope="module")
def notify_unit(systemd_ns):
    systemd_ns.install_unit(NOTIFY, render_unit(NOTIFY))
    return NOTIFY


def start(sd, unit) -> float:
    """(Re)start *unit* from scratch; returns how long ``systemctl start`` took."""
    sd.run(["systemctl", "stop", unit], timeout=20)
    sd.run(["systemctl", "reset-failed", unit], check=False)
    t0 = time.monotonic()
    sd.run(["systemctl", "start", unit], timeout=20)
    return time.monotonic() - t0


def test_start_returns_after_ready(systemd_ns, notify_unit):
    elapsed = start(systemd_ns, notify_unit)
    props = systemd_ns.show(notify_unit, "ActiveState", "SubState", "StatusText", "MainPID")
    assert props["ActiveState"] == "active" and props["SubState"] == "running", props
    assert props["StatusText"] == "serving port 59000, watchdog None"
    assert elapsed >= 0.5, f"systemctl start returned after {elapsed:.2f}s, before READY=1"
    status = systemd_ns.run(["systemctl", "status", notify_unit]).stdout
    assert "Status: \"serving port 59000, watchdog None\"" in status


def test_reload_with_kill_brackets_reloading_and_ready(systemd_ns, notify_unit):
    start(systemd_ns, notify_unit)
    pid = systemd_ns.show(notify_unit, "MainPID")["MainPID"]
    systemd_ns.run(["systemctl", "reload", notify_unit], timeout=20)
    # systemd 252 ends the reload job when ExecReload's kill exits, unless RELOADING=1
    # arrived first (then it waits for READY=1); either way RELOADING=1 shows as
    # "reloading" until READY=1.
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        props = systemd_ns.show(notify_unit, "ActiveState", "StatusText")
        seen.append((props["ActiveState"], props["StatusText"]))
        if seen[-1] == ("active", "reloaded 1"):
            break
        time.sleep(0.02)
    assert seen[-1] == ("active", "reloaded 1"), seen
    assert ("reloading", "reloading ?") in seen or len(seen) == 1, seen
    assert systemd_ns.show(notify_unit, "MainPID")["MainPID"] == pid


def test_reload_helper_makes_reload_synchronous(systemd_ns):
    unit = "reload-test.service"
    systemd_ns.install_unit(unit, render_unit(unit))
    start(systemd_ns, unit)
    for n in (1, 2):
        t0 = time.monotonic()
        systemd_ns.run(["systemctl", "reload", unit], timeout=20)
        elapsed = time.monotonic() - t0
        props = systemd_ns.show(unit, "ActiveState", "StatusText")
        assert props == {"ActiveState": "active", "StatusText": f"reloaded {n}"}, props
        assert elapsed >= 1.0, f"reload returned after {elapsed:.2f}s, before READY=1"
    systemd_ns.run(["systemctl", "stop", unit])


def test_journal_fields(systemd_ns, notify_unit):
    start(systemd_ns, notify_unit)
    entries = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        entries = systemd_ns.journal(notify_unit, "SYSLOG_IDENTIFIER=llmspell-test")
        if any(e.get("MESSAGE_ID") == MESSAGE_IDS["ready"] for e in entries):
            break
        time.sleep(0.1)
    by_id = {e.get("MESSAGE_ID"): e for e in entries}
    ready = by_id[MESSAGE_IDS["ready"]]
    assert ready["MESSAGE"] == "test service ready on port 59000"
    assert ready["PRIORITY"] == "6" and ready["KERNEL_PORT"] == "59000"
    assert ready["KERNEL_ID"] == "test-59000" and ready["LLMSPELL_EVENT"] == "ready"
    assert ready["LOGGER"] == "llmspell" and ready["CODE_FUNC"] == "main"
    assert MESSAGE_IDS["started"] in by_id
    warning = next(e for e in entries if e["MESSAGE"] == "warming up for 0.5 s")
    assert warning["PRIORITY"] == "4" and warning["LOGGER"] == "llmspell.test"
    # structured entries, not lines from the stderr stream
    assert all(e.get("_TRANSPORT") == "journal" for e in entries)
    by_match = systemd_ns.journal(None, f"MESSAGE_ID={MESSAGE_IDS['ready']}")
    assert notify_unit in {e["_SYSTEMD_UNIT"] for e in by_match}


def test_stop_sends_stopping(systemd_ns, notify_unit):
    start(systemd_ns, notify_unit)
    systemd_ns.run(["systemctl", "stop", "--no-block", notify_unit])
    systemd_ns.wait_for(notify_unit, timeout=5, StatusText="stopping (SIGTERM)")
    assert systemd_ns.show(notify_unit, "ActiveState")["ActiveState"] == "deactivating"
    systemd_ns.wait_for(notify_unit, timeout=10, ActiveState="inactive")
    assert systemd_ns.show(notify_unit, "Result")["Result"] == "success"
    ids = {e.get("MESSAGE_ID") for e in systemd_ns.journal(notify_unit)}
    assert MESSAGE_IDS["shutdown"] in ids


def test_self_initiated_stopping_deactivates(systemd_ns, notify_unit):
    start(systemd_ns, notify_unit)
    pid = systemd_ns.show(notify_unit, "MainPID")["MainPID"]
    systemd_ns.run(["systemctl", "kill", "--kill-who=main", "-s", "HUP", notify_unit])
    # STOPPING=1 alone (the process still runs for 0.7 s) moves the unit to deactivating
    systemd_ns.wait_for(notify_unit, timeout=5, ActiveState="deactivating")
    alive = systemd_ns.run(["kill", "-0", pid], check=False).returncode == 0
    assert alive, "deactivating only because the process exited, not on STOPPING=1"
    systemd_ns.wait_for(notify_unit, timeout=10, ActiveState="inactive")


def test_watchdog_restarts_silent_service(systemd_ns):
    unit = "watchdog-test.service"
    systemd_ns.install_unit(unit, render_unit(unit))
    start(systemd_ns, unit)
    props = systemd_ns.show(unit, "MainPID", "NRestarts", "StatusText", "WatchdogUSec")
    assert props["StatusText"] == "serving port 59001, watchdog 0.5"
    time.sleep(2.5)  # pings keep it alive well past WatchdogSec=1
    assert systemd_ns.show(unit, "MainPID", "NRestarts") == {
        "MainPID": props["MainPID"], "NRestarts": props["NRestarts"]}
    systemd_ns.run(["systemctl", "kill", "--kill-who=main", "-s", "USR2", unit])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = systemd_ns.show(unit, "MainPID", "NRestarts", "ActiveState", "StatusText")
        if now["NRestarts"] != props["NRestarts"] and now["ActiveState"] == "active":
            break
        time.sleep(0.1)
    assert int(now["NRestarts"]) == int(props["NRestarts"]) + 1, now
    assert now["MainPID"] not in ("0", props["MainPID"]), now
    assert now["StatusText"] == "serving port 59001, watchdog 0.5"
    messages = [e["MESSAGE"] for e in systemd_ns.journal(unit, "_PID=1")]
    assert any("Watchdog timeout" in m for m in messages), messages
    systemd_ns.run(["systemctl", "stop", unit])


def _ask(port: int, line: str) -> list[str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.settimeout(10)
        conn.sendall(line.encode() + b"\n")
        return conn.makefile().readline().split()


def test_socket_activation_by_name(systemd_ns):
    shell, control = free_ports(2)
    sd = systemd_ns
    sd.install_unit("sockact-test.service", render_unit("sockact-test.service"), reload=False)
    for name in ("shell", "control"):
        sd.install_unit(f"sockact-{name}.socket", render_unit(
            f"sockact-{name}.socket", SHELL_PORT=shell, CONTROL_PORT=control), reload=False)
    sd.run(["systemctl", "daemon-reload"])
    sd.run(["systemctl", "start", "sockact-shell.socket", "sockact-control.socket"])
    assert sd.show("sockact-test.service", "ActiveState")["ActiveState"] == "inactive"
    # connect while the service is stopped: systemd starts it, it adopts the fd and answers
    name, pid, child_listen_fds, echo = _ask(shell, "hello")
    assert (name, child_listen_fds, echo) == ("shell", "none", "hello")
    props = sd.show("sockact-test.service", "ActiveState", "MainPID", "StatusText")
    assert props == {"ActiveState": "active", "MainPID": pid, "StatusText": "adopted control shell"}
    assert _ask(control, "ping")[0::3] == ["control", "ping"]
    # stopped again: the socket stays open and the next connect restarts the service
    sd.run(["systemctl", "stop", "sockact-test.service"])
    assert sd.show("sockact-shell.socket", "ActiveState")["ActiveState"] == "active"
    name, pid2, _, echo = _ask(control, "again")
    assert (name, echo) == ("control", "again") and pid2 != pid
    sd.run(["systemctl", "stop", "sockact-test.service", "sockact-shell.socket",
            "sockact-control.socket"])
