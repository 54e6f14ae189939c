"""llmspell@.service (gateway) and llmspell-kernel@.service under a real booted systemd:
start, execute, reload, crash and hang recovery, stop, journal, verify and security."""

from __future__ import annotations

import json
import re
import time

import pytest
from harness import REPO
from llmspell.systemd.journal import MESSAGE_IDS
from llmspell_kit import (
    GATEWAY,
    KERNEL,
    STATUS,
    UNITS,
    WATCHDOG_SEC,
    client,
    connection,
    entries,
    execute,
    free_base,
    main_pid,
    poll,
    status_match,
    units,
)


@pytest.fixture(scope="module")
def port(sd) -> int:
    """An instance started once, for the tests that need a running one."""
    base = free_base()
    sd.run(["systemctl", "start", f"llmspell@{base}"], timeout=60)
    return base


def test_start_returns_only_after_ready(sd):
    base = free_base()
    gateway, kernel = units(base)
    sd.run(["systemctl", "start", f"llmspell@{base}"], timeout=60)  # no prior step
    # READY=1 came after the kernel answered kernel_info: the status names its pid
    props = sd.show(gateway, "ActiveState", "SubState", "StatusText")
    assert props["ActiveState"] == "active" and props["SubState"] == "running", props
    match = STATUS.fullmatch(props["StatusText"])
    assert match, props["StatusText"]
    assert match.groups()[:2] == (str(base), main_pid(sd, kernel))
    assert sd.show(kernel, "ActiveState")["ActiveState"] == "active"
    status = sd.run(["systemctl", "status", "--no-pager", gateway]).stdout
    assert f'Status: "{props["StatusText"]}"' in status
    started = entries(sd, kernel, "llmspell-kernel")[0]
    ready = next(e for e in entries(sd, gateway, "llmspell-gateway")
                 if e.get("MESSAGE_ID") == MESSAGE_IDS["ready"])
    assert int(ready["__REALTIME_TIMESTAMP"]) > int(started["__REALTIME_TIMESTAMP"])
    sd.run(["systemctl", "stop", gateway], timeout=30)
    sd.wait_for(kernel, timeout=20, ActiveState="inactive")  # PartOf=, stops after (Before=)


def test_execute_lua_through_the_ports(sd, port):
    with client(connection(sd, port)) as kc:
        assert execute(kc, "State.set('answer', 6 * 7) return State.get('answer')") == "42"
        # STATUS= follows: one client (iopub subscription), executions from the kernel
        poll(lambda: (m := status_match(sd, port)) and m[4] == "1" and int(m[3]) >= 1, 10)


def test_reload_applies_logging_level(sd, port):
    gateway, kernel = units(port)
    pids = main_pid(sd, gateway), main_pid(sd, kernel)
    sd.write_file("/etc/llmspell/llmspell.toml", '[logging]\nlevel = "debug"\n')
    try:
        t0 = time.monotonic()
        sd.run(["systemctl", "reload", gateway], timeout=30)
        assert sd.show(gateway, "ActiveState")["ActiveState"] == "active"
        reloaded = [e["MESSAGE"] for e in entries(sd, gateway, "llmspell-gateway")
                    if e["MESSAGE"].startswith("configuration reloaded")]
        assert reloaded[-1].endswith("/etc/llmspell/llmspell.toml): logging.level=debug")
        # the gateway now logs at debug (PRIORITY=7): its next health probe shows up
        poll(lambda: any(e["PRIORITY"] == "7" for e in entries(sd, gateway, "llmspell-gateway")),
             WATCHDOG_SEC * 2)
        # PropagatesReloadTo= reloaded the kernel too (SIGUSR1, kernel.reload)
        poll(lambda: any("applied logging.level='debug'" in e["MESSAGE"]
                         for e in entries(sd, kernel, "llmspell-kernel")), 5)
        assert time.monotonic() - t0 < 20
        assert (main_pid(sd, gateway), main_pid(sd, kernel)) == pids  # no restart
    finally:
        sd.run(["rm", "-f", "/etc/llmspell/llmspell.toml"])
        sd.run(["systemctl", "reload", gateway], timeout=30)


def test_killed_kernel_is_restarted_behind_open_ports(sd, port):
    gateway, kernel = units(port)
    gateway_pid, kernel_pid = main_pid(sd, gateway), main_pid(sd, kernel)
    restarts = int(sd.show(kernel, "NRestarts")["NRestarts"])
    with client(connection(sd, port)) as kc:
        assert execute(kc, "return 1 + 1") == "2"
        sd.run(["kill", "-9", kernel_pid])
        poll(lambda: int(sd.show(kernel, "NRestarts")["NRestarts"]) > restarts, 10)
        # the same client, no reconnect: held by the gateway until the new kernel is up
        assert execute(kc, "return 2 + 2") == "4"
    assert main_pid(sd, gateway) == gateway_pid
    assert main_pid(sd, kernel) not in ("0", kernel_pid)


def test_client_shutdown_brings_a_fresh_kernel(sd, port):
    gateway, kernel = units(port)
    gateway_pid, kernel_pid = main_pid(sd, gateway), main_pid(sd, kernel)
    with client(connection(sd, port)) as kc:
        kc.shutdown()  # shutdown_request, restart=False: the kernel exits with status 0
        poll(lambda: main_pid(sd, kernel) not in ("0", kernel_pid), 15)  # Restart=always
        assert execute(kc, "return 3") == "3"
    assert main_pid(sd, gateway) == gateway_pid


