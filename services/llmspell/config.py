"""Layered TOML configuration.

Layers, later wins: built-in defaults, ``/etc/llmspell/llmspell.toml``,
``~/.llmspell/llmspell.toml``, an explicit ``--config FILE``, then
``LLMSPELL_<SECTION>__<KEY>`` environment variables (values parsed as TOML
scalars, so ``LLMSPELL_RUNTIME__MAX_MEMORY=1000000`` is an int).

Every key is declared in ``SCHEMA``; an unknown key or a value of the wrong
type is a :class:`ConfigError` naming the source, the key and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_CONFIG = Path("/etc/llmspell/llmspell.toml")
ENV_PREFIX = "LLMSPELL_"


def user_home(environ: Any = None) -> Path:
    """The per-user llmspell directory (``~/.llmspell``, or ``$LLMSPELL_HOME``)."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("LLMSPELL_HOME") or Path.home() / ".llmspell")


# section -> key -> (type or tuple of types, default, description)
SCHEMA: dict[str, dict[str, tuple[Any, Any, str]]] = {
    "runtime": {
        "max_memory": (int, 256 * 1024 * 1024, "Lua memory cap in bytes (0 = unlimited)"),
        "execution_timeout": ((int, float), 0, "seconds before a running chunk is interrupted (0 = none)"),
    },
    "paths": {
        "state_dir": (str, "", "state directory (default ~/.llmspell/state or $STATE_DIRECTORY)"),
        "runtime_dir": (str, "", "runtime files (default $XDG_RUNTIME_DIR/llmspell or ~/.llmspell/run)"),
        "log_dir": (str, "", "log directory (default ~/.llmspell/logs or $LOGS_DIRECTORY)"),
    },
    "kernel": {
        "ip": (str, "127.0.0.1", "address the Jupyter channels bind to when --ip is not given"),
        "shutdown_grace": ((int, float), 5.0, "seconds running code may finish on shutdown"),
        "state_save_interval": ((int, float), 60.0, "seconds between periodic state saves (0 = off)"),
        "history_size": (int, 1000, "executions kept in history"),
    },
    "tools": {
        "allowed_paths": (list, [], "roots file tools may touch (empty: the working directory)"),
        "max_file_size": (int, 10 * 1024 * 1024, "largest file a tool reads or writes, bytes"),
        "process_allowlist": (list, ["echo", "ls", "cat", "date", "uname", "whoami", "pwd",
                                     "wc", "head", "tail", "grep", "sort", "true", "false"],
                              "programs process-executor may run"),
        "process_timeout": ((int, float), 10.0, "seconds before a child process is killed"),
        "max_output": (int, 1024 * 1024, "bytes of process output kept"),
        "http_timeout": ((int, float), 10.0, "seconds for one HTTP request"),
        "http_max_bytes": (int, 5 * 1024 * 1024, "largest HTTP response body read"),
        "http_max_redirects": (int, 5, "redirects followed"),
        "allow_link_local": (bool, False, "let network tools reach link-local/metadata addresses"),
        "blocked_hosts": (list, [], "host names or IPs network tools refuse"),
        "timeout": ((int, float), 30.0, "seconds a tool invocation may run"),
    },
    "logging": {
        "level": (str, "info", "debug, info, warning or error"),
        "log_dir": (str, "", "directory of rotated logs (default: paths.log_dir)"),
        "max_log_size": (str, "10MB", "rotate when the current file reaches this size"),
        "max_log_age_days": ((int, float), 7, "rotate and expire files older than this"),
        "keep": (int, 10, "rotated files kept"),
        "compress_rotated_logs": (bool, True, "gzip rotated files"),
        "log_format": (str, "compact", "compact or json"),
    },
}

CHOICES = {
    ("logging", "level"): ("debug", "info", "warning", "error"),
    ("logging", "log_format"): ("compact", "json"),
}


class ConfigError(ValueError):
    """A configuration source is unreadable or holds a bad key or value."""


