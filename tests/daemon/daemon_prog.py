"""A small daemon built on llmspell.daemon, for the tests and the benchmark.

    python daemon_prog.py RUN_DIR [--name N] [--sink file|logrotate] [--loop select|zmq|gevent|thread]
                          [--lua] [--grace S] [--save-delay S] [--ready-timeout S]
                          [--fail MSG | --crash | --hang]

It detaches, takes RUN_DIR/N.pid, starts one never-ending "execution" in a worker
thread (a wait with the GIL released, or Lua code with --lua), reports ready, then
sleeps in its loop until a signal arrives (no time-out: a reaction proves the wake-up).
Every reaction is a log line ``EVENT <what> <CLOCK_MONOTONIC> [detail]``; the log is
RUN_DIR/N.log (file sink) or the logrotate output in RUN_DIR.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from llmspell.daemon.detach import FileSink, detach
from llmspell.daemon.dump import write_state_dump
from llmspell.daemon.pidfile import AlreadyRunning, PidFile
from llmspell.daemon.shutdown import ShutdownCoordinator
from llmspell.daemon.signals import SignalBridge
from llmspell.fileutil import atomic_write


def event(what: str, detail: str = "") -> None:
    print(f"EVENT {what} {time.monotonic():.6f} {detail}".rstrip(), flush=True)


class Worker(threading.Thread):
    """Runs executions back to back until stopped; each lasts until interrupted."""

    def __init__(self, lua: bool):
        super().__init__(daemon=True)
        self.engine = None
        if lua:
            from llmspell.kernel.engine import ExecutionEngine
            self.engine = ExecutionEngine(persist_state=False)
        self.interrupted = threading.Event()
        self.stopping = False
        self.done = threading.Event()

    def run(self) -> None:
        while not self.stopping:
            if self.engine is not None:
                failure = self.engine.execute("while true do end", store_history=False).result.failure
                outcome = failure.ename if failure else "ok"
            else:
                self.interrupted.wait()
                self.interrupted.clear()
                outcome = "Interrupted"
            event("execution-ended", outcome)
        self.done.set()

    def interrupt(self) -> None:
        if self.engine is not None:
            self.engine.interrupt()
        else:
            self.interrupted.set()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", default="testd")
    parser.add_argument("--sink", choices=("file", "logrotate"), default="file")
    parser.add_argument("--loop", choices=("select", "zmq", "gevent", "thread"), default="select")
    parser.add_argument("--lua", action="store_true")
    parser.add_argument("--grace", type=float, default=0.3)
    parser.add_argument("--save-delay", type=float, default=0.0)
    parser.add_argument("--ready-timeout", type=float, default=20.0)
    parser.add_argument("--fail")
    parser.add_argument("--crash", action="store_true")
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()
    run_dir = args.run_dir.resolve()

    sink = FileSink(run_dir / f"{args.name}.log") if args.sink == "file" else None
    readiness = detach(log_dir=run_dir, log_name=args.name, sink=sink, timeout=args.ready_timeout)
    event("detached", str(os.getpid()))
    if args.crash:
        raise RuntimeError("boom: crashed before ready")
    if args.hang:
        time.sleep(3600)
    pidfile = PidFile(run_dir / f"{args.name}.pid")
    try:
        pidfile.acquire()
    except AlreadyRunning as exc:
        readiness.fail(str(exc))
    if args.fail:
        pidfile.release()
        readiness.fail(args.fail)

    bridge = SignalBridge()
    worker = Worker(args.lua)
    worker.start()
    if args.loop == "zmq":
        import zmq
        poller = zmq.Poller()
        poller.register(bridge.fileno(), zmq.POLLIN)
        wait = lambda: (poller.poll(), bridge.drain())[1]
    elif args.loop == "gevent":
        import gevent.socket
        wait = lambda: (gevent.socket.wait_read(bridge.fileno()), bridge.drain())[1]
    elif args.loop == "thread":
        wait = lambda: bridge.wait(None)
    else:
        import select
        wait = lambda: (select.select([bridge.fileno()], [], []), bridge.drain())[1]

    coordinator = ShutdownCoordinator(grace=args.grace, interrupt_wait=2.0)
    readiness.ready({"pid": os.getpid(), "sink_pid": readiness.sink.pid, "loop": args.loop})
    event("ready")
    while not coordinator.requested:
        for signum in wait():
            event("signal", signal.Signals(signum).name)
            if signum == signal.SIGTERM:
                coordinator.request("SIGTERM")
            elif signum == signal.SIGINT:
                worker.interrupt()
            elif signum == signal.SIGUSR1:
                event("reload")
            elif signum == signal.SIGUSR2:
                event("dump", str(write_state_dump(run_dir, {"name": args.name})))

    def stop_accepting():
        worker.stopping = True

    def save_state():
        time.sleep(args.save_delay)
        atomic_write(run_dir / f"{args.name}.state.json", json.dumps({"saved": True}).encode())

    status = coordinator.run(stop_accepting=stop_accepting, wait_idle=worker.done.wait,
                             interrupt=worker.interrupt, save_state=save_state,
                             notify_clients=lambda: event("clients-notified"),
                             cleanup=[pidfile.release])
    event("exit", str(status))
    sys.stdout.flush()
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
