#!/usr/bin/env python3
"""Run a notebook through a real llmspell kernel instance and print its outputs.

    python examples/run_notebook.py [NOTEBOOK] [--port P] [--existing FILE] [--output OUT]

1. starts an instance: ``llmspell kernel start --port P`` (P=0: the OS picks the five
   ports) writing its connection file into a private temporary directory;
2. executes every cell of NOTEBOOK (default: examples/tour.ipynb) through it with
   nbclient, a real Jupyter client, over the instance's TCP sockets;
3. prints each cell and its outputs (and writes the executed notebook to OUT if asked);
4. stops the instance cleanly: a shutdown_request, then checks that the process exited
   with status 0 and removed its connection file.

With ``--existing FILE`` it uses a running instance instead and leaves it running.
Exit status: 0 when every cell ran as expected, 1 when a cell failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

EXAMPLES = Path(__file__).resolve().parent
START_TIMEOUT = 30.0


class ExistingKernelManager(AsyncKernelManager):
    """A manager for a kernel someone else started: nbclient connects to it, never
    starts or stops it (we stop the instance ourselves, with a shutdown_request)."""

    @property
    def has_kernel(self) -> bool:
        return True

    async def _async_is_alive(self) -> bool:
        return True


def llmspell_exe() -> str:
    """The ``llmspell`` next to this Python (a venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "llmspell"
    return str(beside) if beside.exists() else (shutil.which("llmspell") or "llmspell")


def start_instance(port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    conn = workdir / "kernel.json"
    cmd = [llmspell_exe(), "kernel", "start", f"--port={port}", f"--connection-file={conn}"]
    print(f"$ {' '.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while not conn.exists():
        if proc.poll() is not None:
            raise SystemExit(f"the instance exited with status {proc.returncode} at start")
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise SystemExit("the instance did not write its connection file in time")
        time.sleep(0.02)
    return proc, conn


def stop_instance(proc: subprocess.Popen, conn: Path, kc) -> int:
    """shutdown_request on the control channel; then the process must exit by itself."""
    kc.shutdown()
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        print("the instance did not stop after shutdown_request: SIGTERM", file=sys.stderr)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
    print(f"instance stopped (exit status {code}); connection file "
          f"{'left behind!' if conn.exists() else 'removed'}")
    return 0 if code == 0 and not conn.exists() else 1


def show(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=1)


def print_outputs(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        n = cell.get("execution_count") or " "
        print(f"\nIn [{n}]: " + cell.source.replace("\n", "\n" + " " * (len(str(n)) + 7)))
        for out in cell.outputs:
            kind = out.output_type
            if kind == "stream":
                prefix = "[stderr] " if out.name == "stderr" else ""
                sys.stdout.write("".join(prefix + line for line in
                                         out.text.splitlines(keepends=True)))
            elif kind == "execute_result":
                print(f"Out[{out.execution_count}]: {out.data.get('text/plain', '')}")
            elif kind == "display_data":
                mime = next((m for m in ("text/markdown", "text/html", "application/json")
                             if m in out.data), "text/plain")
                print(f"[{mime}]\n{show(out.data[mime])}")
            elif kind == "error":
                print(f"{out.ename}: {out.evalue}")


def run(notebook: Path, connection_file: Path, output: Path | None):
    nb = nbformat.read(notebook, as_version=4)
    km = ExistingKernelManager(connection_file=str(connection_file))
    km.load_connection_file()
    client = NotebookClient(nb, km=km, timeout=60, startup_timeout=START_TIMEOUT,
                            kernel_name="llmspell-lua",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    if output:
        nbformat.write(nb, output)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", nargs="?", default=str(EXAMPLES / "tour.ipynb"))
    parser.add_argument("--port", type=int, default=0, help="base port of the instance")
    parser.add_argument("--existing", metavar="FILE", help="connection file of a running "
                        "instance to use (it is left running)")
    parser.add_argument("--output", metavar="OUT", help="write the executed notebook here")
    args = parser.parse_args(argv)
    notebook = Path(args.notebook)
    if not notebook.exists():
        parser.error(f"{notebook}: no such notebook")
    output = Path(args.output) if args.output else None

    if args.existing:
        try:
            nb = run(notebook, Path(args.existing), output)
        except CellExecutionError as exc:
            print(exc, file=sys.stderr)
            return 1
        print_outputs(nb)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="llmspell-notebook-"))
    os.chmod(workdir, 0o700)
    proc, conn = start_instance(args.port, workdir)
    status = 1
    try:
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient(connection_file=str(conn))
        kc.load_connection_file()
        try:
            nb = run(notebook, conn, output)
            print_outputs(nb)
            status = 0
        except CellExecutionError as exc:
            print(exc, file=sys.stderr)
        kc.start_channels()
        try:
            status |= stop_instance(proc, conn, kc)
        finally:
            kc.stop_channels()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
