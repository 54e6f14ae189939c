"""Running the execution kernel as a service: standalone (relay + kernel in one
process over a socketpair link) or behind a gateway (kernel only, over its link).

The main thread owns the relay (standalone) and signals (``daemon.signals``):
SIGINT interrupts the running code, SIGTERM shuts down, without polling delays.
In daemon mode (``--daemon``) a ``daemon_control.DaemonControl`` takes over the
signals and reports readiness (see ``daemon_mode``).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from pathlib import Path

from .. import config as config_mod
from ..daemon.signals import SignalBridge
from ..systemd import lifecycle, setup_logging
from ..wire.connection import MAX_BASE_PORT, ConnectionInfo, new_key, parse_base_port
from ..wire.errors import ConnectionFileError
from .engine import ExecutionEngine
from .reload import reload
from .server import KernelServer
from .state import StateError

log = logging.getLogger("llmspell.kernel")
LINK_LOST = 75  # EX_TEMPFAIL; the kernel unit has SuccessExitStatus=75


class ServiceError(Exception):
    """A start-up failure the operator can fix: one line, an exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _load_config(args: dict) -> config_mod.Config:
    try:
        cfg = config_mod.load(args.get("--config"))
    except config_mod.ConfigError as exc:
        raise ServiceError(f"configuration: {exc}", 2) from None
    level = (args.get("--log-level") or cfg.get("logging.level")).upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return cfg


def _engine(cfg: config_mod.Config, instance_id: str) -> ExecutionEngine:
    cwd = os.getcwd()
    default = [cwd] if cwd != "/" else [str(cfg.path("state_dir") / "workspace")]
    try:
        return ExecutionEngine(cfg, instance_id=instance_id, default_paths=default)
    except StateError as exc:
        raise ServiceError(str(exc), 2) from None


def _connection(args: dict, cfg: config_mod.Config) -> tuple[ConnectionInfo, Path, bool]:
    """(info, file, whether we write the file) for the standalone modes."""
    if args["-f"]:
        path = Path(args["-f"])  # docopt: "-f FILE" is an option with a value
        try:
            return ConnectionInfo.read(path), path, False
        except ConnectionFileError as exc:
            raise ServiceError(str(exc), 2) from None
    port = parse_base_port(args["--port"], allow_zero=True)
    if port is None:
        raise ServiceError(f"--port must be 0..{MAX_BASE_PORT}, not {args['--port']!r}", 2)
    ip = args["--ip"] or cfg.get("kernel.ip")
    if ip not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding to %s: the kernel is reachable from other hosts", ip)
    info = ConnectionInfo.from_base_port(port, ip=ip, key=new_key(),
                                         kernel_name="llmspell-lua")
    target = args["--connection-file"] or cfg.path("runtime_dir") / f"kernel-{port}.json"
    return info, Path(target), True


def run_service(args: dict, daemon=None) -> int:
    cfg = _load_config(args)
    if args["--link"]:
        return _serve_link(cfg, args["--link"], args.get("--id") or "gateway",
                           args.get("--config"))
    return _serve_standalone(cfg, args, daemon)


def _serve_link(cfg: config_mod.Config, endpoint: str, instance_id: str,
                config_file: str | None = None) -> int:
    """Behind a gateway (llmspell-kernel@P under systemd). SIGUSR1 reloads the config."""
    _link_logging(instance_id)
    bridge = SignalBridge(ignored=())
    server = KernelServer(_engine(cfg, instance_id), endpoint,
                          new_engine=lambda: _engine(cfg, instance_id))
    lifecycle("started", "kernel %s serving link %s (pid %d)", instance_id, endpoint, os.getpid())
    try:
        server.start()
        while not server.stopped.is_set():
            signums = bridge.wait(0.5)
            if signal.SIGUSR1 in signums:
                lifecycle("reload", "kernel %s reloading the configuration", instance_id)
                reload(server.engine.config, config_file, server.engine)
            _on_signals(server, signums)
        server.join(5)
        server.engine.save_state()
        if server.link_lost:  # not a client's shutdown: a live gateway starts a new kernel
            lifecycle("shutdown", "kernel %s stopped, state saved: the gateway closed the "
                      "link", instance_id)
            return LINK_LOST
        lifecycle("shutdown", "kernel %s stopped, state saved", instance_id)
        return 0
    except Exception as exc:
        lifecycle("crash", "kernel %s failed: %s", instance_id, exc, exc_info=True)
        raise


