"""service-checker: is a TCP port open, are several, is a systemd unit active."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from ..base import Example, ToolContext, ToolError, tool

SYSTEMCTL_PATH = "/usr/bin:/bin"  # where systemctl is looked up
SYSTEMD_RUN_DIR = Path("/run/systemd/system")  # exists only when systemd is PID 1
_UNIT = r"^[A-Za-z0-9_@:.\\][A-Za-z0-9_@:.\\-]*$"

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": ["port", "ports", "unit"], "default": "port"},
        "host": {"type": "string", "minLength": 1, "maxLength": 253, "default": "127.0.0.1"},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "ports": {"type": "array", "minItems": 1, "maxItems": 64, "uniqueItems": True,
                  "items": {"type": "integer", "minimum": 1, "maximum": 65535}},
        "timeout": {"type": "number", "minimum": 0.01, "maximum": 30, "default": 1.0,
                    "description": "seconds to wait for a connection (at most tools.timeout)"},
        "unit": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": _UNIT,
                 "description": "unit: a systemd unit name such as ssh.service"},
    },
    "required": [],
    "additionalProperties": False,
}


@tool("service-checker", category="system", security_level="safe", schema=SCHEMA,
      description="Check whether TCP ports accept connections (open/closed/timeout with "
                  "latency), several ports at once, or whether a systemd unit is active.",
      examples=[
          Example({"operation": "port", "host": "127.0.0.1", "port": 1, "timeout": 0.5},
                  "Is anything listening on local port 1?", expect={"port": 1}),
          Example({"operation": "ports", "host": "127.0.0.1", "ports": [22, 80, 443]},
                  "Check common local ports"),
          Example({"operation": "unit", "unit": "ssh.service"}, "Is sshd running?"),
      ])
def service_checker(params: dict, ctx: ToolContext) -> dict:
    """Check one port, several ports, or a systemd unit."""
    op = params["operation"]
    if op == "unit":
        if "unit" not in params:
            raise ToolError("validation_error", "operation 'unit' needs 'unit'")
        return unit_state(params["unit"], ctx.settings.process_timeout)
    if op not in params:
        raise ToolError("validation_error", f"operation '{op}' needs '{op}'")
    ports = [params["port"]] if op == "port" else params["ports"]
    from ..netsafe import check_address

    addresses = check_address(params["host"], ctx.settings)  # refuses link-local, blocked
    results = probe(addresses, ports, min(params["timeout"], ctx.settings.timeout))
    for item in results:
        item["host"] = params["host"]
    if op == "port":
        return results[0]
    return {"result": results, "host": params["host"], "addresses": addresses,
            "open": [r["port"] for r in results if r["state"] == "open"]}


def probe(addresses: list[str], ports: list[int], timeout: float) -> list[dict]:
    """Like a client would: a port is open when any address of the host (at most
    four, in resolver order) accepts it within the shared ``timeout``."""
    deadline = time.monotonic() + timeout
    best: dict[int, dict] = {}
    for address in addresses[:4]:
        pending = [p for p in ports if p not in best or not best[p]["open"]]
        remaining = deadline - time.monotonic()
        if not pending or remaining <= 0:
            break
        for result in check_ports(address, pending, remaining):
            if result["port"] not in best or result["open"]:
                best[result["port"]] = result
    return [best[port] for port in ports]


def check_ports(address: str, ports: list[int], timeout: float) -> list[dict]:
    """Connect to every port at once (non-blocking) and classify each within ``timeout``."""
    import selectors
    import socket

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    results = {port: {"port": port, "address": address, "state": "timeout", "open": False,
                      "latency_ms": None} for port in ports}
    started = time.monotonic()
    with selectors.DefaultSelector() as selector:
        for port in ports:
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError as exc:  # e.g. IPv6 disabled in this kernel
                _settle(results[port], exc.errno or errno.EAFNOSUPPORT, started)
                continue
            sock.setblocking(False)
            code = sock.connect_ex((address, port))
            if code in (0, errno.EINPROGRESS):
                selector.register(sock, selectors.EVENT_WRITE, port)
            else:
                _settle(results[port], code, started)
                sock.close()
        deadline = started + timeout
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(remaining):
                code = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                _settle(results[key.data], code, started)
                selector.unregister(key.fileobj)
                key.fileobj.close()
        for key in list(selector.get_map().values()):
            key.fileobj.close()
    return [results[port] for port in ports]


def _settle(result: dict, code: int, started: float) -> None:
    result["latency_ms"] = round((time.monotonic() - started) * 1000, 2)
    if code == 0:
        result.update(state="open", open=True)
    else:
        result["state"] = "closed"
        if code != errno.ECONNREFUSED:
            result["error"] = os.strerror(code)


def unit_state(unit: str, timeout: float) -> dict:
    """``systemctl is-active`` for ``unit``; available=False when systemd is not running."""
    import shutil
    import subprocess

    systemctl = shutil.which("systemctl", path=SYSTEMCTL_PATH)
    if systemctl is None or not SYSTEMD_RUN_DIR.is_dir():
        return {"unit": unit, "available": False, "state": None, "active": False,
                "message": "systemd not available (no systemctl, or systemd is not PID 1)"}
    try:
        done = subprocess.run([systemctl, "is-active", "--", unit], capture_output=True,
                              check=False, timeout=timeout,
                              env={"PATH": SYSTEMCTL_PATH, "LANG": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise ToolError("timeout", f"systemctl is-active {unit} took longer than "
                                   f"{timeout:g} s") from None
    state = done.stdout.decode("utf-8", "replace").strip() or "unknown"
    return {"unit": unit, "available": True, "state": state, "active": state == "active"}
