"""Real daemons (tests/daemon/daemon_prog.py), real signals, real /proc state."""

import importlib.util
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from daemonkit import alive, reap, stat_fields


def test_detached_process_state(run):
    marker = run.path / "inherited-marker"
    fd = os.open(marker, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        proc = run.start(pass_fds=(fd,))
    finally:
        os.close(fd)
    assert proc.returncode == 0, proc.stderr
    info = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    pid = int(info["pid"])
    assert alive(pid)
    fields = stat_fields(pid)
    assert int(fields[1]) == os.getpid()          # re-parented to the subreaper
    assert os.getsid(pid) != pid                  # not a session leader
    assert os.getsid(pid) != os.getsid(0)         # left our session
    assert int(fields[4]) == 0                    # tty_nr: no controlling terminal
    status = dict(line.split(":\t", 1)
                  for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    assert status["Umask"].strip() == "0027"
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    fds = {int(n): os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")}
    assert fds[0] == "/dev/null"
    assert fds[1] == fds[2] == str(run.log)
    assert str(marker) not in fds.values()        # inherited fds are closed
    assert str(run.pidfile) in fds.values()       # the lock is held through an open fd
    assert run.pidfile.read_text() == f"{pid}\n"


def test_start_with_closed_standard_fds(run):
    proc = subprocess.run(["sh", "-c", 'exec "$@" <&- >&- 2>&-', "sh", *run.argv()],
                          timeout=30, check=False)
    assert proc.returncode == 0
    [pid] = run.logged_pids()
    run.wait_event("ready")
    fds = {n: os.readlink(f"/proc/{pid}/fd/{n}") for n in ("0", "1", "2")}
    assert fds == {"0": "/dev/null", "1": str(run.log), "2": str(run.log)}
    os.kill(pid, signal.SIGTERM)
    assert reap(pid) == 0
    assert "shutdown: done" in run.log.read_text()  # stderr, re-opened, reached the log


def test_parallel_starts_have_one_winner(run):
    procs = [subprocess.Popen(run.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(10)]
    results = [(p.wait(timeout=30), *p.communicate(timeout=5)) for p in procs]
    winners = [out for code, out, _ in results if code == 0]
    assert len(winners) == 1, results
    pid = int(dict(line.split(": ", 1) for line in winners[0].splitlines())["pid"])
    losers = [err for code, _, err in results if code != 0]
    assert losers == [f"already running with PID {pid}\n"] * 9
    assert run.leftovers() == [pid]


def test_stale_pid_file_is_taken_over(run):
    dead = subprocess.Popen(["true"])
    dead.wait(timeout=5)
    run.pidfile.write_text(f"{dead.pid}\n")
    pid = run.start_ok()
    assert pid != dead.pid
    assert run.pidfile.read_text() == f"{pid}\n"


def test_start_failure_is_one_line_and_leaves_nothing(run):
    proc = run.start("--fail", "port 59000 is in use")
    assert proc.returncode == 1
    assert proc.stderr == "port 59000 is in use\n"
    assert proc.stdout == ""
    [pid] = run.logged_pids()
    assert not alive(pid)
    assert reap(pid) == 1
    assert not run.pidfile.exists()
    assert run.leftovers() == []
    assert "start-up failed: port 59000 is in use" in run.log.read_text()


def test_crash_before_ready_names_the_log(run):
    proc = run.start("--crash")
    assert proc.returncode == 1
    assert proc.stderr == f"daemon exited during start-up; see {run.log}\n"
    assert "RuntimeError: boom: crashed before ready" in run.log.read_text()
    assert run.leftovers() == []


def test_start_timeout_stops_the_daemon(run):
    started = time.monotonic()
    proc = run.start("--hang", "--ready-timeout", "0.5")
    assert time.monotonic() - started < 5
    assert proc.returncode == 1
    assert proc.stderr == f"daemon not ready after 0.5 s; stopped it; see {run.log}\n"
    [pid] = run.logged_pids()
    assert reap(pid) == -signal.SIGKILL
    assert run.leftovers() == []


def test_sigterm_shuts_down_in_phases(run):
    pid = run.start_ok()
    os.kill(pid, signal.SIGTERM)
    assert reap(pid) == 0
    assert not run.pidfile.exists()
    assert json.loads((run.path / "testd.state.json").read_text()) == {"saved": True}
    phases = [line.split("shutdown: ", 1)[1] for line in run.log.read_text().splitlines()
              if line.startswith("shutdown: ")]
    assert phases == ["SIGTERM: draining, grace 0.3 s", "interrupting", "saving",
                      "notifying", "cleaning", "done"]
    assert run.events()[-1][0] == "exit"


def test_second_sigterm_during_slow_shutdown_exits_at_once(run):
    pid = run.start_ok("--save-delay", "20")
    os.kill(pid, signal.SIGTERM)
    run.wait_log("shutdown: saving")
    sent = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    assert reap(pid, timeout=5) == 1
    assert time.monotonic() - sent < 1.0
    assert "shutdown: second SIGTERM; exiting now" in run.log.read_text()


@pytest.mark.parametrize("loop", ["select", "zmq", "gevent", "thread"])
def test_sigint_interrupts_and_daemon_stays_up(run, loop):
    pid = run.start_ok("--loop", loop)
    for n in (1, 2):
        os.kill(pid, signal.SIGINT)
        run.wait_event("execution-ended", "Interrupted", count=n)
    assert alive(pid)
    os.kill(pid, signal.SIGTERM)
    assert reap(pid) == 0


def test_sigint_interrupts_running_lua(run, tmp_path):
    env = {**os.environ, "LLMSPELL_HOME": str(tmp_path / "home")}
    pid = run.start_ok("--lua", env=env)
    time.sleep(0.1)  # let the worker enter the Lua loop
    os.kill(pid, signal.SIGINT)
    run.wait_event("execution-ended", "Interrupted")
    assert alive(pid)
    os.kill(pid, signal.SIGTERM)
    assert reap(pid) == 0


def test_sighup_ignored_sigusr1_reloads(run):
    pid = run.start_ok()
    os.kill(pid, signal.SIGHUP)
    os.kill(pid, signal.SIGUSR1)
    run.wait_event("reload")
    assert alive(pid)
    assert [e for e in run.events() if e[0] == "signal"] == [e for e in run.events()
                                                             if e[2:] == ["SIGUSR1"]]


def test_sigusr2_writes_json_dump(run):
    pid = run.start_ok()
    os.kill(pid, signal.SIGUSR2)
    path = run.wait_event("dump")[2]
    assert os.stat(path).st_mode & 0o777 == 0o600
    dump = json.loads(Path(path).read_text())
    assert dump["pid"] == pid and dump["name"] == "testd"
    assert dump["rss_bytes"] > 1 << 20 and dump["uptime_s"] >= 0 and dump["threads"] >= 2
    assert alive(pid)


@pytest.mark.skipif(importlib.util.find_spec("llmspell.logrotate.__main__") is None,
                    reason="python -m llmspell.logrotate not runnable yet (no __main__)")
def test_logrotate_sink(run):
    proc = run.start("--sink", "logrotate")
    assert proc.returncode == 0, proc.stderr
    info = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    pid, sink = int(info["pid"]), int(info["sink_pid"])
    assert alive(sink) and os.getsid(sink) != os.getsid(pid)
    os.kill(pid, signal.SIGTERM)
    assert reap(pid) == 0
    assert reap(sink) == 0  # EOF on its input: it writes what it holds and exits
    run.wait_event("exit", "0")
