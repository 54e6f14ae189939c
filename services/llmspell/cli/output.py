"""CLI output helpers: errors, JSON and plain tables."""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any


class CliError(Exception):
    """A user-facing failure: one line on stderr and an exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def print_table(rows: list[list[str]], headers: list[str]) -> None:
    """Columns sized to content; the last column is cut to the terminal width."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers) - 1)]
    total = shutil.get_terminal_size((120, 24)).columns
    last = max(20, total - sum(widths) - 2 * len(widths))
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        tail = str(row[-1])
        cells.append(tail if len(tail) <= last else tail[: last - 1] + "…")
        sys.stdout.write("  ".join(cells).rstrip() + "\n")


def load_config(args: dict):
    """The layered configuration, or a CliError (exit 2) naming the bad file and key."""
    from .. import config

    try:
        return config.load(args.get("--config"))
    except config.ConfigError as exc:
        raise CliError(f"configuration: {exc}", 2) from None
