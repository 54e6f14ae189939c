"""The gateway service: bind the channels, run the relay, keep a kernel behind it.

Main loop in one thread: relay traffic, signals (INT → interrupt the kernel, TERM →
stop), and kernel supervision (a dead kernel is announced as ``restarting`` on
iopub and started again with the same link; the client-facing sockets stay open).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

import zmq

from .. import config as config_mod
from ..daemon.signals import SignalBridge
from ..fileutil import atomic_write, ensure_private_dir
from ..wire import link
from ..wire.channels import bind_channels
from ..wire.connection import ConnectionInfo, new_key
from ..wire.signing import Signer
from .relay import Relay
from .supervisor import KernelProcess

log = logging.getLogger("llmspell.gateway")


class GatewayError(Exception):
    """A start-up failure the operator can fix: one line, an exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def stable_key(state_dir: Path, port: int) -> str:
    """The instance's HMAC key, created once (0600) so clients survive restarts."""
    path = ensure_private_dir(state_dir) / f"{port}.key"
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    key = new_key()
    atomic_write(path, key.encode(), mode=0o600)
    return key


class Gateway:
    """One instance: channels + link + relay + (optionally) the kernel child."""

    def __init__(self, cfg: config_mod.Config, port: int, ip: str, conn_file: Path,
                 spawn_kernel: bool, config_file: str | None = None, fds=None):
        self.cfg, self.port, self.conn_file = cfg, port, conn_file
        runtime = ensure_private_dir(cfg.path("runtime_dir") / f"gateway-{port}")
        self.endpoint = link.endpoint(str(runtime), "kernel")
        info = ConnectionInfo.from_base_port(port, ip=ip, key=stable_key(cfg.path("state_dir"), port),
                                             kernel_name="llmspell-lua")
        self.ctx = zmq.Context()
        try:
            self.channels = bind_channels(self.ctx, info, fds=fds)
        except zmq.ZMQError as exc:
            raise GatewayError(f"cannot bind {ip} ports {port}..{port + 4}: {exc.strerror} "
                               "(another instance on these ports?)") from None
        self.link_sock = self.ctx.socket(zmq.ROUTER)
        self.link_sock.setsockopt(zmq.ROUTER_HANDOVER, 1)
        self.link_sock.setsockopt(zmq.LINGER, 0)
        self.link_sock.bind(self.endpoint)
        self.relay = Relay(self.channels, self.link_sock,
                           Signer(info.key.encode(), info.signature_scheme))
        self.relay.on_hello = self._on_hello
        self.kernel = KernelProcess(self.endpoint, str(port), config_file) if spawn_kernel else None
        self.kernel_seen = False
        self.stopping = False
        self.channels.info.write(conn_file)

    def _on_hello(self, hello: dict) -> None:
        if not self.kernel_seen:
            log.info("kernel %s connected", hello.get("pid"))
        self.kernel_seen = True

    def run(self, bridge: SignalBridge) -> int:
        """Serve until TERM or until the kernel exits after a client's shutdown."""
        self.relay.watch(bridge.fileno())
        if self.kernel:
            self.kernel.start()
        while not self.stopping:
            if self.relay.poll_once(100):
                self._signals(bridge.drain())
            self._supervise()
        return 0

    def _signals(self, signums: list[int]) -> None:
        for signum in signums:
            if signum == signal.SIGINT:
                self.relay.interrupt_kernel()
            elif signum == signal.SIGTERM:
                self.stopping = True

    def _supervise(self) -> None:
        if self.kernel is None:
            return
        status = self.kernel.exited()
        if status is None:
            if self.kernel.proc is None and self.kernel.due():
                self.kernel.start()
            return
        if status == 0:
            log.info("kernel exited after a shutdown request: stopping the gateway")
            self.stopping = True
            return
        delay = self.kernel.schedule_restart()
        log.error("kernel exited with status %s: restarting in %.1f s", status, delay)
        self.relay.publish_status("restarting")
        self.kernel_seen = False

    def close(self) -> None:
        if self.kernel:
            self.kernel.stop(float(self.cfg.get("kernel.shutdown_grace") or 5) + 1)
        self.channels.close()
        self.link_sock.close(0)
        self.conn_file.unlink(missing_ok=True)
        self.ctx.term()


def run_gateway(args: dict) -> int:
    try:
        cfg = config_mod.load(args.get("--config"))
    except config_mod.ConfigError as exc:
        raise GatewayError(f"configuration: {exc}", 2) from None
    level = (args.get("--log-level") or cfg.get("logging.level")).upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        port = int(args["--port"])
        if not 1 <= port <= 65531:
            raise ValueError
    except ValueError:
        raise GatewayError(f"--port must be 1..65531, not {args['--port']!r}", 2) from None
    conn_file = Path(args["--connection-file"] or cfg.path("runtime_dir") / f"kernel-{port}.json")
    bridge = SignalBridge(ignored=())
    gateway = Gateway(cfg, port, args["--ip"], conn_file, not args["--external-kernel"],
                      args.get("--config"))
    log.info("gateway ready on %s:%d (pid %d)", args["--ip"], port, os.getpid())
    started = time.monotonic()
    try:
        return gateway.run(bridge)
    finally:
        gateway.close()
        log.info("gateway stopped after %.1f s", time.monotonic() - started)
