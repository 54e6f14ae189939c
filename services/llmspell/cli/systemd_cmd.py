"""``llmspell kernel enable|disable PORT``: socket activation of ``llmspell@PORT``.

``enable`` writes into /etc/systemd/system, and enables in sockets.target::

    llmspell-P-shell.socket ... llmspell-P-hb.socket   ListenStream=IP:P+k, FileDescriptorName=
                                                       <channel>, Service=llmspell@P.service
    llmspell@P.service.d/sockets.conf                  Sockets= those five

Files per port, because a socket unit has a single FileDescriptorName= (the gateway
adopts fds by channel name) and unit files cannot compute P+1..P+4 from ``%i``.
systemd then holds the ports: the first connection starts the instance, and a
restart never refuses a connection. ``disable`` removes the files; the gateway binds
the ports itself again. A running instance is stopped while its ports change hands
and started again afterwards.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..fileutil import atomic_write
from ..wire.connection import CHANNEL_NAMES, MAX_BASE_PORT, parse_base_port
from .output import CliError, print_json

UNIT_DIR = Path("/etc/systemd/system")
SOCKET_UNIT = """\
# Written by `llmspell kernel enable {port}`; `llmspell kernel disable {port}` removes it.
[Unit]
Description=llmspell instance {port}, {channel} channel
Documentation=man:llmspell(1) man:llmspell-gateway(8)

[Socket]
ListenStream={address}:{channel_port}
FileDescriptorName={channel}
Service=llmspell@{port}.service
NoDelay=yes

[Install]
WantedBy=sockets.target
"""
DROP_IN = """\
# Written by `llmspell kernel enable {port}`; `llmspell kernel disable {port}` removes it.
[Service]
Sockets={sockets}
"""


def socket_units(port: int) -> list[str]:
    return [f"llmspell-{port}-{channel}.socket" for channel in CHANNEL_NAMES]


def drop_in(port: int) -> Path:
    return UNIT_DIR / f"llmspell@{port}.service.d" / "sockets.conf"


def _systemctl(*args: str, check: bool = True) -> bool:
    """Run systemctl; False (or CliError with ``check``) when it fails."""
    proc = subprocess.run(["systemctl", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise CliError(f"systemctl {' '.join(args)}: {detail[-1] if detail else proc.returncode}")
    return proc.returncode == 0


def _port(value: str) -> int:
    port = parse_base_port(value)
    if port is None:
        raise CliError(f"PORT must be 1..{MAX_BASE_PORT}, not {value!r}", 2)
    return port


def _address(ip: str) -> str:
    return f"[{ip}]" if ":" in ip else ip


def enable(port: int, ip: str) -> dict:
    sockets = socket_units(port)
    for name, channel, offset in zip(sockets, CHANNEL_NAMES, range(5)):
        atomic_write(UNIT_DIR / name, SOCKET_UNIT.format(
            port=port, channel=channel, channel_port=port + offset, address=_address(ip)).encode(),
            mode=0o644)
    os.makedirs(drop_in(port).parent, mode=0o755, exist_ok=True)
    atomic_write(drop_in(port), DROP_IN.format(port=port, sockets=" ".join(sockets)).encode(),
                 mode=0o644)
    _systemctl("daemon-reload")
    with _instance_stopped(port):
        _systemctl("enable", "--now", *sockets)
    return {"instance": f"llmspell@{port}.service", "socket_activation": True,
            "listen": f"{ip} ports {port}..{port + 4}", "units": sockets}


def disable(port: int) -> dict:
    sockets = socket_units(port)
    with _instance_stopped(port):
        _systemctl("disable", "--now", *sockets, check=False)  # some may be gone already
        for path in [*(UNIT_DIR / name for name in sockets), drop_in(port)]:
            path.unlink(missing_ok=True)
        if drop_in(port).parent.is_dir() and not any(drop_in(port).parent.iterdir()):
            drop_in(port).parent.rmdir()
        _systemctl("daemon-reload")
    return {"instance": f"llmspell@{port}.service", "socket_activation": False, "units": []}


class _instance_stopped:
    """Stop llmspell@PORT if it runs (its ports change hands); start it again after."""

    def __init__(self, port: int):
        self.unit = f"llmspell@{port}.service"

    def __enter__(self) -> None:
        self.was_active = _systemctl("is-active", "--quiet", self.unit, check=False)
        if self.was_active:
            _systemctl("stop", self.unit)

    def __exit__(self, *exc) -> None:
        if self.was_active:
            _systemctl("start", self.unit, check=exc[0] is None)


def run(args: dict) -> int:
    port = _port(args["PORT"])
    if not os.path.isdir("/run/systemd/system"):
        raise CliError("systemd is not running on this machine (socket activation needs it)")
    try:
        result = enable(port, args["--ip"] or "127.0.0.1") if args["enable"] else disable(port)
    except PermissionError as exc:
        raise CliError(f"{exc.filename}: permission denied (run as root)") from None
    if args["--format"] == "json":
        print_json(result)
    elif result["socket_activation"]:
        print(f"socket activation enabled for {result['instance']} on {result['listen']}: "
              f"{' '.join(result['units'])}")
    else:
        print(f"socket activation disabled for {result['instance']}")
    return 0
