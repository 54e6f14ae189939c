"""Kernel latency benchmark: one jupyter_client driver against several Jupyter kernels.

  python benchmarks/kernel_latency.py [--quick] [--kernels=NAME,...] [--executes=N]

Kernels, all in one run (those not installed are reported and skipped):
  llmspell-lua      llmspell standalone (kernelspec -> llmspell-kernel -f FILE)
  llmspell-gateway  llmspell-gateway --port P (when the executable is on PATH)
  python3           ipykernel
  xpython           xeus-python (pip install xeus-python)

Per kernel: start-to-ready (process start until kernel_info is answered and iopub
delivers), execute->reply and execute->idle p50/p99 over trivial executes
(``x = 1``), sequential throughput, heartbeat round trip p50, interrupt latency
(interrupt sent -> error reply, of an endless loop), time to receive 1 MB of
stdout, and RSS of the kernel's processes after all executes (10,000; --quick 1,000).
Every kernel gets exactly the same messages through the same code: jupyter_client's
Session packs, signs and parses them; sockets are polled directly so that arrival
times are not quantized by a client's polling loop. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path()  # the run's private directory (main): kernelspec, homes, connection files


def setup_root() -> Path:
    """A temporary LLMSPELL_HOME, Jupyter runtime dir and kernelspec dir for this run."""
    global ROOT
    ROOT = Path(tempfile.mkdtemp(prefix="llmspell-kernel-bench-"))
    os.environ["LLMSPELL_HOME"] = str(ROOT / "home")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(ROOT / "runtime")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(ROOT / "share" / "jupyter"), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    for sub in ("home", "runtime"):
        (ROOT / sub).mkdir()
    return ROOT

import zmq
from installed import use_compiled_bytecode
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session
from ports import free_base_port

CODE = {
    "lua": {"trivial": "x = 1", "loop": "while true do end",
            "mb": 'print(string.rep("x", 1048575))'},
    "python": {"trivial": "x = 1", "loop": "while True: pass",
               "mb": 'print("x" * 1048575)'},
}
MB = 1 << 20
NA = float("nan")
INTERRUPT_TIMEOUT = 5.0
TIMEOUT = 30.0
TARGETS = {  # the targets for llmspell-lua in gateway mode: (limit, unit)
    "execute->idle p50": (1.0, "ms"), "start-to-ready": (300.0, "ms"),
    "interrupt": (10.0, "ms"), "RSS after executes": (60.0, "MB"),
}


def ms(seconds: float) -> float:
    return seconds * 1000.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100.0 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    """RSS of ``pid`` and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total / 1024.0


