"""In-process checks of the pieces: PID file locking, the signal bridge, the shutdown
sequence, dumps, and the import footprint."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from llmspell.daemon.detach import LogrotateSink
from llmspell.daemon.dump import write_state_dump
from llmspell.daemon.pidfile import AlreadyRunning, PidFile
from llmspell.daemon.shutdown import ShutdownCoordinator
from llmspell.daemon.signals import SignalBridge


def test_pidfile_lock_release_and_retake(tmp_path):
    path = tmp_path / "run" / "k.pid"
    first, second = PidFile(path), PidFile(path)
    first.acquire()
    assert path.read_text() == f"{os.getpid()}\n"
    with pytest.raises(AlreadyRunning, match=f"^already running with PID {os.getpid()}$"):
        second.acquire()
    first.release()
    assert not path.exists()
    second.acquire()
    assert second.held and path.exists()
    second.release()
    second.release()  # idempotent


def test_pidfile_lock_won_on_an_unlinked_file_is_retried(tmp_path, monkeypatch):
    path = tmp_path / "k.pid"
    holder = PidFile(path)
    holder.acquire()
    real_flock = fcntl.flock

    def flock_after_holder_exits(fd, operation):
        if holder.held:       # the holder releases between our open() and our flock()
            holder.release()
        return real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_after_holder_exits)
    taker = PidFile(path)
    taker.acquire()           # the inode it locked first is gone: it must start over
    assert path.read_text() == f"{os.getpid()}\n"
    taker.release()
    assert not path.exists()


def test_pidfile_release_leaves_a_replaced_file(tmp_path):
    path = tmp_path / "k.pid"
    holder = PidFile(path)
    holder.acquire()
    path.unlink()
    path.write_text("123\n")  # someone else's file now has the path
    holder.release()
    assert path.read_text() == "123\n"


@pytest.fixture
def bridge():
    before = {s: signal.getsignal(s) for s in (signal.SIGUSR1, signal.SIGHUP)}
    b = SignalBridge()
    yield b
    b.close()
    assert {s: signal.getsignal(s) for s in before} == before


def test_bridge_drains_in_order_with_repeats(bridge):
    assert bridge.drain() == []
    for signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGUSR1):
        os.kill(os.getpid(), signum)
    assert bridge.drain() == [signal.SIGUSR1, signal.SIGUSR2, signal.SIGUSR1]
    os.kill(os.getpid(), signal.SIGHUP)  # ignored: no byte, and we are still alive
    assert bridge.drain() == []


def test_bridge_wakes_a_waiting_main_thread(bridge):
    started = time.monotonic()
    assert bridge.wait(0.05) == []
    assert time.monotonic() - started >= 0.04
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    started = time.monotonic()
    assert bridge.wait(5) == [signal.SIGUSR1]
    assert time.monotonic() - started < 1
    timer.join()


def test_bridge_wakes_main_when_signal_lands_in_a_worker(bridge):
    """The main thread blocks the signal, so the kernel must deliver it to the worker
    (as it may when Lua runs there); the byte still wakes the main thread's poll."""
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(10,))
    worker.start()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    try:
        timer_fired = time.monotonic()
        os.kill(os.getpid(), signal.SIGUSR1)
        assert bridge.wait(5) == [signal.SIGUSR1]
        assert time.monotonic() - timer_fired < 1
    finally:
        release.set()
        worker.join(5)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})


def test_bridge_fd_wakes_zmq_poller(bridge):
    zmq = pytest.importorskip("zmq")
    poller = zmq.Poller()
    poller.register(bridge.fileno(), zmq.POLLIN)
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGUSR2))
    timer.start()
    events = dict(poller.poll(5000))
    timer.join()
    assert events == {bridge.fileno(): zmq.POLLIN}
    assert bridge.drain() == [signal.SIGUSR2]


def test_bridge_refuses_worker_thread():
    errors = []
    thread = threading.Thread(target=lambda: errors.append(_try(SignalBridge)))
    thread.start()
    thread.join(5)
    assert errors == ["SignalBridge must be created in the main thread"]


def _try(fn):
    try:
        fn()
    except RuntimeError as exc:
        return str(exc)


@pytest.fixture
def sigterm_restored():
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_shutdown_runs_phases_and_interrupts_after_grace(sigterm_restored):
    calls = []
    coordinator = ShutdownCoordinator(grace=0.2, interrupt_wait=0.1)
    coordinator.request("test")
    assert coordinator.phase == "draining" and 0.1 < coordinator.remaining() <= 0.2

    def wait_idle(timeout):
        calls.append(("wait", round(timeout, 1)))
        return coordinator.phase == "interrupting"

    status = coordinator.run(stop_accepting=lambda: calls.append("stop"), wait_idle=wait_idle,
                             interrupt=lambda: calls.append("interrupt"),
                             save_state=lambda: calls.append("save"),
                             notify_clients=lambda: calls.append("notify"),
                             cleanup=[lambda: calls.append("conn"), lambda: calls.append("pid")])
    assert status == 0 and coordinator.phase == "done"
    assert calls == ["stop", ("wait", 0.2), "interrupt", ("wait", 0.1), "save", "notify",
                     "conn", "pid"]
    assert signal.getsignal(signal.SIGTERM) == coordinator._second_term


def test_shutdown_step_failure_still_cleans_up(sigterm_restored, capsys):
    cleaned = []
    coordinator = ShutdownCoordinator(grace=0)

    def save():
        raise OSError("disk full")

    status = coordinator.run(wait_idle=lambda t: True, save_state=save,
                             cleanup=[lambda: cleaned.append(1)])
    assert status == 1 and cleaned == [1]
    assert "shutdown: saving: test_shutdown_step_failure_still_cleans_up.<locals>.save " \
           "failed: OSError: disk full" in capsys.readouterr().err


def test_dump_is_private_json_and_pruned(tmp_path):
    paths = [write_state_dump(tmp_path / "run", {"executions": 3}, keep=3) for _ in range(5)]
    assert sorted((tmp_path / "run").iterdir()) == paths[-3:]
    dump = json.loads(paths[-1].read_text())
    assert dump["executions"] == 3 and dump["pid"] == os.getpid()
    assert dump["rss_bytes"] > 0 and dump["open_fds"] > 2
    assert os.stat(paths[-1]).st_mode & 0o777 == 0o600


def test_sink_that_died_is_reported(tmp_path):
    sink = LogrotateSink(tmp_path, "x", argv=["false"])
    os.close(sink.open())
    deadline = time.monotonic() + 5
    while (problem := sink.check()) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert problem == "log sink false exited with status 1"


def test_imports_are_stdlib_only():
    code = ("import sys, llmspell.daemon.detach, llmspell.daemon.pidfile, "
            "llmspell.daemon.signals, llmspell.daemon.shutdown, llmspell.daemon.dump; "
            "print(sorted(m for m in ('zmq', 'gevent', 'lupa', 'subprocess') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, check=False)
    assert out.stdout.strip() == "[]", out.stderr


def test_detach_refuses_once_threads_run(tmp_path):
    code = ("import threading; "
            "threading.Thread(target=threading.Event().wait, daemon=True).start(); "
            "from llmspell.daemon.detach import detach; "
            f"detach(log_dir={str(tmp_path)!r}, log_name='x')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, check=False)
    assert out.returncode == 1
    assert "RuntimeError: detach() must run before any thread is started" in out.stderr
