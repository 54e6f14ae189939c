"""The gateway service: start the kernel, bind the channels, run the relay.

The kernel child is started first, before ZeroMQ and the relay are even
imported (``instance``), so that its start-up and the gateway's overlap.

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
import time

from .. import config as config_mod
from ..daemon.pidfile import AlreadyRunning, PidFile
from ..daemon.signals import SignalBridge
from ..fileutil import ensure_private_dir
from ..systemd import Notifier, clean_activation_env, lifecycle, listen_fds_by_name, setup_logging
from ..wire import link
from ..wire.connection import MAX_BASE_PORT, parse_base_port
from .errors import GatewayError
from .supervisor import KernelProcess

log = logging.getLogger("llmspell.gateway")


def _port(value: str) -> int:
    port = parse_base_port(value)
    if port is None:
        raise GatewayError(f"--port must be 1..{MAX_BASE_PORT}, not {value!r}", 2)
    return port


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
    runtime = ensure_private_dir(cfg.path("runtime_dir") / f"gateway-{port}")
    try:
        endpoint = link.endpoint(str(runtime), "kernel")
    except ValueError as exc:
        raise GatewayError(f"{exc}: choose a shorter paths.runtime_dir (or LLMSPELL_HOME)",
                           2) from None
    # One gateway per port: checked before the kernel starts, since a second kernel
    # would connect to the running instance's link and take its place there.
    pidfile = PidFile(runtime / "gateway.pid")
    try:
        pidfile.acquire()
    except AlreadyRunning as exc:
        raise GatewayError(f"port {port}: llmspell-gateway {exc}") from None
    kernel = (None if args["--external-kernel"]
              else KernelProcess(endpoint, str(port), args.get("--config")))
    if kernel:
        kernel.start()  # it starts while we load ZeroMQ and bind; it connects once we do
    try:
        from .instance import Gateway

        gateway = Gateway(cfg, args, port, notifier, endpoint, kernel, fds)
    except BaseException:
        if kernel:
            kernel.stop()
        pidfile.release()
        raise
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
        pidfile.release()
        log.info("gateway stopped after %.1f s", time.monotonic() - started)
