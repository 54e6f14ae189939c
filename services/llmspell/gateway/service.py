"""The gateway service: bind the channels, run the relay, keep a kernel behind it.

Main loop in one thread: relay traffic, signals (INT → interrupt the kernel, TERM →
stop, USR1 → reload), kernel supervision (a dead child kernel is announced as
``restarting`` on iopub and started again with the same link; the client-facing
sockets stay open) and health (``health``: READY=1, STATUS=, watchdog).

Under systemd the channels may come from socket activation (fds named after the
channels, adopted with ``zmq.USE_FD``; channels without one are bound here), logs go
to the journal, and with ``--external-kernel`` the kernel is ``llmspell-kernel@P``.
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
from ..systemd import Notifier, clean_activation_env, lifecycle, listen_fds_by_name, setup_logging
from ..wire import link
from ..wire.channels import bind_channels
from ..wire.connection import MAX_BASE_PORT, ConnectionInfo, new_key, parse_base_port
from ..wire.signing import Signer
from .health import Health
from ..wire.relay import Relay
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
    """One instance: channels + link + relay + health + (optionally) the kernel child."""

    def __init__(self, cfg: config_mod.Config, args: dict, port: int, notifier: Notifier,
                 fds: dict[str, int] | None = None):
        self.cfg, self.notifier = cfg, notifier
        self.config_file, self.log_level = args.get("--config"), args.get("--log-level")
        self.conn_file = Path(args["--connection-file"]
                              or cfg.path("runtime_dir") / f"kernel-{port}.json")
        runtime = ensure_private_dir(cfg.path("runtime_dir") / f"gateway-{port}")
        self.endpoint = link.endpoint(str(runtime), "kernel")
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
        self.link_sock = self.ctx.socket(zmq.ROUTER)
        self.link_sock.setsockopt(zmq.ROUTER_HANDOVER, 1)
        self.link_sock.setsockopt(zmq.LINGER, 0)
        self.link_sock.bind(self.endpoint)
        self.relay = Relay(self.channels, self.link_sock,
                           Signer(info.key.encode(), info.signature_scheme))
        self.relay.on_hello = self._on_hello
        self.health = Health(self.relay, notifier, f"{ip}:{self.channels.info.shell_port}")
        self.kernel = (None if args["--external-kernel"]
                       else KernelProcess(self.endpoint, str(port), self.config_file))
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
        if self.kernel:
            self.kernel.start()
        while not self.stopping:
            if self.relay.poll_once(100):
                self._signals(bridge.drain())
            self._supervise()
            self.health.tick()
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
        self.link_sock.close(0)
        self.conn_file.unlink(missing_ok=True)
        self.ctx.term()


def _port(value: str) -> int:
    port = parse_base_port(value)
    if port is None:
        raise GatewayError(f"--port must be 1..{MAX_BASE_PORT}, not {value!r}", 2)
    return port


def _activated_ip(fds: dict[str, int] | None) -> str | None:
    """The address the passed sockets listen on (the connection file must tell it)."""
    if not fds:
        return None
    with socket.socket(fileno=os.dup(next(iter(fds.values())))) as sock:
        return sock.getsockname()[0]


def run_gateway(args: dict) -> int:
    notifier = Notifier()  # before clean_activation_env: it keeps NOTIFY_SOCKET for us
    try:
        fds = listen_fds_by_name()
    except (ValueError, OSError) as exc:
        raise GatewayError(f"socket activation: {exc}") from None
    clean_activation_env(notify=True)  # the kernel child must neither adopt nor notify
    try:
        cfg = config_mod.load(args.get("--config"))
    except config_mod.ConfigError as exc:
        raise GatewayError(f"configuration: {exc}", 2) from None
    port = _port(args["--port"])
    level = (args.get("--log-level") or cfg.get("logging.level")).upper()
    setup_logging("llmspell-gateway", level, {"KERNEL_PORT": port, "KERNEL_ID": port})
    bridge = SignalBridge(ignored=())
    gateway = Gateway(cfg, args, port, notifier, fds)
    info = gateway.channels.info
    lifecycle("started", "gateway on %s:%d..%d (%s), link %s, pid %d", info.ip, info.shell_port,
              info.hb_port, f"adopted {' '.join(sorted(fds))}" if fds else "bound itself",
              gateway.endpoint, os.getpid())
    notifier.status(gateway.health.status_text())
    started = time.monotonic()
    try:
        return gateway.run(bridge)
    except Exception as exc:  # noqa: BLE001 - any failure is a crash, logged as one
        lifecycle("crash", "gateway failed: %s", exc, exc_info=True)
        return 1
    finally:
        gateway.close()
        log.info("gateway stopped after %.1f s", time.monotonic() - started)
