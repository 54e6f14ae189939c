"""``llmspell run`` and ``llmspell exec``: Lua in the in-process kernel's engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .output import CliError, load_config


def make_kernel(args: dict):
    """An in-process kernel whose file tools default to the working directory."""
    from ..kernel.engine import ExecutionEngine
    from ..kernel.inprocess import InProcessKernel
    from ..kernel.state import StateError

    try:
        engine = ExecutionEngine(load_config(args), instance_id="cli", default_paths=[os.getcwd()])
    except StateError as exc:
        raise CliError(str(exc), 2) from None
    return InProcessKernel(engine)


def run(args: dict) -> int:
    kernel = make_kernel(args)
    engine = kernel.engine
    if args["run"]:
        script = Path(args["SCRIPT"])
        if not script.is_file():
            raise CliError(f"{script}: no such script", 2)
        engine.session.set_args(str(script), args["ARGS"])
        try:
            code = script.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{script}: cannot read: {exc}", 2) from None
        if code.startswith("#!"):
            code = "--" + code
        name = f"@{script}"
    else:
        code, name = args["CODE"], "=exec"
    try:
        result = engine.execute(code, name=name, io=_console_io())
    finally:
        engine.save_state()
    if result.result.ok:
        if result.result.text is not None and args["exec"]:
            sys.stdout.write(result.result.text + "\n")
        return 0
    failure = result.result.failure
    sys.stdout.flush()
    sys.stderr.write(f"error: {failure.ename}: {failure.evalue}\n")
    if args["--traceback"]:
        sys.stderr.write("\n".join(failure.traceback[1:]) + "\n")
    return 1


def _console_io():
    from ..kernel.lua_api import ConsoleIO

    return ConsoleIO()