def _link_logging(instance_id: str) -> None:
    """Journald entries (SYSLOG_IDENTIFIER=llmspell-kernel, KERNEL_ID, KERNEL_PORT) when
    stderr is the journal stream, compact stderr lines otherwise."""
    root = logging.getLogger()
    for handler in list(root.handlers):  # basicConfig's, from _load_config
        root.removeHandler(handler)
    port = {"KERNEL_PORT": instance_id} if instance_id.isdigit() else {}
    setup_logging("llmspell-kernel", root.level, {"KERNEL_ID": instance_id, **port})


def _on_signals(server: KernelServer, signums: list[int]) -> None:
    for signum in signums:
        if signum == signal.SIGINT:
            server.interrupt()
        elif signum == signal.SIGTERM:
            server.stop()


def _serve_standalone(cfg: config_mod.Config, args: dict, daemon=None) -> int:
    import zmq

    from ..wire import link
    from ..wire.channels import bind_channels
    from ..wire.linksocket import LinkHub
    from ..wire.relay import Relay
    from ..wire.signing import Signer

    info, conn_file, owns_file = _connection(args, cfg)
    ctx = zmq.Context()
    try:
        channels = bind_channels(ctx, info)
    except zmq.ZMQError as exc:
        raise ServiceError(f"cannot bind {info.ip} ports {info.shell_port}..{info.hb_port}: "
                           f"{exc.strerror} (another kernel on these ports? choose another "
                           "--port)", 1) from None
    if owns_file:
        channels.info.write(conn_file)
    instance_id = args.get("--id") or str(channels.info.shell_port)
    hub, kernel_ends = LinkHub(), {}
    for side in (link.SHELL_SIDE, link.CONTROL_SIDE):  # the link: a socketpair per side
        relay_end, kernel_ends[side] = socket.socketpair()
        hub.adopt(relay_end, side)
    relay = Relay(channels, hub, Signer(channels.info.key.encode(),
                                        channels.info.signature_scheme))
    bridge = daemon.bridge if daemon else SignalBridge(ignored=())
    relay.watch(bridge.fileno())
    engine = _engine(cfg, instance_id)
    # -f: a Jupyter kernel manager owns the file and this process; each process it starts
    # is a new kernel (counting from 1), and on shutdown with restart=True it starts the
    # next process itself, so we exit. With --port we restart in place.
    managed = not owns_file
    if managed:
        engine.execution_count = 0
    server = KernelServer(engine, kernel_ends,
                          new_engine=None if managed else lambda: _engine(cfg, instance_id))
    log.info("kernel ready: shell port %d, connection file %s", channels.info.shell_port, conn_file)
    try:
        server.start()
        if daemon:
            daemon.serving(relay, server)
        _relay_until_stopped(relay, server, bridge, _jupyter_parent() if managed else None,
                             daemon.on_signals if daemon else _on_signals)
    finally:
        server.engine.save_state()
        channels.close()
        hub.close()
        if owns_file:
            conn_file.unlink(missing_ok=True)
    return 0


def _jupyter_parent() -> int | None:
    """The PID of the Jupyter kernel manager that started us, while it is our parent.

    jupyter_client puts its PID in JPY_PARENT_PID; a kernel whose manager died (a
    killed console or notebook server) must not live on as an orphan, as ipykernel's
    parent poller ensures for Python kernels.
    """
    try:
        parent = int(os.environ.get("JPY_PARENT_PID", ""))
    except ValueError:
        return None
    return parent if parent == os.getppid() and parent > 1 else None


def _relay_until_stopped(relay, server: KernelServer, bridge: SignalBridge,
                         parent: int | None = None, on_signals=_on_signals) -> None:
    while not server.stopped.is_set():
        if relay.poll_once(200):
            on_signals(server, bridge.drain())
        if parent is not None and os.getppid() != parent:
            log.warning("the Jupyter process that started this kernel (pid %d) is gone: "
                        "shutting down", parent)
            server.stop()
    # let the last replies (shutdown_reply, idle) through before returning
    for _ in range(5):
        relay.poll_once(20)
