"""Socket activation of llmspell@P: `llmspell kernel enable/disable P` under a real
booted systemd; the first connection starts the instance, restarts refuse nothing."""

from __future__ import annotations

import json
import socket
import threading
import time

from llmspell_kit import (
    BIN,
    client,
    connection,
    entries,
    execute,
    free_base,
    main_pid,
    poll,
    units,
)



def _connect_all(base: int, refused: list, stop: threading.Event) -> None:
    while not stop.is_set():
        for port in range(base, base + 5):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            except ConnectionRefusedError:
                refused.append(port)
            except OSError:
                pass
        time.sleep(0.005)


def test_socket_activation(sd):
    base = free_base()
    gateway, kernel = units(base)
    llmspell = str(BIN / "llmspell")
    out = sd.run([llmspell, "kernel", "enable", str(base), "--format=json"]).stdout
    sockets = json.loads(out)["units"]
    assert sockets == [f"llmspell-{base}-{c}.socket"
                       for c in ("shell", "iopub", "stdin", "control", "hb")]
    for unit in sockets:
        assert sd.show(unit, "ActiveState", "SubState") == {"ActiveState": "active",
                                                            "SubState": "listening"}
    assert sd.show(gateway, "ActiveState")["ActiveState"] == "inactive"
    verify = sd.run(["systemd-analyze", "verify", "--man=no", *sockets, gateway], check=False)
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")
    # any first connection starts the instance
    socket.create_connection(("127.0.0.1", base + 4), timeout=5).close()
    poll(lambda: sd.show(gateway, "ActiveState")["ActiveState"] == "active", 30)
    info = connection(sd, base)  # a client keeps its copy; the key is stable
    adopted = [e["MESSAGE"] for e in entries(sd, gateway, "llmspell-gateway")
               if e.get("LLMSPELL_EVENT") == "started"]
    assert "(adopted control hb iopub shell stdin)" in adopted[-1]
    sd.run(["systemctl", "stop", gateway], timeout=30)
    assert sd.show(gateway, "ActiveState")["ActiveState"] == "inactive"

    # a Jupyter client connects to the stopped instance and gets its kernel_info_reply
    with client(info) as kc:
        assert sd.show(gateway, "ActiveState")["ActiveState"] == "active"
        assert execute(kc, "return 'activated'") == '"activated"'
        # restarts never refuse a connection: systemd holds the listening sockets
        refused, stop = [], threading.Event()
        hammer = threading.Thread(target=_connect_all, args=(base, refused, stop))
        hammer.start()
        try:
            pid = main_pid(sd, gateway)
            sd.run(["systemctl", "restart", gateway], timeout=60)
            time.sleep(0.2)
        finally:
            stop.set()
            hammer.join(10)
        assert refused == [] and main_pid(sd, gateway) != pid
        assert execute(kc, "return 'after restart'") == '"after restart"'

        sd.run([llmspell, "kernel", "disable", str(base)])
        for unit in sockets:
            assert sd.show(unit, "LoadState")["LoadState"] == "not-found"
        started = [e["MESSAGE"] for e in entries(sd, gateway, "llmspell-gateway")
                   if e.get("LLMSPELL_EVENT") == "started"]
        assert "(bound itself)" in started[-1]  # was running: restarted, binding itself
        assert execute(kc, "return 'bound'") == '"bound"'
    sd.run(["systemctl", "stop", gateway], timeout=30)
    sd.wait_for(kernel, timeout=20, ActiveState="inactive")


def test_enable_refuses_a_bad_port(sd):
    proc = sd.run([str(BIN / "llmspell"), "kernel", "enable", "65532"], check=False)
    assert (proc.returncode, proc.stderr) == (2, "error: PORT must be 1..65531, not '65532'\n")
    assert sd.run(["find", "/etc/systemd/system", "-name", "*llmspell*"]).stdout == ""
