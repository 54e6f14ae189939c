"""The daemon's side of the standalone kernel loop (``service._serve_standalone``).

``service`` relays in the main thread and calls back here: ``serving`` each time a
``KernelServer`` starts (after a restart too), ``on_signals`` with the signals the
bridge delivered (the relay's poll wakes on them: no polling interval).

- ready: a probe thread pings the heartbeat and asks kernel_info on the real
  control socket (HMAC, relay, link, kernel thread); then the instance record is
  written and the parent is told: it prints PID, ports, connection file, exits 0.
- SIGTERM: phased shutdown (``daemon.shutdown``): stop taking shell requests, let
  the running execution finish within ``kernel.shutdown_grace`` (then interrupt
  it), save state, publish ``shutdown_reply`` on iopub, remove the connection,
  record and PID files, exit 0. A second SIGTERM exits at once with status 1.
- SIGINT interrupts the running execution; SIGHUP is ignored (no terminal);
  SIGUSR1 reloads the configuration (see ``reload``); SIGUSR2 writes a state dump
  into the runtime directory and logs its path.
- State is also saved every ``kernel.state_save_interval`` seconds (by KernelServer).

kernel_info replies carry an extra ``llmspell`` object (instance id, PID,
executions; ``handlers.KernelHandlers.kernel_info``) for ``llmspell kernel status``.
"""

from __future__ import annotations

import logging
import os
import signal
import struct
import sys
import threading
import time
from collections import deque

import zmq

from ..daemon.dump import write_state_dump
from ..daemon.shutdown import ShutdownCoordinator
from ..daemon.signals import SignalBridge
from ..wire.client import WireClient
from ..wire.message import encode_json, new_header, pack
from . import instances
from .reload import reload

log = logging.getLogger("llmspell.kernel")
PROBE_TIMEOUT = 10.0   # seconds the ready probe waits for heartbeat and kernel_info
FLUSH_TIMEOUT = 0.5    # seconds the last iopub message may take to leave
STEP_MS = 50           # relay poll while waiting for a running execution to end
KEEP_ERRORS = 10


