"""Command line and ``[logging]`` config of llmspell-logrotate: flags win over config."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROG = "llmspell-logrotate"

USAGE = """Write standard input to size- and age-rotated log files, never dropping a line.

Usage:
  llmspell-logrotate [options]
  llmspell-logrotate -h | --help
  llmspell-logrotate --version

Options:
  --dir=DIR           Log directory (config logging.log_dir, else paths.log_dir).
  --name=NAME         Files are DIR/NAME.log and DIR/NAME.<UTC time>.log[.gz]
                      [default: llmspell].
  --max-size=SIZE     Rotate before a file would pass SIZE: 512KB, 10MB, 1GB;
                      0 = never (config logging.max_log_size).
  --max-age=AGE       Rotate a file once it is AGE old: 30m, 12h, 7d, 2w;
                      0 = never (config logging.max_log_age_days).
  --keep=N            Rotated files kept; files older than N*AGE go too;
                      0 = keep all (config logging.keep).
  --compress          Gzip rotated files in the background
                      (config logging.compress_rotated_logs).
  --no-compress       Leave rotated files uncompressed.
  --timestamp         Stamp each line with its arrival time (ISO-8601 UTC).
  --format=FORMAT     compact (plain lines) or json (one object per line)
                      (config logging.log_format).
  --buffer-size=SIZE  Data held while writes fail before input is paused
                      [default: 16MB].
  --config=FILE       Also read the [logging] section of FILE.
  -h --help           Show this help.
  --version           Show the version.

Signals: SIGHUP or SIGUSR1 rotate now; SIGTERM or SIGINT write what is held and exit 0.
"""

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
          "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
FORMATS = ("compact", "json")
MIN_BUFFER = 4096


class UsageError(Exception):
    """A user error: reported as one line on stderr, exit status 2."""


@dataclass(frozen=True)
class Settings:
    """Everything the rotator needs, resolved and checked."""

    directory: Path
    name: str
    max_size: int        # bytes, 0 = no size limit
    max_age: float       # seconds, 0 = no age limit
    keep: int            # rotated files kept, 0 = all
    compress: bool
    timestamp: bool
    fmt: str
    buffer_size: int


def parse_size(text: str, what: str = "SIZE") -> int:
    """Bytes in ``10MB``, ``512KB``, ``1.5GB``, ``4096`` (K/M/G are powers of 1024)."""
    match = _NUMBER_UNIT.match(str(text))
    unit = match.group(2).lower() if match else None
    if unit not in _UNITS:
        raise UsageError(f"{what}: bad size {text!r} (use e.g. 512KB, 10MB, 1GB)")
    return int(float(match.group(1)) * _UNITS[unit])


def parse_age(text: str, what: str = "AGE") -> float:
    """Seconds in ``45s``, ``30m``, ``12h``, ``7d``, ``2w``; a bare ``0`` means never."""
    match = _NUMBER_UNIT.match(str(text))
    if match and float(match.group(1)) == 0 and not match.group(2):
        return 0.0
    unit = match.group(2).lower() if match else None
    if unit not in _AGE_UNITS:
        raise UsageError(f"{what}: bad age {text!r} (use e.g. 30m, 12h, 7d)")
    return float(match.group(1)) * _AGE_UNITS[unit]


def _parse_argv(argv: list[str] | None) -> dict:
    import docopt

    from llmspell import __version__

    try:
        return dict(docopt.docopt(USAGE, argv, version=f"{PROG} {__version__}"))
    except docopt.DocoptExit as exc:
        raise UsageError(_explain(str(exc))) from None


def _explain(message: str) -> str:
    """docopt's complaint, as one readable line."""
    first = message.splitlines()[0] if message else "bad usage"
    options = re.findall(r"Option\(\S+, '([^']+)'", first)
    arguments = re.findall(r"Argument\(\S+, '([^']*)'\)", first)
    if options:
        return f"unknown or repeated option {', '.join(options)} (see --help)"
    if arguments:
        return f"unexpected argument {', '.join(map(repr, arguments))} (see --help)"
    return f"{first} (see --help)"


def _whole_number(text: str, what: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise UsageError(f"{what}: expected a whole number >= 0, got {text!r}")
    return value


def resolve(argv: list[str] | None = None) -> Settings:
    """Parse ``argv`` and merge the ``[logging]`` config; raise :class:`UsageError`."""
    args = _parse_argv(argv)
    if args["--compress"] and args["--no-compress"]:
        raise UsageError("--compress and --no-compress exclude each other")
    from llmspell import config

    try:
        cfg = config.load(args["--config"])
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None

    def pick(flag: str, key: str):
        if args[flag] is not None:
            return args[flag], flag
        return cfg.get(f"logging.{key}"), f"config logging.{key}"

    size, size_src = pick("--max-size", "max_log_size")
    if args["--max-age"] is not None:
        max_age = parse_age(args["--max-age"], "--max-age")
    else:
        max_age = float(cfg.get("logging.max_log_age_days")) * 86400
        if max_age < 0:
            raise UsageError("config logging.max_log_age_days must be >= 0")
    keep, keep_src = pick("--keep", "keep")
    fmt, fmt_src = pick("--format", "log_format")
    if fmt not in FORMATS:
        raise UsageError(f"{fmt_src}: expected compact or json, got {fmt!r}")
    if args["--compress"] or args["--no-compress"]:
        compress = bool(args["--compress"])
    else:
        compress = bool(cfg.get("logging.compress_rotated_logs"))
    directory = args["--dir"] or cfg.get("logging.log_dir") or cfg.path("log_dir")
    name = args["--name"]
    if not name or "/" in name or name.startswith(".") or "\0" in name:
        raise UsageError(f"--name: {name!r} must be a plain file name (no '/', not hidden)")
    buffer_size = parse_size(args["--buffer-size"], "--buffer-size")
    if buffer_size < MIN_BUFFER:
        raise UsageError(f"--buffer-size: must be at least {MIN_BUFFER} bytes")
    return Settings(
        directory=Path(os.path.expanduser(str(directory))),
        name=name,
        max_size=parse_size(size, size_src),
        max_age=max_age,
        keep=_whole_number(keep, keep_src),
        compress=compress,
        timestamp=bool(args["--timestamp"]),
        fmt=fmt,
        buffer_size=buffer_size,
    )
