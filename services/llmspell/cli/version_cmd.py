"""``llmspell version``: version, git commit, Lua and dependency versions."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .. import __version__
from .output import print_json

DEPENDENCIES = ("lupa", "pyzmq", "gevent", "docopt-ng", "pyjson5", "prompt_toolkit",
                "fastjsonschema", "sdnotify", "systemd-python")


def _git_commit() -> str | None:
    source = Path(__file__).resolve().parents[3]
    if not (source / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _versions() -> dict:
    found = {}
    for name in DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def run(args: dict) -> int:
    info = {"version": __version__}
    if args["--verbose"] or args["--format"] == "json":
        import lupa.lua54

        info.update(commit=_git_commit(), lua="%d.%d" % lupa.lua54.LuaRuntime().lua_version,
                    python=sys.version.split()[0], dependencies=_versions())
    if args["--format"] == "json":
        print_json(info)
        return 0
    sys.stdout.write(f"llmspell {__version__}\n")
    if args["--verbose"]:
        sys.stdout.write(f"commit: {info['commit'] or 'unknown'}\nLua: {info['lua']}\n"
                         f"Python: {info['python']}\n")
        for name, version in info["dependencies"].items():
            sys.stdout.write(f"{name}: {version or 'not installed'}\n")
    return 0