class RecentErrors(logging.Handler):
    """Keeps the last warnings and errors logged, for state dumps."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[str] = deque(maxlen=KEEP_ERRORS)

    def emit(self, record: logging.LogRecord) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        self.lines.append(f"{stamp} {record.levelname} {record.name}: {record.getMessage()}")


class ClientCounter:
    """Counts TCP connections to the shell socket (one per client) from its libzmq
    monitor, in a thread of its own that sleeps in recv: no polling, no /proc scans."""

    EVENTS = zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED

    def __init__(self, shell: zmq.Socket):
        self.count = 0
        monitor = shell.get_monitor_socket(self.EVENTS)  # in the socket's own thread
        threading.Thread(target=self._run, args=(monitor,), name="client-counter",
                         daemon=True).start()

    def _run(self, monitor: zmq.Socket) -> None:
        while True:  # frames: (uint16 event, uint32 value) in native order, endpoint
            event = struct.unpack("=H", monitor.recv_multipart()[0][:2])[0]
            self.count += 1 if event == zmq.EVENT_ACCEPTED else -1


class DaemonControl:
    """Readiness, signals, periodic saves and shutdown of one daemonized kernel."""

    def __init__(self, plan, readiness, pidfile):
        self.plan = plan
        self.readiness = readiness
        self.pidfile = pidfile
        self.bridge = SignalBridge()  # SIGHUP ignored
        self.errors = RecentErrors()
        self.record = instances.record_path(plan.runtime_dir, plan.port)
        self.started = time.time()
        self.ready = False
        self.relay = self.server = self.clients = None
        self._idle = threading.Event()
        self._idle.set()

    # called by service ---------------------------------------------------------
    def serving(self, relay, server) -> None:
        """A KernelServer started on ``relay``: watch it; report ready the first time."""
        first = self.server is None
        self.relay, self.server = relay, server
        self._track_busy(server.handlers)
        if first:
            logging.getLogger().addHandler(self.errors)  # after service's basicConfig
            self.clients = ClientCounter(relay.channels.shell)
            threading.Thread(target=self._probe, name="ready-probe", daemon=True).start()

    def on_signals(self, server, signums: list[int]) -> None:
        for signum in signums:
            name = signal.Signals(signum).name
            log.debug("received %s", name)
            if signum == signal.SIGTERM:
                self.shutdown("SIGTERM")
            try:
                if signum == signal.SIGINT:
                    log.info("SIGINT: %s", "interrupted the running execution"
                             if server.interrupt() else "no execution to interrupt")
                elif signum == signal.SIGUSR1:
                    reload(server.engine.config, self.plan.config, server.engine)
                elif signum == signal.SIGUSR2:
                    path = write_state_dump(self.plan.runtime_dir, self.dump_info())
                    log.info("state dump written to %s", path)
            except Exception:
                log.exception("handling %s failed", name)

    # start-up --------------------------------------------------------------------
    def _probe(self) -> None:
        info = self.relay.channels.info
        try:
            with WireClient(info) as client:
                client.ping(PROBE_TIMEOUT)
                # control, not shell: the relay holds shell requests until a first iopub
                # subscriber (a real client) comes, and that must not be us
                client.request("control", "kernel_info_request", {}, PROBE_TIMEOUT)
        except (TimeoutError, zmq.ZMQError) as exc:
            self.fail(f"the kernel does not answer on its own ports: {exc}")
        problem = self.readiness.sink.check()
        if problem:
            self.fail(problem)
        plan = self.plan
        instances.write_record(self.record, {
            "id": plan.instance_id, "port": info.shell_port, "ip": info.ip,
            "pid": os.getpid(), "pid_file": str(plan.pid_file),
            "connection_file": str(plan.connection_file), "log": self.readiness.sink.where,
            "config": plan.config, "started": self.started})
        ports = " ".join(f"{name}={info.port(name)}"
                         for name in ("shell", "iopub", "stdin", "control", "hb"))
        self.readiness.ready({"pid": os.getpid(), "id": plan.instance_id, "ports": ports,
                              "connection_file": plan.connection_file,
                              "pid_file": plan.pid_file, "log": self.readiness.sink.where,
                              "connect": f"jupyter console --existing {plan.connection_file}"})
        self.ready = True
        log.info("daemon ready: PID %d, id %s, connection file %s", os.getpid(),
                 plan.instance_id, plan.connection_file)

    def fail(self, message: str) -> None:
        """A failure: before ready the parent prints ``message``; exit 1 either way."""
        self._remove_files()
        if not self.ready:
            self.readiness.fail(message)
        log.error("%s", message)
        self.exit(1)

    # while serving -----------------------------------------------------------------
    def _track_busy(self, handlers) -> None:
        """Know whether a shell request runs (shutdown waits for it; dumps show it)."""
        handle = handlers.handle

        def tracked_handle(msg_type, content, outputs):
            self._idle.clear()
            try:
                return handle(msg_type, content, outputs)
            finally:
                self._idle.set()

        handlers.handle = tracked_handle

    def dump_info(self) -> dict:
        engine = self.server.engine
        return {"instance_id": self.plan.instance_id, "port": self.plan.port,
                "executions": engine.execution_count, "busy": not self._idle.is_set(),
                "active_clients": self.clients.count,
                "config_digest": engine.config.digest(), "config_sources": engine.config.sources,
                "connection_file": str(self.plan.connection_file),
                "last_errors": list(self.errors.lines)}

    # shutdown ------------------------------------------------------------------------
    def shutdown(self, reason: str) -> None:
        """The phased shutdown; ends the process."""
        relay, server = self.relay, self.server
        coordinator = ShutdownCoordinator(grace=server.engine.config.get("kernel.shutdown_grace"))
        coordinator.request(reason)

        def stop_accepting() -> None:
            server.stopped.set()
            relay.poller.unregister(relay.channels.shell)

        status = coordinator.run(stop_accepting=stop_accepting, wait_idle=self._wait_idle,
                                 interrupt=server.interrupt, save_state=server.engine.save_state,
                                 notify_clients=self._notify_clients,
                                 cleanup=[self._remove_files])
        self.exit(status)

    def _wait_idle(self, timeout: float) -> bool:
        """Relay (outputs of the running execution) until it ends or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        was_busy = not self._idle.is_set()
        while not self._idle.is_set() and (left := deadline - time.monotonic()) > 0:
            if self.relay.poll_once(min(STEP_MS, int(left * 1000) + 1)):
                self.bridge.drain()  # only a second SIGTERM matters now (its own handler)
        if was_busy and self._idle.is_set():  # its reply and idle status
            self.relay.poll_once(STEP_MS)
        return self._idle.is_set()

    def _notify_clients(self) -> None:
        """Publish shutdown_reply on iopub and wait (bounded) until it has left."""
        relay = self.relay
        parts = [encode_json(new_header("shutdown_reply", relay.session)), b"{}", b"{}",
                 encode_json({"status": "ok", "restart": False})]
        iopub = relay.channels.iopub
        iopub.copy_threshold = 0  # zero-copy, so the tracker says when libzmq is done
        tracker = iopub.send_multipart(pack([b"kernel.shutdown_reply"], parts, [], relay.signer),
                                       copy=False, track=True)
        try:
            tracker.wait(FLUSH_TIMEOUT)
        except zmq.NotDone:
            log.warning("shutdown_reply not sent within %g s", FLUSH_TIMEOUT)

    def finish(self, status: int) -> None:
        """The kernel stopped on a client's shutdown_request: clean up, exit."""
        self._remove_files()
        self.exit(status)

    def _remove_files(self) -> None:
        for path in (self.plan.connection_file, self.record):
            path.unlink(missing_ok=True)
        self.pidfile.release()

    def exit(self, status: int) -> None:
        """Leave now: the log lines out, no interpreter teardown (threads block in zmq)."""
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(status)