def _type_name(expected: Any) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    names = {int: "integer", float: "number", str: "string", bool: "boolean", list: "array"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _check(source: str, section: str, key: str, value: Any) -> Any:
    """Validate one value against the schema; return it."""
    if section not in SCHEMA:
        raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
    if key not in SCHEMA[section]:
        raise ConfigError(f"{source}: unknown key '{section}.{key}' "
                          f"(known: {', '.join(SCHEMA[section])})")
    expected = SCHEMA[section][key][0]
    types = expected if isinstance(expected, tuple) else (expected,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        raise ConfigError(f"{source}: '{section}.{key}' must be {_type_name(expected)}, "
                          f"got {type(value).__name__} {value!r}")
    if isinstance(value, list) and not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{source}: '{section}.{key}' must be an array of strings, "
                          f"got {value!r}")
    choices = CHOICES.get((section, key))
    if choices and value not in choices:
        raise ConfigError(f"{source}: '{section}.{key}' must be one of {', '.join(choices)}, "
                          f"got {value!r}")
    return value


def _parse_file(path: Path) -> dict[str, dict[str, Any]]:
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    for section, table in data.items():
        if section not in SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{section}' must be a [section] table")
        for key, value in table.items():
            _check(str(path), section, key, value)
    return data


def _parse_env(environ: dict[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        import tomllib  # only when an override exists: start-up stays cheap
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        try:
            parsed = tomllib.loads(f"v = {raw}")
            value = parsed["v"] if len(parsed) == 1 else raw
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        expected = SCHEMA.get(section, {}).get(key, (None,))[0]
        if expected is str and not isinstance(value, str):
            value = raw  # a string key takes the text as written (e.g. max_log_size=100)
        out.setdefault(section, {})[key] = _check(f"environment {name}", section, key, value)
    return out


@dataclass
class Config:
    """Resolved configuration: ``values[section][key]`` plus where each layer came from."""

    values: dict[str, dict[str, Any]]
    sources: list[str] = field(default_factory=list)

    def get(self, dotted: str, default: Any = None) -> Any:
        """Value of ``section.key`` (or a whole section as a dict), else ``default``."""
        section, _, key = dotted.partition(".")
        table = self.values.get(section)
        if table is None:
            return default
        if not key:
            return dict(table)
        return table.get(key, default)

    def digest(self) -> str:
        """A short stable hash of the values, to tell configurations apart."""
        blob = json.dumps(self.values, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def path(self, name: str) -> Path:
        """A resolved directory: ``state_dir``, ``runtime_dir`` or ``log_dir``."""
        configured = self.values["paths"].get(name) or ""
        if configured:
            return Path(configured).expanduser()
        systemd_var = {"state_dir": "STATE_DIRECTORY", "runtime_dir": "RUNTIME_DIRECTORY",
                       "log_dir": "LOGS_DIRECTORY"}[name]
        if os.environ.get(systemd_var):
            return Path(os.environ[systemd_var].split(":")[0])
        if name == "runtime_dir" and os.environ.get("XDG_RUNTIME_DIR"):
            return Path(os.environ["XDG_RUNTIME_DIR"]) / "llmspell"
        return user_home() / {"state_dir": "state", "runtime_dir": "run", "log_dir": "logs"}[name]


def defaults() -> dict[str, dict[str, Any]]:
    """The built-in default values, as fresh copies."""
    return {s: {k: json.loads(json.dumps(spec[1])) for k, spec in keys.items()}
            for s, keys in SCHEMA.items()}


def load(explicit: str | os.PathLike | None = None,
         environ: dict[str, str] | None = None,
         system_file: Path = SYSTEM_CONFIG) -> Config:
    """Build the layered configuration; raise :class:`ConfigError` on any bad layer."""
    environ = os.environ if environ is None else environ
    values = defaults()
    sources = ["defaults"]
    files = [system_file, user_home(environ) / "llmspell.toml"]
    layers = [(p, _parse_file(p)) for p in files if p.is_file()]
    if explicit is not None:
        layers.append((Path(explicit), _parse_file(Path(explicit))))
    for path, data in layers:
        for section, table in data.items():
            values[section].update(table)
        sources.append(str(path))
    env = _parse_env(environ)
    for section, table in env.items():
        values[section].update(table)
    if env:
        sources.append("environment")
    return Config(values, sources)


def template() -> str:
    """A commented TOML file listing every key with its default, for ``config init``."""
    lines = ["# llmspell configuration. Every key is optional; shown values are defaults.", ""]
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for key, (_, default, doc) in keys.items():
            lines.append(f"# {doc}")
            lines.append(f"# {key} = {_toml_value(default)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value)
