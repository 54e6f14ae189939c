"""Configuration reload (SIGUSR1) for a running kernel.

The file (and environment) are read again and compared with the running values.
Keys that a running kernel can take at once are applied in place, into the one
``Config`` object the engine, the Lua ``Config`` API and the daemon all read:
the log level, the limits (``runtime.execution_timeout``, ``kernel.*`` timings and
sizes) and the tool settings. Others (paths, bind address, the memory cap of the
live Lua state, ``tools.allowed_paths``, the log rotator's settings) keep their
running value and are reported as needing a restart. A file that does not load
changes nothing.
"""

from __future__ import annotations

import logging

from .. import config as config_mod
from ..tools.base import ToolSettings

log = logging.getLogger("llmspell.kernel")

LIVE_KEYS = {"logging.level", "runtime.execution_timeout", "kernel.shutdown_grace",
             "kernel.state_save_interval", "kernel.history_size"}
LIVE_SECTIONS = {"tools"}
RESTART_KEYS = {"tools.allowed_paths"}


def _live(key: str) -> bool:
    return key not in RESTART_KEYS and (key in LIVE_KEYS or key.split(".")[0] in LIVE_SECTIONS)


def reload(running: config_mod.Config, explicit: str | None, engine) -> bool:
    """Re-read the configuration into ``running``; False (and nothing changed) if it
    does not load. Logs what was applied and what needs a restart."""
    try:
        fresh = config_mod.load(explicit)
    except config_mod.ConfigError as exc:
        log.error("configuration reload rejected, running configuration kept: %s", exc)
        return False
    changed = sorted(f"{section}.{key}" for section, table in fresh.values.items()
                     for key, value in table.items() if running.values[section].get(key) != value)
    applied = [key for key in changed if _live(key)]
    for key in applied:
        section, _, name = key.partition(".")
        running.values[section][name] = fresh.values[section][name]
    if "logging.level" in applied:
        logging.getLogger().setLevel(running.get("logging.level").upper())
    if any(key.startswith("tools.") for key in applied):
        settings = ToolSettings.from_config(running.get("tools"))
        settings.allowed_paths = engine.tools.context.settings.allowed_paths
        engine.tools.context.settings = settings
    restart = [key for key in changed if key not in applied]
    log.info("configuration reloaded (%s): %s%s", ", ".join(fresh.sources),
             "applied " + ", ".join(f"{k}={running.get(k)!r}" for k in applied)
             if applied else "nothing to apply",
             f"; needs a restart: {', '.join(restart)}" if restart else "")
    return True
