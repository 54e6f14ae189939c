"""``llmspell kernel status|list|stop|connect`` and state across daemon runs."""

from __future__ import annotations

import json
import os
import signal
import time

from daemonized_kit import alive, execute, reap, wait_iopub, wait_output
from process_kit import wait_for


def test_state_survives_stop_and_start(daemons):
    first = daemons.start_ok(None, "--id=keep")
    kc = daemons.client(first["connection_file"])
    assert execute(kc, 'State.set("answer", 42); State.set("who", "me", "user")')["status"] \
        == "ok"
    assert execute(kc, "return 1")["execution_count"] == 2
    stop = daemons.cli("kernel", "stop", "keep")
    assert stop.returncode == 0, stop.stderr
    assert stop.stdout == f"stopped kernel keep (port {first['port']}, PID {first['pid']})\n"
    assert reap(first["pid"], timeout=5) == 0
    second = daemons.start_ok(None, "--id=keep")                 # another port, same id
    kc = daemons.client(second["connection_file"])
    check = execute(kc, 'assert(State.get("answer") == 42); '
                        'assert(State.get("who", "user") == "me")')
    assert check["status"] == "ok", check
    assert check["execution_count"] == 3                         # the counter goes on


def test_state_is_saved_periodically(daemons, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[kernel]\nstate_save_interval = 0.2\n")
    info = daemons.start_ok(None, f"--config={cfg}", "--id=periodic")
    kc = daemons.client(info["connection_file"])
    execute(kc, 'State.set("tick", 7)')
    path = daemons.state_dir / "periodic.json"
    state = wait_for(lambda: path.exists() and json.loads(path.read_text()), "a periodic save",
                     timeout=5)
    assert state["scopes"]["global"]["tick"] == 7
    assert alive(info["pid"])


def test_list_status_connect(daemons):
    a = daemons.start_ok(None, "--id=alpha")
    b = daemons.start_ok()
    kc = daemons.client(a["connection_file"])
    execute(kc, "x = 1")
    listed = daemons.json("kernel", "list")
    assert [(r["id"], r["port"], r["pid"]) for r in listed] == sorted(
        [("alpha", a["port"], a["pid"]), (str(b["port"]), b["port"], b["pid"])],
        key=lambda r: r[1])
    table = daemons.cli("kernel", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "PORT", "PID", "UPTIME", "RSS", "CONNECTION", "FILE"]
    assert len(table) == 3
    for name in ("alpha", str(a["port"]), a["connection_file"]):
        [row] = daemons.json("kernel", "status", name)
        assert row["health"] == "HEALTHY" and row["pid"] == a["pid"]
        assert row["executions"] == 1
        assert row["ports"]["hb"] == a["port"] + 4
        assert row["uptime_s"] > 0 and row["rss_bytes"] > 0
    status = daemons.cli("kernel", "status")
    assert status.returncode == 0 and status.stdout.count("HEALTHY") == 2
    connect = daemons.cli("kernel", "connect", "alpha")
    assert connect.stdout == (f"connection file: {a['connection_file']}\n"
                              f"connect with:    jupyter console --existing "
                              f"{a['connection_file']}\n")
    assert daemons.json("kernel", "connect", a["connection_file"])["connection_file"] \
        == a["connection_file"]
    several = daemons.cli("kernel", "connect")
    assert several.returncode == 2 and "2 kernels are running" in several.stderr


def test_status_while_busy_and_unhealthy(daemons):
    info = daemons.start_ok()
    kc = daemons.client(info["connection_file"])
    wait_output(kc, kc.execute('print("looping") while true do end'), "looping")
    [row] = daemons.json("kernel", "status")
    assert row["health"] == "HEALTHY"                            # control answers meanwhile
    os.kill(info["pid"], signal.SIGSTOP)
    try:
        began = time.monotonic()
        proc = daemons.cli("kernel", "status", str(info["port"]))
        assert time.monotonic() - began < 6
        assert proc.returncode == 1 and "UNHEALTHY" in proc.stdout
    finally:
        os.kill(info["pid"], signal.SIGCONT)


def test_unknown_instance(daemons):
    for command in ("status", "stop", "connect"):
        proc = daemons.cli("kernel", command, "nope")
        assert proc.returncode == 1
        assert proc.stderr == "error: no running kernel 'nope' (see 'llmspell kernel list')\n"
    assert daemons.cli("kernel", "list").stdout == "no kernel daemon is running\n"
    assert daemons.json("kernel", "status") == []
    bad = daemons.cli("kernel", "stop", "--all", "--timeout=soon")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --timeout must be")


def test_stale_entries_are_cleaned(daemons):
    info = daemons.start_ok()
    os.kill(info["pid"], signal.SIGKILL)
    assert reap(info["pid"], timeout=5) == -signal.SIGKILL
    files = daemons.runtime_files(info["port"])
    assert all(path.exists() for path in files.values())        # a crash leaves them
    assert daemons.json("kernel", "list") == []
    assert not any(path.exists() for path in files.values())


def test_stop_kills_a_daemon_that_does_not_stop(daemons, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[kernel]\nshutdown_grace = 30\n")
    info = daemons.start_ok(None, f"--config={cfg}")
    kc = daemons.client(info["connection_file"])
    wait_output(kc, kc.execute('print("looping") while true do end'), "looping")
    proc = daemons.cli("kernel", "stop", "--timeout=0.5")
    assert proc.returncode == 0
    assert proc.stderr == (f"warning: kernel {info['port']} (port {info['port']}, PID "
                           f"{info['pid']}) did not stop within 0.5 s after SIGTERM: killed\n")
    assert reap(info["pid"], timeout=5) == -signal.SIGKILL
    assert not any(path.exists() for path in daemons.runtime_files(info["port"]).values())


def test_stop_all(daemons):
    started = [daemons.start_ok() for _ in range(2)]
    proc = daemons.cli("kernel", "stop", "--all")
    assert proc.returncode == 0 and proc.stdout.count("stopped kernel") == 2
    assert [reap(i["pid"], timeout=5) for i in started] == [0, 0]
    assert daemons.cli("kernel", "stop", "--all").stdout == "no kernel daemon is running\n"


def test_client_shutdown_request_ends_the_daemon(daemons):
    info = daemons.start_ok(None, "--id=bye")
    kc = daemons.client(info["connection_file"])
    execute(kc, 'State.set("k", 1)')
    kc.shutdown()
    assert wait_iopub(kc, "shutdown_reply")["content"]["restart"] is False
    assert reap(info["pid"], timeout=10) == 0
    assert not any(path.exists() for path in daemons.runtime_files(info["port"]).values())
    assert json.loads((daemons.state_dir / "bye.json").read_text())["scopes"]["global"]["k"] == 1
