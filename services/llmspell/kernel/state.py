"""Scoped key/value state of a kernel instance, persisted as one JSON file.

Writes are atomic (temp file, fsync, rename); ``save`` writes only when something
changed, so callers may call it after every execution.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ..fileutil import atomic_write, ensure_private_dir

DEFAULT_SCOPE = "global"
FORMAT_VERSION = 1


class StateError(ValueError):
    """The state file is unreadable, or a key/value is not acceptable."""


class StateStore:
    """Scopes of JSON values, plus a ``meta`` dict for the kernel's own counters."""

    def __init__(self, path: Path | None):
        self.path = path
        self.scopes: dict[str, dict[str, Any]] = {}
        self.meta: dict[str, Any] = {}
        self._dirty = False
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
            scopes = data["scopes"]
            if not isinstance(scopes, dict):
                raise TypeError("scopes is not an object")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(f"{path}: unreadable state file ({exc}); move it away to start "
                             "with empty state") from None
        self.scopes = scopes
        self.meta = data.get("meta", {})

    def get(self, key: str, scope: str | None = None) -> Any:
        return self.scopes.get(scope or DEFAULT_SCOPE, {}).get(_key(key))

    def set(self, key: str, value: Any, scope: str | None = None) -> None:
        """Store a JSON-able value; ``None`` deletes the key."""
        if value is None:
            self.delete(key, scope)
            return
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise StateError(f"State.set: value for '{key}' is not storable: {exc}") from None
        with self._lock:
            self.scopes.setdefault(scope or DEFAULT_SCOPE, {})[_key(key)] = value
            self._dirty = True

    def delete(self, key: str, scope: str | None = None) -> bool:
        with self._lock:
            found = self.scopes.get(scope or DEFAULT_SCOPE, {}).pop(_key(key), None) is not None
            self._dirty |= found
            return found

    def keys(self, scope: str | None = None) -> list[str]:
        return sorted(self.scopes.get(scope or DEFAULT_SCOPE, {}))

    def update_meta(self, **values: Any) -> None:
        with self._lock:
            self.meta.update(values)
            self._dirty = True

    def clear(self) -> None:
        with self._lock:
            self.scopes, self._dirty = {}, True

    def save(self, force: bool = False) -> bool:
        """Write the file if anything changed (or ``force``); True if written."""
        if self.path is None or not (self._dirty or force):
            return False
        with self._lock:
            blob = json.dumps({"version": FORMAT_VERSION, "scopes": self.scopes,
                               "meta": self.meta}, indent=1, sort_keys=True).encode()
            self._dirty = False
        ensure_private_dir(self.path.parent)
        atomic_write(self.path, blob)
        return True


def _key(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise StateError("State: key must be a non-empty string")
    return key
