"""Socket activation (sd_listen_fds(3)): adopt listening sockets passed by systemd.

The protocol is parsed here (it is tiny) rather than through systemd-python,
which is an optional dependency; the semantics match ``sd_listen_fds_with_names``:
fds start at 3, only when ``LISTEN_PID`` is our pid, and each gets FD_CLOEXEC.
Call ``clean_activation_env()`` once adopted, before spawning anything.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping, MutableMapping

LISTEN_FDS_START = 3
ACTIVATION_VARS = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
NOTIFY_VARS = ("NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC")


def listen_fds(environ: Mapping[str, str] | None = None) -> list[tuple[str, int]]:
    """Return ``[(name, fd), ...]`` passed to this process, in order.

    Unnamed fds are called ``unknown`` (as libsystemd does).  Returns [] when
    nothing was passed or the variables were meant for another process;
    raises ValueError when the names do not match the count.
    """
    env = os.environ if environ is None else environ
    try:
        if int(env.get("LISTEN_PID", "")) != os.getpid():
            return []
        count = int(env.get("LISTEN_FDS", ""))
    except ValueError:
        return []
    if count <= 0:
        return []
    names = env["LISTEN_FDNAMES"].split(":") if "LISTEN_FDNAMES" in env else ["unknown"] * count
    if len(names) != count:
        raise ValueError(f"LISTEN_FDNAMES has {len(names)} names for {count} fds")
    fds = []
    for offset, name in enumerate(names):
        fd = LISTEN_FDS_START + offset
        flags = fcntl.fcntl(fd, fcntl.F_GETFD)  # raises EBADF if systemd lied
        fcntl.fcntl(fd, fcntl.F_SETFD, flags | fcntl.FD_CLOEXEC)
        fds.append((name, fd))
    return fds


def listen_fds_by_name(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Return ``{name: fd}`` (``FileDescriptorName=`` of each socket unit).

    Raises ValueError when a name is passed twice: give each socket unit (or
    channel) its own ``FileDescriptorName=`` and use ``listen_fds()`` otherwise.
    """
    out: dict[str, int] = {}
    for name, fd in listen_fds(environ):
        if name in out:
            raise ValueError(f"socket activation passed fd name {name!r} twice")
        out[name] = fd
    return out


def clean_activation_env(
    environ: MutableMapping[str, str] | None = None, notify: bool = False
) -> None:
    """Remove LISTEN_* (and with *notify*, NOTIFY_SOCKET/WATCHDOG_*) from the env.

    Children must neither adopt our fds nor notify on our behalf.  A
    ``Notifier`` built before this call keeps working.
    """
    env = os.environ if environ is None else environ
    for key in ACTIVATION_VARS + (NOTIFY_VARS if notify else ()):
        env.pop(key, None)
