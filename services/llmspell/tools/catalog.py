"""A cached catalog of the built-in tools' metadata, so that listing, describing and
searching tools imports no tool code (``llmspell tool list`` must start fast).

The catalog is keyed by the llmspell version and the size and mtime of every file
of the tools package, so any change to a tool rebuilds it. It lives in the user's
cache directory; where that is not writable (a hardened service) the catalog is
simply rebuilt in memory each time. A tool's code is imported on its first call.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Callable

from .. import __version__
from .base import Example, ToolContext, ToolSpec, declared

PACKAGE_DIR = Path(__file__).resolve().parent


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llmspell"


def source_key() -> str:
    """A digest of the tools package's files (path, size, mtime) and the version."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE_DIR)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:20]


def entry(spec: ToolSpec) -> dict:
    """A spec's catalog entry (plain JSON)."""
    return {"name": spec.name, "category": spec.category, "description": spec.description,
            "security_level": spec.security_level, "schema": spec.schema,
            "aliases": list(spec.aliases), "module": spec.run.__module__,
            "examples": [{"params": e.params, "description": e.description, "expect": e.expect,
                          "run": e.run} for e in spec.examples]}


class _LazyRun:
    """Imports the tool's module on first call, then calls the real function."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name
        self.__module__ = module
        self._fn: Callable[[dict, ToolContext], dict] | None = None

    def __call__(self, params: dict, ctx: ToolContext) -> dict:
        if self._fn is None:
            importlib.import_module(self.module)
            self._fn = next(s.run for s in declared() if s.name == self.name)
        return self._fn(params, ctx)


def spec_from_entry(data: dict) -> ToolSpec:
    """A ToolSpec whose code is imported on first use."""
    examples = [Example(e["params"], e["description"], e["expect"], e["run"])
                for e in data["examples"]]
    return ToolSpec(data["name"], data["category"], data["description"], data["security_level"],
                    data["schema"], _LazyRun(data["module"], data["name"]), examples,
                    tuple(data["aliases"]))


def load(key: str) -> list[ToolSpec] | None:
    """The cached specs for ``key``, or None when there is no usable cache."""
    try:
        data = json.loads((_cache_dir() / f"tools-{key}.json").read_text())
        return [spec_from_entry(item) for item in data]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(key: str, specs: list[ToolSpec]) -> None:
    """Write the catalog for ``key``; best effort (a read-only home is fine)."""
    from ..fileutil import atomic_write

    try:
        directory = _cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("tools-*.json"):
            old.unlink(missing_ok=True)
        blob = json.dumps([entry(s) for s in specs], separators=(",", ":")).encode()
        atomic_write(directory / f"tools-{key}.json", blob, mode=0o644)
    except OSError:
        pass
