"""``llmspell kernel status|list|stop|connect``: this user's kernel daemons.

Instances are found from their runtime files (``kernel.instances``); INSTANCE is an
instance id, a base port or a connection file; without it, status and list show
every instance, stop and connect the only one. Health (status) is a heartbeat echo
and a kernel_info round trip on the control channel, each bounded by
HEALTH_TIMEOUT, with pyzmq directly (``wire.client``, no jupyter_client).
Exit status: 0, 1 when an instance is missing or unhealthy, 2 for bad usage.
"""

from __future__ import annotations

import os
import sys
import time

from ..daemon.dump import process_facts
from ..kernel import instances
from .output import CliError, load_config, print_json, print_table

HEALTH_TIMEOUT = 2.0
CONNECT_HINT = "jupyter console --existing {}"


def run(args: dict) -> int:
    runtime = load_config(args).path("runtime_dir")
    name = args.get("INSTANCE")
    if args["stop"]:
        return _stop(runtime, name, args)
    if args["connect"]:
        return _connect(runtime, name, args)
    found = _select(runtime, name, single=False, missing_ok=name is None)
    if args["list"]:
        rows = [{**i.summary(), **_facts(i)} for i in found]
        return _show(rows, args, ["ID", "PORT", "PID", "UPTIME", "RSS", "CONNECTION FILE"],
                     lambda r: [r["id"], r["port"], r["pid"], _age(r["uptime_s"]),
                                _mib(r["rss_bytes"]), r["connection_file"]])
    rows = [_status(i) for i in found]
    _show(rows, args, ["ID", "PORT", "PID", "HEALTH", "UPTIME", "RSS", "EXECUTIONS", "PORTS"],
          lambda r: [r["id"], r["port"], r["pid"], r["health"], _age(r["uptime_s"]),
                     _mib(r["rss_bytes"]), r["executions"] if r["executions"] is not None
                     else "-", " ".join(f"{k}={v}" for k, v in (r["ports"] or {}).items())])
    return 0 if all(r["health"] == "HEALTHY" for r in rows) else 1


def _select(runtime, name: str | None, *, single: bool, missing_ok: bool = False) -> list:
    found = instances.find(runtime, name)
    if not found and not missing_ok:
        raise CliError(f"no running kernel {name!r} (see 'llmspell kernel list')" if name else
                       "no kernel daemon is running "
                       "(start one with 'llmspell kernel start --daemon --port=PORT')", 1)
    if single and len(found) > 1:
        raise CliError(f"{len(found)} kernels are running (ports "
                       f"{', '.join(str(i.port) for i in found)}): name one", 2)
    return found


def _facts(instance) -> dict:
    try:
        facts = process_facts(instance.pid)
    except OSError:
        return {"uptime_s": None, "rss_bytes": None}
    return {"uptime_s": facts["uptime_s"], "rss_bytes": facts["rss_bytes"]}


def _status(instance) -> dict:
    """Health and facts of one instance (never raises for an unresponsive kernel)."""
    import zmq

    from ..wire.client import WireClient
    from ..wire.connection import ConnectionInfo
    from ..wire.errors import ConnectionFileError

    row = {**instance.summary(), **_facts(instance), "health": "UNHEALTHY", "ports": None,
           "heartbeat_ms": None, "kernel_info_ms": None, "executions": None, "error": None}
    try:
        info = ConnectionInfo.read(instance.connection_file)
        row["ports"] = {name: info.port(name)
                        for name in ("shell", "iopub", "stdin", "control", "hb")}
        with WireClient(info) as client:
            row["heartbeat_ms"] = round(client.ping(HEALTH_TIMEOUT) * 1000, 2)
            began = time.monotonic()
            reply = client.request("control", "kernel_info_request", {}, HEALTH_TIMEOUT)
            row["kernel_info_ms"] = round((time.monotonic() - began) * 1000, 2)
    except (ConnectionFileError, TimeoutError, OSError, zmq.ZMQError) as exc:
        row["error"] = str(exc)
        return row
    facts = reply.content.get("llmspell") or {}
    row.update(health="HEALTHY", executions=facts.get("execution_count"))
    return row


def _show(rows: list[dict], args: dict, headers: list[str], cells) -> int:
    if args["--format"] == "json":
        print_json(rows)
    elif rows:
        print_table([[str(c) for c in cells(r)] for r in rows], headers)
    else:
        print("no kernel daemon is running")
    return 0


def _stop(runtime, name: str | None, args: dict) -> int:
    try:
        timeout = float(args["--timeout"])
        if timeout < 0:
            raise ValueError
    except ValueError:
        raise CliError(f"--timeout must be a number of seconds >= 0, not {args['--timeout']!r}",
                       2) from None
    if args["--all"] and name:
        raise CliError("give an INSTANCE or --all, not both", 2)
    targets = _select(runtime, name, single=not args["--all"], missing_ok=args["--all"])
    killed = instances.stop([i.pid for i in targets], timeout)
    if killed:
        instances.instances(runtime)  # the killed ones left their files: clean them up
    for i in targets:
        if i.pid in killed:
            sys.stderr.write(f"warning: kernel {i.id} (port {i.port}, PID {i.pid}) did not stop "
                             f"within {timeout:g} s after SIGTERM: killed\n")
        else:
            print(f"stopped kernel {i.id} (port {i.port}, PID {i.pid})")
    if not targets:
        print("no kernel daemon is running")
    return 0


def _connect(runtime, name: str | None, args: dict) -> int:
    if name and not instances.find(runtime, name) and os.path.isfile(name):
        from ..wire.connection import ConnectionInfo
        from ..wire.errors import ConnectionFileError

        try:
            ConnectionInfo.read(name)
        except ConnectionFileError as exc:
            raise CliError(str(exc), 1) from None
        path = os.path.abspath(name)
    else:
        path = str(_select(runtime, name, single=True)[0].connection_file)
    if args["--format"] == "json":
        print_json({"connection_file": path, "command": CONNECT_HINT.format(path)})
    else:
        print(f"connection file: {path}\nconnect with:    {CONNECT_HINT.format(path)}")
    return 0


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _mib(size: int | None) -> str:
    return "-" if size is None else f"{size / 1048576:.1f}M"
