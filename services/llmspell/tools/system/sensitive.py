"""Which environment variables look secret, shared by environment-reader and process-executor."""

from __future__ import annotations

import re

MASK = "***"

# Substrings of upper-cased names that mark a value as secret ("PWD" is left out:
# it is the working directory, not a password).
SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "CREDENTIAL",
                  "PRIVATE", "AUTH", "SESSION", "COOKIE", "SIGNATURE", "SALT", "DSN", "CERT")

# URLs with a password in them (postgres://user:pw@host) are secret whatever the name.
_URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@")


def is_secret_name(name: str) -> bool:
    """True when the variable name contains a secret marker (case-insensitive)."""
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def masked(name: str, value: str) -> tuple[str, bool]:
    """(value to show, whether it was masked): secret-looking names and URLs with
    passwords are replaced by ``***``."""
    if is_secret_name(name) or _URL_WITH_PASSWORD.search(value):
        return MASK, True
    return value, False
