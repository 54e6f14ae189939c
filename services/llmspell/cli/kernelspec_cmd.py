"""``llmspell kernelspec install``: register the ``llmspell-lua`` Jupyter kernel.

Writes ``<kernels dir>/llmspell-lua/kernel.json`` plus the logos, so that
``jupyter kernelspec list``, ``KernelManager(kernel_name="llmspell-lua")``,
``jupyter console --kernel llmspell-lua``, nbclient and JupyterLab can start it.
The kernel is started as ``<this python> -m llmspell.kernel.main -f {connection_file}``
(the same code as ``llmspell-kernel``), so it works without the venv activated.

Where (the directories jupyter_core searches; jupyter_client is not imported):
  --user          $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else
                  ~/.local/share/jupyter (the default)
  --sys-prefix    sys.prefix/share/jupyter (the venv or conda env of this llmspell)
  --prefix=DIR    DIR/share/jupyter (add DIR/share/jupyter to JUPYTER_PATH)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

from .output import CliError, print_json

KERNEL_NAME = "llmspell-lua"
DISPLAY_NAME = "Lua (llmspell)"
LOGOS = ("logo-32x32.png", "logo-64x64.png")


def kernel_json(python: str | None = None) -> dict:
    """The kernel.json of the llmspell-lua kernelspec."""
    return {
        "argv": [python or sys.executable, "-m", "llmspell.kernel.main", "-f",
                 "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "lua",
        # interrupt_request on the control channel: works through the gateway and for
        # remote kernels too (the kernel also interrupts on SIGINT)
        "interrupt_mode": "message",
        "env": {},
        "metadata": {"debugger": False},
    }


def user_data_dir() -> Path:
    """Jupyter's per-user data directory on Linux (as jupyter_core computes it)."""
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"])
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "jupyter"


def kernels_dir(args: dict) -> Path:
    if args.get("--prefix"):
        return Path(args["--prefix"]).expanduser().resolve() / "share" / "jupyter" / "kernels"
    if args.get("--sys-prefix"):
        return Path(sys.prefix) / "share" / "jupyter" / "kernels"
    return user_data_dir() / "kernels"


def install(target_kernels: Path, name: str = KERNEL_NAME) -> Path:
    """Write the kernelspec directory (replacing an older one atomically); return it."""
    spec = kernel_json()
    target_kernels.mkdir(parents=True, exist_ok=True)
    final = target_kernels / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target_kernels))
    try:
        (staging / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
        logos = resources.files(__package__).joinpath("kernelspec")
        for logo in LOGOS:
            (staging / logo).write_bytes(logos.joinpath(logo).read_bytes())
        os.chmod(staging, 0o755)
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def run(args: dict) -> int:
    target = kernels_dir(args)
    try:
        path = install(target)
    except OSError as exc:
        hint = " (try --user)" if isinstance(exc, PermissionError) else ""
        raise CliError(f"cannot install the kernelspec in {target}: "
                       f"{exc.strerror or exc}{hint}", 1) from None
    if args.get("--format") == "json":
        print_json({"name": KERNEL_NAME, "path": str(path), "spec": kernel_json()})
    else:
        sys.stdout.write(f"installed kernelspec {KERNEL_NAME} in {path}\n")
        if args.get("--prefix"):
            sys.stdout.write(f"(Jupyter finds it with JUPYTER_PATH={path.parent.parent})\n")
    return 0
