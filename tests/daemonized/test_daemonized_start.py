"""Starting kernel daemons: detachment, the start race, and every refusal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from daemonized_kit import BIN, alive, execute, reap, stat_fields
from process_kit import free_base_port, wait_for


def test_daemon_is_detached_and_serves(daemons):
    info = daemons.start_ok()
    pid, port = info["pid"], info["port"]
    fields = stat_fields(pid)
    assert int(fields[1]) == os.getpid()           # re-parented to the subreaper (else 1)
    assert os.getsid(pid) != pid                   # not a session leader
    assert os.getsid(pid) != os.getsid(0)          # left our session
    assert int(fields[4]) == 0                     # tty_nr: no controlling terminal
    status = dict(line.split(":\t", 1)
                  for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    assert status["Umask"].strip() == "0027"
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    fds = {n: os.readlink(f"/proc/{pid}/fd/{n}") for n in ("0", "1", "2")}
    assert fds["0"] == "/dev/null"
    assert fds["1"] == fds["2"] and fds["1"].startswith("pipe:")
    # the other end of that pipe is a llmspell-logrotate child writing the log
    sinks = [p for p in daemons.leftovers() if int(stat_fields(p)[1]) == pid]
    assert len(sinks) == 1
    assert b"llmspell.logrotate" in Path(f"/proc/{sinks[0]}/cmdline").read_bytes()
    files = daemons.runtime_files(port)
    assert files["pid"].read_text() == f"{pid}\n"
    assert files["connection"].stat().st_mode & 0o777 == 0o600
    assert info["connection_file"] == str(files["connection"])
    assert info["ports"] == " ".join(f"{name}={port + i}" for i, name in
                                     enumerate(("shell", "iopub", "stdin", "control", "hb")))
    kc = daemons.client(files["connection"])
    assert execute(kc, "return 6 * 7")["status"] == "ok"
    daemons.wait_log(port, "daemon ready: PID")


def test_kernel_executable_daemonizes_too(daemons):
    port = free_base_port()
    proc = subprocess.run([str(BIN / "llmspell-kernel"), "--daemon", f"--port={port}",
                           "--id=direct"], env=daemons.env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    info = daemons.info(proc)
    daemons.started.add(int(info["pid"]))
    assert info["id"] == "direct" and alive(int(info["pid"]))


def test_nothing_heavy_is_imported_before_the_fork():
    code = ("import sys, llmspell.cli.main, llmspell.cli.kernel_cmd, llmspell.kernel.main, "
            "llmspell.kernel.daemon_mode; "
            "print(sorted(m for m in ('zmq', 'gevent', 'lupa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    assert out.strip() == "[]"


def test_ten_concurrent_starts_have_one_winner(daemons):
    port = free_base_port()
    argv = [str(BIN / "llmspell"), "kernel", "start", "--daemon", f"--port={port}"]
    procs = [subprocess.Popen(argv, env=daemons.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(10)]
    results = [(p.wait(timeout=60), *p.communicate(timeout=5)) for p in procs]
    winners = [daemons.info(subprocess.CompletedProcess([], 0, out, "")) for code, out, _
               in results if code == 0]
    assert len(winners) == 1, results
    pid = int(winners[0]["pid"])
    daemons.started.add(pid)
    losers = [err for code, _, err in results if code != 0]
    assert losers == [f"kernel {port} is already running with PID {pid}\n"] * 9
    assert daemons.kernels() == [pid]
    assert len(daemons.leftovers()) == 2           # the winner and its one log sink


def test_stale_pid_file_is_taken_over(daemons):
    port = free_base_port()
    dead = subprocess.Popen(["true"])
    dead.wait()
    pid_file = daemons.runtime_files(port)["pid"]
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(f"{dead.pid}\n")
    info = daemons.start_ok(port)
    assert pid_file.read_text() == f"{info['pid']}\n"


def test_pid_file_locked_by_a_live_process(daemons):
    port = free_base_port()
    pid_file = daemons.runtime_files(port)["pid"]
    pid_file.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
        "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d\\n' % os.getpid()); "
        "print('locked', flush=True); sys.stdin.read()"), str(pid_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        proc = daemons.start(port)
        assert proc.returncode == 1
        assert proc.stderr == f"kernel {port} is already running with PID {holder.pid}\n"
        assert daemons.leftovers() == []
        assert holder.poll() is None and pid_file.read_text() == f"{holder.pid}\n"
    finally:
        holder.stdin.close()
        holder.wait(10)


def _refused(daemons, proc, code: int, message: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    time.sleep(0.1)  # a sink or daemon that should not exist would be visible by now
    assert daemons.leftovers() == []


def test_port_in_use_is_refused(daemons):
    port = free_base_port()
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port + 2))
        blocker.listen()
        proc = daemons.start(port)
    _refused(daemons, proc, 1, f"cannot bind 127.0.0.1 ports {port}..{port + 4}: "
                               "Address already in use")
    assert not any(path.exists() for path in daemons.runtime_files(port).values())


def test_invalid_config_is_refused(daemons, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[kernel]\nshutdown_grace = 'soon'\n")
    proc = daemons.start(free_base_port(), f"--config={bad}")
    _refused(daemons, proc, 2, "'kernel.shutdown_grace' must be integer or number")
    assert not daemons.run_dir.exists()


def test_unwritable_log_directory_is_refused(daemons, tmp_path):
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("")
    proc = daemons.start(free_base_port(), f"--log-dir={a_file}")
    _refused(daemons, proc, 1, f"cannot write to log directory {a_file}/kernel-")
    if os.geteuid() != 0:
        return
    readonly = tmp_path / "ro"
    readonly.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(readonly)],
                   check=True)
    try:
        proc = daemons.start(free_base_port(), f"--log-dir={readonly}")
        _refused(daemons, proc, 1, "Read-only file system")
    finally:
        subprocess.run(["umount", "-l", str(readonly)], check=False)


@pytest.mark.parametrize("args, message", [
    (["--port=0"], "--daemon needs --port=PORT with PORT in 1..65531, not '0'"),
    (["--port=http"], "--daemon needs --port=PORT with PORT in 1..65531, not 'http'"),
    (["--port=65533"], "not '65533'"),
])
def test_bad_arguments_are_refused(daemons, args, message):
    proc = daemons.cli("kernel", "start", "--daemon", *args)
    _refused(daemons, proc, 2, message)


def test_daemon_needs_a_port(daemons, tmp_path):
    conn = tmp_path / "k.json"
    conn.write_text(json.dumps({"shell_port": 1, "iopub_port": 2, "stdin_port": 3,
                                "control_port": 4, "hb_port": 5, "key": "k"}))
    proc = daemons.cli("kernel", "start", "--daemon", f"--connection-file={conn}")
    _refused(daemons, proc, 2, "--daemon runs a standalone kernel: give --port")


def test_failed_start_leaves_the_pid_file_free(daemons):
    """After a refusal (port busy) the same port starts fine once it is free."""
    port = free_base_port()
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        assert daemons.start(port).returncode == 1
    info = daemons.start_ok(port)
    os.kill(info["pid"], signal.SIGTERM)
    assert reap(info["pid"], timeout=10) == 0
    log = wait_for(lambda: "shutdown: done" in daemons.log(port) and daemons.log(port),
                   "the shutdown in the log")
    assert log.index("start-up failed: cannot bind") < log.index("daemon ready")
