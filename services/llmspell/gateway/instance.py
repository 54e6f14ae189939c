"""One gateway instance: channels, link, relay, health and kernel supervision.

Imports ZeroMQ and the relay; ``service.run_gateway`` imports this module only
after it has started the kernel child, so that both start-ups overlap.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from pathlib import Path

import zmq

from .. import config as config_mod
from ..daemon.signals import SignalBridge
from ..fileutil import atomic_write, ensure_private_dir
from ..systemd import Notifier, lifecycle
from ..wire import link
from ..wire.channels import bind_channels
from ..wire.connection import ConnectionInfo, new_key
from ..wire.linksocket import LinkHub
from ..wire.relay import Relay
from ..wire.signing import Signer
from .errors import GatewayError
from .health import Health
from .supervisor import KernelProcess

log = logging.getLogger("llmspell.gateway")
HOUSEKEEPING_MS = 100  # kernel supervision and health, at most this often


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
    """One instance: channels + link + relay + health + (optionally) the kernel child."""

    def __init__(self, cfg: config_mod.Config, args: dict, port: int, notifier: Notifier,
                 endpoint: str, kernel: KernelProcess | None,
                 fds: dict[str, int] | None = None):
        self.cfg, self.notifier = cfg, notifier
        self.config_file, self.log_level = args.get("--config"), args.get("--log-level")
        self.conn_file = Path(args["--connection-file"]
                              or cfg.path("runtime_dir") / f"kernel-{port}.json")
        self.endpoint = endpoint
        ip = _activated_ip(fds) or args["--ip"] or cfg.get("kernel.ip")
        info = ConnectionInfo.from_base_port(port, ip=ip, key=stable_key(cfg.path("state_dir"), port),
                                             kernel_name="llmspell-lua")
        self.ctx = zmq.Context()
        try:
            self.channels = bind_channels(self.ctx, info, fds=fds)
        except zmq.ZMQError as exc:
            raise GatewayError(f"cannot bind {ip} ports {port}..{port + 4}: {exc.strerror} "
                               "(another instance on these ports?)") from None
        except ValueError as exc:  # unusable fds from socket activation
            raise GatewayError(f"socket activation: {exc}") from None
        self.channels.iopub.setsockopt(zmq.XPUB_VERBOSER, 1)  # count clients both ways
        try:
            self.hub = LinkHub(link.socket_path(endpoint))
        except OSError as exc:
            self.channels.close()
            raise GatewayError(f"cannot listen on the link {endpoint}: {exc.strerror}") from None
        self.relay = Relay(self.channels, self.hub,
                           Signer(info.key.encode(), info.signature_scheme))
        self.relay.on_hello = self._on_hello
        self.health = Health(self.relay, notifier, f"{ip}:{self.channels.info.shell_port}")
        self.kernel = kernel  # None: systemd runs it (llmspell-kernel@P)
        self.kernel_pid = None
        self.stopping = False
        self.channels.info.write(self.conn_file)

    def _on_hello(self, hello: dict) -> None:
        if hello.get("pid") != self.kernel_pid:  # each of its two link sides says hello
            self.kernel_pid = hello.get("pid")
            log.info("kernel %s connected", self.kernel_pid)

    def run(self, bridge: SignalBridge) -> int:
        """Serve until TERM or until the kernel child exits after a client's shutdown."""
        self.relay.watch(bridge.fileno())
        due = 0.0
        while not self.stopping:
            if self.relay.poll_once(HOUSEKEEPING_MS):
                self._signals(bridge.drain())
            now = time.monotonic()
            if now >= due:  # not after every message: a busy relay wakes up often
                self._supervise()
                self.health.tick()
                due = now + HOUSEKEEPING_MS / 1000
        return 0

    def _signals(self, signums: list[int]) -> None:
        for signum in signums:
            if signum == signal.SIGINT:
                self.relay.interrupt_kernel()
            elif signum == signal.SIGTERM:
                self.stop("SIGTERM")
            elif signum == signal.SIGUSR1:
                self.reload()

    def stop(self, reason: str) -> None:
        self.stopping = True
        self.notifier.stopping(f"stopping ({reason})")
        lifecycle("shutdown", "gateway stopping (%s)", reason)

    def reload(self) -> None:
        """Re-read the configuration, apply the log level, reload the kernel child."""
        self.notifier.reloading("reloading the configuration")
        lifecycle("reload", "reloading the configuration")
        try:
            self.cfg = config_mod.load(self.config_file)
        except config_mod.ConfigError as exc:
            log.error("configuration reload rejected, running configuration kept: %s", exc)
        else:
            level = self.log_level or self.cfg.get("logging.level")
            logging.getLogger().setLevel(level.upper())
            log.info("configuration reloaded (%s): logging.level=%s",
                     ", ".join(self.cfg.sources), level)
        if self.kernel:
            self.kernel.reload()
        self.notifier.ready(self.health.status_text())

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
            self.stop("kernel shut down")
            return
        delay = self.kernel.schedule_restart()
        log.error("kernel exited with status %s: restarting in %.1f s", status, delay)
        self.relay.publish_status("restarting")

    def close(self) -> None:
        if self.kernel:
            self.kernel.stop(float(self.cfg.get("kernel.shutdown_grace") or 5) + 1)
        self.channels.close()
        self.hub.close()
        self.conn_file.unlink(missing_ok=True)
        self.ctx.term()


def _activated_ip(fds: dict[str, int] | None) -> str | None:
    """The address the passed sockets listen on (the connection file must tell it)."""
    if not fds:
        return None
    with socket.socket(fileno=os.dup(next(iter(fds.values())))) as sock:
        return sock.getsockname()[0]
