"""Real signals to real kernel daemons: TERM (phased, twice), INT, HUP, USR1, USR2."""

from __future__ import annotations

import json
import os
import signal
import time

from daemonized_kit import alive, execute, reap, wait_idle, wait_iopub, wait_output
from process_kit import wait_for

LOOP = 'print("looping") while true do end'


def _config(tmp_path, text: str):
    path = tmp_path / "llmspell.toml"
    path.write_text(text)
    return path


def test_sigterm_during_a_lua_loop(daemons, tmp_path):
    cfg = _config(tmp_path, "[kernel]\nshutdown_grace = 1.0\n")
    info = daemons.start_ok(None, f"--config={cfg}", "--id=term")
    pid, port = info["pid"], info["port"]
    kc = daemons.client(info["connection_file"])
    assert execute(kc, 'State.set("answer", 42)')["status"] == "ok"
    msg_id = kc.execute(LOOP)
    wait_output(kc, msg_id, "looping")
    sent = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    assert reap(pid, timeout=10) == 0
    took = time.monotonic() - sent
    assert 1.0 <= took < 3.0                       # waited the grace, then interrupted
    reply = kc.get_shell_msg(timeout=5)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    assert wait_iopub(kc, "shutdown_reply")["content"] == {"status": "ok", "restart": False}
    state = json.loads((daemons.state_dir / "term.json").read_text())
    assert state["scopes"]["global"]["answer"] == 42
    assert state["meta"]["execution_count"] == 2
    assert not any(path.exists() for path in daemons.runtime_files(port).values())
    log = daemons.wait_log(port, "shutdown: done")
    assert "shutdown: interrupting" in log


def test_second_sigterm_exits_at_once(daemons, tmp_path):
    cfg = _config(tmp_path, "[kernel]\nshutdown_grace = 30\n")
    info = daemons.start_ok(None, f"--config={cfg}")
    pid, port = info["pid"], info["port"]
    kc = daemons.client(info["connection_file"])
    wait_output(kc, kc.execute(LOOP), "looping")
    os.kill(pid, signal.SIGTERM)
    daemons.wait_log(port, "draining, grace 30 s")
    sent = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    assert reap(pid, timeout=5) == 1
    assert time.monotonic() - sent < 1.0
    assert "second SIGTERM; exiting now" in daemons.wait_log(port, "exiting now")


def test_sigterm_idle_kernel_is_quick_and_clean(daemons):
    info = daemons.start_ok()
    sent = time.monotonic()
    os.kill(info["pid"], signal.SIGTERM)
    assert reap(info["pid"], timeout=5) == 0
    assert time.monotonic() - sent < 1.0
    assert not any(path.exists() for path in daemons.runtime_files(info["port"]).values())


def test_sigint_interrupts_and_the_daemon_stays(daemons):
    info = daemons.start_ok()
    kc = daemons.client(info["connection_file"])
    msg_id = kc.execute(LOOP)
    wait_output(kc, msg_id, "looping")
    os.kill(info["pid"], signal.SIGINT)
    reply = kc.get_shell_msg(timeout=5)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["ename"] == "Interrupted"
    wait_idle(kc, msg_id)      # (a request sent before that would be aborted: stop_on_error)
    after = execute(kc, "return 1 + 1")
    assert after["status"] == "ok" and after["execution_count"] == 2
    assert alive(info["pid"])
    daemons.wait_log(info["port"], "SIGINT: interrupted the running execution")


def test_sighup_is_ignored(daemons):
    info = daemons.start_ok()
    os.kill(info["pid"], signal.SIGHUP)
    time.sleep(0.2)
    assert alive(info["pid"])
    [row] = daemons.json("kernel", "status", str(info["port"]))
    assert row["health"] == "HEALTHY"


def _dumps(daemons) -> list:
    return sorted(daemons.run_dir.glob("state-dump-*.json"))


def test_sigusr2_writes_a_state_dump(daemons):
    info = daemons.start_ok()
    kc = daemons.client(info["connection_file"])
    execute(kc, "x = 1")
    execute(kc, "error('boom')")
    os.kill(info["pid"], signal.SIGUSR2)
    [dump] = wait_for(lambda: _dumps(daemons), "a state dump")
    data = json.loads(dump.read_text())
    assert data["pid"] == info["pid"]
    assert data["executions"] == 2 and data["busy"] is False
    assert data["active_clients"] == 1
    assert data["uptime_s"] > 0 and data["rss_bytes"] > 10_000_000
    assert len(data["config_digest"]) == 16
    assert isinstance(data["last_errors"], list)
    assert dump.stat().st_mode & 0o777 == 0o600
    daemons.wait_log(info["port"], f"state dump written to {dump}")


def test_sigusr1_reloads_and_survives_a_broken_file(daemons, tmp_path):
    cfg = _config(tmp_path, "[logging]\nlevel = 'info'\n")
    info = daemons.start_ok(None, f"--config={cfg}")
    pid, port = info["pid"], info["port"]
    kc = daemons.client(info["connection_file"])
    os.kill(pid, signal.SIGUSR2)
    daemons.wait_log(port, "state dump written", count=1)
    assert "received SIGUSR2" not in daemons.log(port)          # debug: not logged yet
    cfg.write_text("[logging]\nlevel = 'debug'\n[tools]\nprocess_timeout = 3.5\n"
                   f"[paths]\nstate_dir = '{tmp_path / 'elsewhere'}'\n")
    os.kill(pid, signal.SIGUSR1)
    log = daemons.wait_log(port, "configuration reloaded")
    assert "applied logging.level='debug', tools.process_timeout=3.5" in log
    assert "needs a restart: paths.state_dir" in log
    os.kill(pid, signal.SIGUSR2)
    daemons.wait_log(port, "received SIGUSR2")                   # the new level is live
    live = execute(kc, 'assert(Config.get("tools.process_timeout") == 3.5)')
    assert live["status"] == "ok", live                          # Lua sees the applied value
    cfg.write_text("[logging\nlevel = ")
    os.kill(pid, signal.SIGUSR1)
    log = daemons.wait_log(port, "configuration reload rejected")
    assert "invalid TOML" in log
    assert alive(pid)
    assert execute(kc, "return 2")["status"] == "ok"
    os.kill(pid, signal.SIGUSR2)
    dumps = wait_for(lambda: len(_dumps(daemons)) >= 3 and _dumps(daemons), "a third dump")
    data = json.loads(dumps[-1].read_text())
    assert any("configuration reload rejected" in line for line in data["last_errors"])
