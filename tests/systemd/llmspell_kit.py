"""Shared by the llmspell unit tests: the shipped units installed in a booted systemd.

The shipped units (units/) are installed with their ExecStart= paths pointed at this
venv, plus a test drop-in: the interpreter may live under /root, which ProtectHome=
hides (it is bound read-only into a tmpfs home), and WatchdogSec=3 keeps the hung
kernel test short. /etc/llmspell is private to the namespace.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
from pathlib import Path

from harness import REPO, BootedSystemd, require_root

BIN = Path(sys.executable).parent
UNITS = REPO / "units"
GATEWAY, KERNEL = "llmspell@.service", "llmspell-kernel@.service"
WATCHDOG_SEC = 3
STATUS = re.compile(r"serving 5 channels on 127\.0\.0\.1:(\d+), kernel pid (\d+), "
                    r"(\d+) executions, (\d+) clients")


def render(name: str) -> str:
    """A shipped unit with /usr/bin/llmspell-* replaced by this venv's executables."""
    text = (UNITS / name).read_text()
    assert "ExecStart=/usr/bin/llmspell-" in text
    return text.replace("/usr/bin/llmspell-", f"{BIN}/llmspell-")


def drop_in_text(gateway: bool) -> str:
    lines = ["[Service]"]
    needed = sorted({sys.base_prefix, sys.prefix, str(REPO)})
    in_home = [p for p in needed if p.startswith(("/root/", "/home/", "/run/user/"))]
    in_tmp = [p for p in needed if p.startswith(("/tmp/", "/var/tmp/"))]  # PrivateTmp= hides
    if in_home:
        lines.append("ProtectHome=tmpfs")
    lines += [f"BindReadOnlyPaths={p}" for p in in_home + in_tmp]
    if gateway:
        lines.append(f"WatchdogSec={WATCHDOG_SEC}")
    return "\n".join(lines) + "\n"


def free_base() -> int:
    """A base port P with P..P+4 free on 127.0.0.1."""
    for _ in range(50):
        with socket.create_server(("127.0.0.1", 0)) as probe:
            base = probe.getsockname()[1]
        if base > 65531:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(base, base + 5):
                    stack.enter_context(socket.create_server(("127.0.0.1", port)))
            return base
        except OSError:
            continue
    raise RuntimeError("no five consecutive free ports")


@contextlib.contextmanager
def booted_llmspell():
    """A booted systemd with the two llmspell template units (and the test drop-ins)."""
    require_root()
    with BootedSystemd(extra_tmpfs=("/etc/llmspell",)) as booted:
        for name in (GATEWAY, KERNEL):
            booted.install_unit(name, render(name), reload=False)
            booted.install_unit(f"{name}.d/test.conf", drop_in_text(name == GATEWAY),
                                reload=False)
        booted.run(["systemctl", "daemon-reload"])
        yield booted


# -- helpers ---------------------------------------------------------------------------
def units(port: int) -> tuple[str, str]:
    return f"llmspell@{port}.service", f"llmspell-kernel@{port}.service"


def main_pid(sd, unit: str) -> str:
    return sd.show(unit, "MainPID")["MainPID"]


def connection(sd, port: int) -> dict:
    """The connection file the gateway wrote in its runtime directory (root reads it)."""
    return json.loads(sd.run(["cat", f"/run/llmspell/{port}/kernel-{port}.json"]).stdout)


@contextlib.contextmanager
def client(info: dict, timeout: float = 30):
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(info)
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        yield kc
    finally:
        kc.stop_channels()


def execute(kc, code: str, timeout: float = 30) -> str:
    """Run ``code``; its execute_result text (the reply must be ok)."""
    results = []

    def hook(msg):
        if msg["msg_type"] == "execute_result":
            results.append(msg["content"]["data"]["text/plain"])

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(results)


def poll(what, timeout: float, step: float = 0.1):
    """Call ``what()`` until it returns something true; that value (TimeoutError else)."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what.__doc__ or what} not true within {timeout} s")
        time.sleep(step)


def entries(sd, unit: str, identifier: str) -> list[dict]:
    return sd.journal(unit, f"SYSLOG_IDENTIFIER={identifier}")


def status_match(sd, port: int):
    return STATUS.fullmatch(sd.show(units(port)[0], "StatusText")["StatusText"])