# --- launching -----------------------------------------------------------------------
class SpecKernel:
    """A kernel started from its kernelspec by jupyter_client's KernelManager."""

    def __init__(self, name: str):
        self.name = name
        self.km = KernelManager(kernel_name=name)
        self.language = "lua" if self.km.kernel_spec.language == "lua" else "python"

    def start(self) -> dict:
        # a fresh manager per start: shutdown_kernel destroys the manager's zmq context
        self.km = KernelManager(kernel_name=self.name)
        self.km.start_kernel(cwd=str(ROOT), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        return self.km.get_connection_info(session=False)

    @property
    def pid(self) -> int:
        return self.km.provisioner.pid

    def interrupt(self, driver: Driver) -> None:
        self.km.interrupt_kernel()  # signal or message, as the kernelspec says

    def stop(self) -> None:
        self.km.shutdown_kernel(now=False)


class GatewayKernel:
    """``llmspell-gateway --port P``: the gateway and the kernel child it supervises."""

    language = "lua"

    def __init__(self, exe: str):
        self.name = "llmspell-gateway"
        self.exe = exe
        self.proc: subprocess.Popen | None = None

    def start(self) -> dict:
        conn = ROOT / "runtime" / f"gateway-{time.monotonic_ns()}.json"
        self.proc = subprocess.Popen([self.exe, f"--port={free_base_port()}",
                                      f"--connection-file={conn}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                info = json.loads(conn.read_text())
                if info.get("key"):
                    info["_file"] = conn
                    return info
            except (OSError, ValueError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.exe} did not start (status {self.proc.poll()})")
            time.sleep(0.001)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def interrupt(self, driver: Driver) -> None:
        driver.control_request("interrupt_request")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the driver ----------------------------------------------------------------------
class Driver:
    """Sockets to one kernel plus jupyter_client's Session; no background threads."""

    def __init__(self, info: dict):
        self.session = Session(key=info["key"].encode() if isinstance(info["key"], str)
                               else info["key"], signature_scheme=info["signature_scheme"])
        self.ctx = zmq.Context()
        url = f"{info.get('transport', 'tcp')}://{info['ip']}:%d"
        self.shell = self._sock(zmq.DEALER, url % info["shell_port"])
        self.control = self._sock(zmq.DEALER, url % info["control_port"])
        self.iopub = self._sock(zmq.SUB, url % info["iopub_port"])
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.hb = self._sock(zmq.REQ, url % info["hb_port"])
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    def _sock(self, kind: int, url: str) -> zmq.Socket:
        sock = self.ctx.socket(kind)
        sock.linger = 0
        sock.connect(url)
        return sock

    def close(self) -> None:
        self.ctx.destroy(0)

    def request(self, msg_type: str, content: dict, until_idle: bool = True,
                timeout: float = TIMEOUT, on_iopub=None,
                idle_grace: float | None = None) -> tuple[float, float, dict]:
        """Send on shell; (seconds to the reply, seconds to idle, the reply). With
        ``idle_grace``, wait at most that long for idle once the reply is there."""
        msg = self.session.msg(msg_type, content)
        msg_id = msg["header"]["msg_id"]
        start = time.perf_counter()
        self.session.send(self.shell, msg)
        t_reply = t_idle = None
        reply = None
        deadline = start + timeout
        while t_reply is None or (until_idle and t_idle is None):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{msg_type}: {'no reply' if t_reply is None else 'no idle'}")
            for sock, _ in self.poller.poll(left * 1000):
                _, got = self.session.recv(sock, mode=0)
                now = time.perf_counter()
                if (got["parent_header"] or {}).get("msg_id") != msg_id:
                    continue
                if sock is self.shell:
                    t_reply, reply = now - start, got
                    if idle_grace is not None:
                        deadline = min(deadline, now + idle_grace)
                elif got["msg_type"] == "status":
                    if got["content"]["execution_state"] == "idle":
                        t_idle = now - start
                elif on_iopub is not None:
                    on_iopub(got)
        return t_reply, (t_idle if until_idle else t_reply), reply

    def execute(self, code: str, **kw) -> tuple[float, float, dict]:
        return self.request("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False}, **kw)

    def wait_ready(self, timeout: float = TIMEOUT) -> None:
        """kernel_info answered and its idle status seen on iopub. The first request
        waits (a DEALER queues it until the kernel binds); when its reply or status
        did not come (the status was published before our SUB was connected), ask
        again (after 50 ms without idle, 1 s without a reply) until ``timeout``."""
        deadline = time.perf_counter() + timeout
        wait = timeout
        while True:
            try:
                self.request("kernel_info_request", {}, timeout=wait, idle_grace=0.05)
                return
            except TimeoutError:
                if time.perf_counter() > deadline:
                    raise
                wait = min(1.0, max(0.01, deadline - time.perf_counter()))

    def control_request(self, msg_type: str) -> None:
        self.session.send(self.control, self.session.msg(msg_type, {}))

    def heartbeat(self) -> float:
        start = time.perf_counter()
        self.hb.send(b"ping")
        if not self.hb.poll(int(TIMEOUT * 1000)):
            raise TimeoutError("no heartbeat")
        self.hb.recv()
        return time.perf_counter() - start

    def drain(self, seconds: float = 0.05) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            for sock, _ in self.poller.poll(left * 1000):
                sock.recv_multipart()


# --- measurements --------------------------------------------------------------------
def measure(kernel, executes: int, starts: int, repeats: int, pings: int) -> dict:
    code = CODE[kernel.language]
    result: dict[str, float | str] = {}
    ready_times = []
    for i in range(starts):
        start = time.perf_counter()
        info = kernel.start()
        driver = Driver(info)
        try:
            driver.wait_ready()
            ready_times.append(time.perf_counter() - start)
        finally:
            if i < starts - 1:
                driver.close()
                kernel.stop()
    result["start-to-ready"] = ms(statistics.median(ready_times))
    try:
        for _ in range(50):
            driver.execute(code["trivial"])
        replies, idles = [], []
        begin = time.perf_counter()
        for _ in range(executes):
            t_reply, t_idle, reply = driver.execute(code["trivial"])
            replies.append(t_reply)
            idles.append(t_idle)
        total = time.perf_counter() - begin
        assert reply["content"]["status"] == "ok", reply["content"]
        result["execute->reply p50"] = ms(pct(replies, 50))
        result["execute->reply p99"] = ms(pct(replies, 99))
        result["execute->idle p50"] = ms(pct(idles, 50))
        result["execute->idle p99"] = ms(pct(idles, 99))
        result["throughput (exec/s)"] = executes / total
        result["RSS after executes"] = rss_mb(kernel.pid)

        result["heartbeat p50"] = ms(statistics.median(driver.heartbeat() for _ in range(pings)))

        sizes = []
        mb_times = []
        for _ in range(repeats):
            received = [0]

            def count(msg, received=received):
                if msg["msg_type"] == "stream":
                    received[0] += len(msg["content"]["text"])

            _, t_idle, _ = driver.execute(code["mb"], on_iopub=count)
            mb_times.append(t_idle)
            sizes.append(received[0])
        assert min(sizes) >= MB - 1, f"1 MB output: received {sizes}"
        result["1 MB output"] = ms(statistics.median(mb_times))

        interrupts = []  # last: a kernel that cannot be interrupted stays busy
        for _ in range(repeats):
            try:
                interrupts.append(interrupt_once(kernel, driver, code["loop"]))
            except TimeoutError as exc:
                print(f"{kernel.name}: interrupt: {exc}", file=sys.stderr)
                break
        result["interrupt"] = ms(statistics.median(interrupts)) if interrupts else NA
    finally:
        driver.close()
        kernel.stop()
    return result


def interrupt_once(kernel, driver: Driver, loop_code: str) -> float:
    msg = driver.session.msg("execute_request", {
        "code": loop_code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": False})
    msg_id = msg["header"]["msg_id"]
    driver.session.send(driver.shell, msg)
    deadline = time.perf_counter() + TIMEOUT
    started = False
    while not started:  # execute_input: the code is about to run
        for sock, _ in driver.poller.poll(1000):
            _, got = driver.session.recv(sock, mode=0)
            started |= (sock is driver.iopub and got["msg_type"] == "execute_input"
                        and (got["parent_header"] or {}).get("msg_id") == msg_id)
        if time.perf_counter() > deadline:
            raise TimeoutError("loop did not start")
    time.sleep(0.05)
    start = time.perf_counter()
    kernel.interrupt(driver)
    while True:
        if not driver.shell.poll(int(INTERRUPT_TIMEOUT * 1000)):
            raise TimeoutError(f"no reply {INTERRUPT_TIMEOUT:g} s after the interrupt")
        _, got = driver.session.recv(driver.shell, mode=0)
        if (got["parent_header"] or {}).get("msg_id") == msg_id:
            elapsed = time.perf_counter() - start
            break
    driver.drain(0.1)
    return elapsed


# --- main ----------------------------------------------------------------------------
def kernels_to_run(names: list[str]) -> tuple[list, list[str]]:
    from llmspell.cli.kernelspec_cmd import install

    install(ROOT / "share" / "jupyter" / "kernels")
    ksm = KernelSpecManager()
    chosen, skipped = [], []
    for name in names:
        if name == "llmspell-gateway":
            exe = shutil.which("llmspell-gateway") or str(
                Path(sys.executable).parent / "llmspell-gateway")
            if Path(exe).exists():
                chosen.append(GatewayKernel(exe))
            else:
                skipped.append(f"{name} (not on PATH)")
            continue
        try:
            ksm.get_kernel_spec(name)
        except NoSuchKernel:
            skipped.append(f"{name} (no kernelspec; for xpython: pip install xeus-python)")
            continue
        chosen.append(SpecKernel(name))
    return chosen, skipped


ORDER = ["start-to-ready", "execute->reply p50", "execute->reply p99", "execute->idle p50",
         "execute->idle p99", "throughput (exec/s)", "heartbeat p50", "interrupt",
         "1 MB output", "RSS after executes"]
UNITS = {"throughput (exec/s)": "/s", "RSS after executes": "MB"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument("--kernels", default="llmspell-lua,llmspell-gateway,python3,xpython")
    parser.add_argument("--executes", type=int, help="timed trivial executes per kernel")
    args = parser.parse_args()
    executes = args.executes or (1000 if args.quick else 10000)
    starts, repeats, pings = (3, 3, 200) if args.quick else (7, 7, 1000)
    setup_root()
    use_compiled_bytecode()
    try:
        kernels, skipped = kernels_to_run(args.kernels.split(","))
        print(f"{executes} trivial executes per kernel, start/interrupt/1 MB: median of "
              f"{starts}/{repeats}/{repeats}, {pings} heartbeats; "
              f"Python {sys.version.split()[0]}, pid {os.getpid()}")
        for note in skipped:
            print(f"skipped: {note}")
        results = {}
        for kernel in kernels:
            print(f"... {kernel.name}", file=sys.stderr, flush=True)
            try:
                results[kernel.name] = measure(kernel, executes, starts, repeats, pings)
            except Exception as exc:  # noqa: BLE001 - report, go on with the other kernels
                print(f"{kernel.name}: failed: {type(exc).__name__}: {exc}")
                if os.environ.get("BENCH_DEBUG"):
                    import traceback
                    traceback.print_exc()
        names = list(results)
        width = max([len(n) for n in names] + [10]) + 2
        print(f"\n{'metric (ms unless noted)':28}" + "".join(f"{n:>{width}}" for n in names))
        for metric in ORDER:
            label = metric + (f" ({UNITS[metric]})" if metric in UNITS and "/s" not in
                              metric else "")
            row = "".join(_cell(results[n].get(metric, NA), width, _digits(metric))
                          for n in names)
            print(f"{label:28}{row}")
        for name in ("llmspell-gateway", "llmspell-lua"):  # the targets: gateway mode
            if name not in results:
                continue
            ratio = ""
            if "python3" in results:
                times = (results["python3"].get("execute->idle p50", NA)
                         / results[name].get("execute->idle p50", NA))
                ratio = f" (execute->idle {times:.1f}x faster than ipykernel in this run)"
            print(f"\n{name} against the targets{ratio}:")
            for metric, (limit, unit) in TARGETS.items():
                value = results[name].get(metric, NA)
                verdict = "ok" if value <= limit else "MISSED"
                print(f"  {metric:22} {value:8.2f} {unit}  (target <= {limit:g} {unit}) {verdict}")
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    return 0


def _cell(value: float, width: int, digits: int) -> str:
    return f"{'n/a':>{width}}" if math.isnan(value) else f"{value:>{width}.{digits}f}"


def _digits(metric: str) -> int:
    return 0 if "throughput" in metric else (1 if "RSS" in metric or "start" in metric else 3)


if __name__ == "__main__":
    sys.exit(main())