def test_hung_kernel_trips_the_watchdog(sd, port):
    gateway, kernel = units(port)
    gateway_pid, kernel_pid = main_pid(sd, gateway), main_pid(sd, kernel)
    restarts = int(sd.show(gateway, "NRestarts")["NRestarts"])
    with client(connection(sd, port)) as kc:
        sd.run(["kill", "-STOP", kernel_pid])
        # 2 probe intervals without an answer, then WatchdogSec= without a ping
        poll(lambda: int(sd.show(gateway, "NRestarts")["NRestarts"]) > restarts,
             WATCHDOG_SEC * 5)
        poll(lambda: sd.show(gateway, "ActiveState")["ActiveState"] == "active", 30)
        assert main_pid(sd, gateway) != gateway_pid
        assert main_pid(sd, kernel) not in ("0", kernel_pid)  # PartOf=: restarted too
        assert execute(kc, "return 'recovered'") == '"recovered"'
    system = [e["MESSAGE"] for e in sd.journal(gateway, "_PID=1")]
    assert any("Watchdog timeout" in m for m in system), system
    assert any("watchdog pings stopped" in e["MESSAGE"]
               for e in entries(sd, gateway, "llmspell-gateway"))


def test_stop_is_graceful(sd, port):
    gateway, kernel = units(port)
    key = connection(sd, port)["key"]
    with client(connection(sd, port)) as kc:
        execute(kc, "State.set('saved', 'at stop')")
    sd.run(["systemctl", "log-level", "debug"])  # PID 1 then logs each sd_notify message
    try:
        sd.run(["systemctl", "stop", gateway], timeout=30)
    finally:
        sd.run(["systemctl", "log-level", "info"])
    sd.wait_for(kernel, timeout=20, ActiveState="inactive")
    for unit in (gateway, kernel):
        props = sd.show(unit, "ActiveState", "Result")
        assert props == {"ActiveState": "inactive", "Result": "success"}, (unit, props)
    notes = [e["MESSAGE"] for e in sd.journal(gateway, "_PID=1")
             if "Got notification message" in e["MESSAGE"]]
    assert any("STOPPING=1, STATUS=stopping (SIGTERM)" in m for m in notes), notes
    state = json.loads(sd.run(["cat", f"/var/lib/llmspell/{port}.json"]).stdout)
    assert "at stop" in state["scopes"][next(iter(state["scopes"]))].values(), state
    assert state["meta"]["execution_count"] >= 1
    ids = {e.get("MESSAGE_ID") for e in entries(sd, kernel, "llmspell-kernel")}
    assert MESSAGE_IDS["shutdown"] in ids
    assert sd.run(["test", "-e", f"/run/llmspell/{port}"], check=False).returncode == 1
    sd.run(["systemctl", "start", gateway], timeout=60)
    assert connection(sd, port)["key"] == key  # clients keep working across restarts


def test_journal_has_structured_fields(sd, port):
    gateway, kernel = units(port)
    for unit, identifier, events in ((gateway, "llmspell-gateway",
                                      ("started", "ready", "reload", "shutdown")),
                                     (kernel, "llmspell-kernel", ("started", "reload",
                                                                  "shutdown"))):
        found = entries(sd, unit, identifier)
        assert found and all(e["_TRANSPORT"] == "journal" for e in found)
        assert all(e["KERNEL_PORT"] == str(port) and e["KERNEL_ID"] == str(port) for e in found)
        assert {e["PRIORITY"] for e in found} >= {"6"}
        by_event = {e.get("LLMSPELL_EVENT"): e for e in found}
        for event in events:
            assert by_event[event]["MESSAGE_ID"] == MESSAGE_IDS[event], (identifier, event)
    out = sd.run(["journalctl", "--no-pager", "-o", "json", "-u", gateway]).stdout
    assert '"SYSLOG_IDENTIFIER":"llmspell-gateway"' in out.replace(" ", "")


def test_units_verify_and_security(sd, port):
    installed = [f"/run/systemd/system/{name}" for name in (GATEWAY, KERNEL)]
    verify = sd.run(["systemd-analyze", "verify", "--man=no", *installed,
                     *units(port)], check=False)
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")
    # the shipped files verbatim, under names no test drop-in applies to
    shipped = sd.workdir / "shipped"
    shipped.mkdir(exist_ok=True)
    figures = {unit: _exposure(sd, unit) for unit in units(port)}  # as loaded, with drop-in
    for name in (GATEWAY, KERNEL):
        copy = shipped / name.replace("@", "-shipped@")
        copy.write_text((UNITS / name).read_text())
        figures[name] = _exposure(sd, "--offline=true", str(copy))
    assert all(value <= 2.0 for value in figures.values()), figures
    print("systemd-analyze security:", figures)


def _exposure(sd, *args: str) -> float:
    out = sd.run(["systemd-analyze", "security", "--no-pager", *args], check=False).stdout
    return float(re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)[1])


def test_documentation_man_pages_resolve(sd):
    pages = {"llmspell.1", "llmspell-gateway.8", "llmspell-kernel.8"}
    missing = sorted(p for p in pages if not (REPO / "man" / p).exists())
    if missing:
        pytest.skip(f"man pages not written yet: {', '.join(missing)}")
    mandir = sd.workdir / "man"
    for page in pages:
        section = mandir / f"man{page[-1]}"
        section.mkdir(parents=True, exist_ok=True)
        (section / page).write_text((REPO / "man" / page).read_text())
    verify = sd.run(["env", f"MANPATH={mandir}", "systemd-analyze", "verify",
                     *(f"/run/systemd/system/{n}" for n in (GATEWAY, KERNEL))], check=False)
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")


