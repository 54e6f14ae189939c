"""Boot a real systemd as PID 1 in private namespaces, to test units for real.

    with BootedSystemd() as sd:
        sd.install_unit("x.service", text)
        sd.run(["systemctl", "start", "x.service"])

Isolation (nothing reaches the host):
- ``unshare --pid --mount --uts --ipc --cgroup --propagation private``; the
  network is shared, so host-side clients reach ``127.0.0.1`` ports directly.
- Before systemd runs, the bootstrap (PID 1 of the namespace) mounts fresh tmpfs
  on ``PRIVATE_TMPFS`` (/tmp, /run, /var/{tmp,lib,cache,log}, ...) and checks
  each is empty (systemd-tmpfiles would empty the host's /tmp otherwise; state,
  logs and DynamicUser dirs stay off the host disk).  It also makes ``/sys`` and
  ``/proc/sys`` read-only, hides ``/proc/swaps`` (no swapoff at shutdown), points
  ``/dev/console`` at ``console.log`` and ``/dev/kmsg`` at /dev/null (the host's
  dmesg stays clean) and mounts a cgroup2 tree rooted in a cgroup of our own.
- ``container=llmspell-test`` makes systemd skip host set-up (clock, kmod,
  umount/swapoff in systemd-shutdown).  Units come only from ``UNIT_PATH``: a
  whitelist of basic targets, journald and dbus copied to /run/systemd/system, plus
  what tests install; generators run from an empty directory.
- The unshare process dies with its parent (pdeathsig) and takes the namespace
  with it (``--kill-child``); ``shutdown()`` exits systemd, then SIGKILLs.  The
  next boot removes the empty cgroup and state dir such a killed run leaves.

``workdir`` is a scratch directory visible inside (``build/systemd-test/...``,
not /tmp, which is private inside); it is removed on shutdown, together with
``console.log`` (bootstrap errors), unless ``LLMSPELL_KEEP_SYSTEMD_TEST=1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

SYSTEMD = "/usr/lib/systemd/systemd"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = REPO / "build" / "systemd-test"
PRIVATE_TMPFS = (  # in this order: /var/log/journal is created inside the /var/log tmpfs
    "/tmp", "/run", "/var/tmp", "/var/lib", "/var/cache", "/var/log", "/var/log/journal",
    "/etc/systemd/system",
)
UNIT_PATH = "/run/systemd/transient:/etc/systemd/system:/run/systemd/system:/run/systemd/generator"
GENERATOR_DIR = "/run/llmspell-test/generators"  # empty unless a test puts one there
BASE_UNITS = (
    "sysinit.target basic.target sockets.target timers.target paths.target slices.target "
    "local-fs.target local-fs-pre.target swap.target multi-user.target shutdown.target "
    "umount.target final.target exit.target systemd-exit.service systemd-journald.service "
    "systemd-journald.socket systemd-journald-dev-log.socket"
)
OPTIONAL_UNITS = "dbus.socket dbus.service"  # systemd-run, busctl need the bus
BOOT_TARGET = """[Unit]
Description=llmspell test boot
Requires=basic.target
After=basic.target
Wants=systemd-journald.service dbus.socket
AllowIsolate=yes
"""
MANAGER_CONF = "[Manager]\nShowStatus=no\nDefaultTimeoutStartSec=20s\nDefaultTimeoutStopSec=10s\n"
JOURNALD_CONF = (
    "[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\n"
    "ForwardToConsole=no\nForwardToWall=no\n"
)
# Runs as PID 1 of the new namespaces; $1 = state dir (host path, visible inside).
BOOTSTRAP = r"""
set -eu
state=$1
mount --make-rprivate /
# Paths the tests need (the checkout, its venv, the Python) that lie under a directory
# about to be replaced by a tmpfs (e.g. a checkout in /tmp): held aside on a private
# tmpfs over an existing empty-enough directory, then bound back at the same path.
hold=""
if [ -n "$KEEP_PATHS" ]; then
    for d in /mnt /media /srv; do [ -d "$d" ] && { hold=$d; break; }; done
    [ -n "$hold" ] || { echo "bootstrap: no /mnt, /media or /srv to hold $KEEP_PATHS" >&2; exit 97; }
    mount -t tmpfs -o mode=0700 llmspell-hold "$hold"
    i=0
    for p in $KEEP_PATHS; do mkdir "$hold/$i"; mount --bind "$p" "$hold/$i"; i=$((i + 1)); done
fi
for d in $PRIVATE_TMPFS; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755,nosuid,nodev llmspell-test "$d"
    [ "$(stat -f -c %T "$d")" = tmpfs ] && [ -z "$(ls -A "$d")" ] \
        || { echo "bootstrap: $d is not a fresh tmpfs, refusing to boot" >&2; exit 97; }
done
chmod 1777 /tmp /var/tmp
i=0
for p in $KEEP_PATHS; do mkdir -p "$p"; mount --bind "$hold/$i" "$p"; i=$((i + 1)); done
mount -o remount,bind,ro /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] \
    || { echo "bootstrap: no private cgroup2 tree, refusing to boot" >&2; exit 97; }
mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
mount --bind "$state/empty" /proc/swaps
mount --bind "$state/console.log" /dev/console
mount --bind /dev/null /dev/kmsg
mkdir -p /run/systemd/system /run/systemd/system.conf.d /run/systemd/journald.conf.d \
    "$GENERATOR_DIR"
for u in $BASE_UNITS; do cp "/usr/lib/systemd/system/$u" /run/systemd/system/; done
for u in $OPTIONAL_UNITS; do
    [ ! -e "/usr/lib/systemd/system/$u" ] || cp "/usr/lib/systemd/system/$u" /run/systemd/system/
done
printf '%s' "$BOOT_TARGET" > /run/systemd/system/llmspell-test.target
printf '%s' "$MANAGER_CONF" > /run/systemd/system.conf.d/llmspell-test.conf
printf '%s' "$JOURNALD_CONF" > /run/systemd/journald.conf.d/llmspell-test.conf
printf 'llmspell-test' > /run/systemd/container
exec env -i container=llmspell-test SYSTEMD_UNIT_PATH="$UNIT_PATH" \
    SYSTEMD_GENERATOR_PATH="$GENERATOR_DIR" SYSTEMD_ENVIRONMENT_GENERATOR_PATH="$GENERATOR_DIR" \
    "$SYSTEMD" --system --unit=llmspell-test.target --log-target=journal --log-level=info
"""

def require_root() -> None:
    """Skip the calling test unless we can boot systemd (root, systemd installed)."""
    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root: boots systemd as PID 1 inside unshare namespaces")
    if not os.path.exists(SYSTEMD):
        pytest.skip(f"needs systemd at {SYSTEMD}")


def render_unit(name: str, **values: object) -> str:
    """tests/systemd/units/NAME with @PYTHON@, @SERVICES@ and @KEY@ (from *values*) filled."""
    text = (HERE / "units" / name).read_text()
    for key, value in {"PYTHON": sys.executable, "SERVICES": HERE / "services", **values}.items():
        text = text.replace(f"@{key}@", str(value))
    assert not re.search(r"@[A-Z_]+@", text), f"unfilled placeholder in {name}"
    return text


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (the namespace shares the host's network)."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class BootError(RuntimeError):
    """systemd did not boot, or the namespace misbehaved."""


def _cgroup2_root() -> Path:
    """The host's cgroup2 directory holding this process."""
    for mnt in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(f"{mnt}/cgroup.controllers"):
            break
    else:
        raise BootError("no cgroup2 hierarchy mounted")
    rel = next(line[3:] for line in Path("/proc/self/cgroup").read_text().splitlines()
               if line.startswith("0::"))
    return Path(mnt + rel.rstrip("/"))


def _remove_cgroup(path: Path, timeout: float = 5.0) -> None:
    """rmdir *path* and the cgroups systemd made below it, once their processes are gone."""
    deadline = time.monotonic() + timeout
    while path.exists():
        try:
            subs = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
            for sub in [*subs, path]:
                sub.rmdir()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _reap_stale(cgroup_parent: Path) -> None:
    """Remove what boots of dead test processes left (their parent was SIGKILLed)."""
    for state in BUILD.glob("*-*") if BUILD.exists() else ():
        if Path(f"/proc/{state.name.split('-')[0]}").exists():
            continue
        cgroup = cgroup_parent / f"llmspell-systemd-test.{state.name}"
        with contextlib.suppress(OSError):
            if cgroup.exists():
                _remove_cgroup(cgroup, timeout=0)
            shutil.rmtree(state)


class BootedSystemd:
    """A systemd booted as PID 1 of private namespaces; see the module docstring."""

    def __init__(self, boot_timeout: float = 30.0, extra_tmpfs: tuple[str, ...] = ()):
        """*extra_tmpfs*: more directories to make private (e.g. ``/etc/llmspell``);
        a missing one is created, empty, on the host as the mount point."""
        self.boot_timeout = boot_timeout
        self.tmpfs = PRIVATE_TMPFS + tuple(extra_tmpfs)
        self.state = BUILD / f"{os.getpid()}-{time.monotonic_ns()}"
        self.workdir = self.state / "work"
        self.console = self.state / "console.log"
        self.cgroup: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.pid1: int | None = None

    # -- life cycle -------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self.boot()
        except BaseException:
            self.shutdown()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def keep_paths(self) -> list[str]:
        """The checkout, the venv and the Python, where a private tmpfs would hide
        them (outermost paths only)."""
        wanted = sorted({str(REPO), sys.prefix, sys.base_prefix})
        hidden = [p for p in wanted if any(p == d or p.startswith(d + "/") for d in self.tmpfs)]
        return [p for p in hidden if not any(p.startswith(q + "/") for q in hidden if q != p)]

    def boot(self) -> None:
        """Start the namespace and wait until systemd reports ``running``."""
        cgroup_parent = _cgroup2_root()
        _reap_stale(cgroup_parent)
        self.workdir.mkdir(parents=True)
        (self.state / "empty").touch()
        self.console.touch()
        self.cgroup = cgroup_parent / f"llmspell-systemd-test.{self.state.name}"
        self.cgroup.mkdir()
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD": SYSTEMD,
               "PRIVATE_TMPFS": " ".join(self.tmpfs), "UNIT_PATH": UNIT_PATH,
               "GENERATOR_DIR": GENERATOR_DIR, "BASE_UNITS": BASE_UNITS,
               "OPTIONAL_UNITS": OPTIONAL_UNITS,
               "BOOT_TARGET": BOOT_TARGET, "MANAGER_CONF": MANAGER_CONF,
               "JOURNALD_CONF": JOURNALD_CONF, "KEEP_PATHS": " ".join(self.keep_paths())}
        # setpriv: die with this thread (pdeathsig); sh: move into our cgroup before
        # unshare creates the cgroup namespace rooted there.
        enter = 'echo $$ > "$0" && exec "$@"'
        with open(self.console, "ab") as out:
            self.proc = subprocess.Popen(
                ["setpriv", "--pdeathsig", "KILL", "sh", "-c", enter,
                 str(self.cgroup / "cgroup.procs"),
                 "unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc",
                 "--propagation", "private", "--uts", "--ipc", "--cgroup",
                 "sh", "-c", BOOTSTRAP, "bootstrap", str(self.state)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.boot_timeout
        self.pid1 = self._find_pid1(deadline)
        state = ""
        while time.monotonic() < deadline:
            self._check_alive()
            state = self.run(["systemctl", "is-system-running"], check=False, timeout=5).stdout
            state = state.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.1)
        if state != "running":
            failed = self.run(["systemctl", "--failed", "--no-legend"], check=False).stdout
            raise BootError(f"systemd is {state!r}; failed: {failed}\n{self.console_tail()}")

    def _find_pid1(self, deadline: float) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        while time.monotonic() < deadline:
            self._check_alive()
            pids = children.read_text().split()
            if pids:
                return int(pids[0])
            time.sleep(0.02)
        raise BootError("unshare did not fork PID 1")

    def _check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BootError(f"namespace exited with {self.proc.returncode}\n{self.console_tail()}")

    def console_tail(self, lines: int = 40) -> str:
        """Last lines of console.log: bootstrap output and /dev/console writes."""
        text = self.console.read_text(errors="replace") if self.console.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def shutdown(self, timeout: float = 20.0) -> None:
        """Exit systemd (stopping every unit); SIGKILL the namespace if it hangs."""
        if self.proc is not None:
            if self.proc.poll() is None and self.pid1 is not None:
                with contextlib.suppress(subprocess.SubprocessError):
                    self.run(["systemctl", "--no-block", "exit"], check=False, timeout=5)
                    self.proc.wait(timeout)
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if self.pid1 is not None:
                        os.kill(self.pid1, signal.SIGKILL)  # ends the whole pid namespace
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            self.proc = None
        if self.cgroup is not None and self.cgroup.exists():
            _remove_cgroup(self.cgroup)
        self.cgroup = None
        if not os.environ.get("LLMSPELL_KEEP_SYSTEMD_TEST"):
            shutil.rmtree(self.state, ignore_errors=True)
            with contextlib.suppress(OSError):
                BUILD.rmdir()  # only when no other boot uses it

    # -- inside the namespace ---------------------------------------------
    def run(self, cmd: list[str], check: bool = True, timeout: float = 30.0,
            input: str | None = None) -> subprocess.CompletedProcess:
        """Run *cmd* inside the namespaces (text output captured)."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "SYSTEMD_PAGER": "",
               "SYSTEMD_COLORS": "0", "SYSTEMD_UNIT_PATH": UNIT_PATH}
        full = ["nsenter", "--target", str(self.pid1), "--pid", "--mount", "--uts", "--ipc",
                "--", *cmd]
        proc = subprocess.run(full, env=env, input=input, capture_output=True, text=True,
                              timeout=timeout, check=False,
                              stdin=None if input is not None else subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
        return proc

    def write_file(self, path: str, text: str, mode: str = "0644") -> None:
        """Write *text* to *path* as seen inside the namespace."""
        self.run(["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"',
                  "sh", path, mode], input=text)

    def install_unit(self, name: str, text: str, reload: bool = True) -> None:
        """Put a unit (or ``x.service.d/y.conf`` drop-in) in /run/systemd/system."""
        self.write_file(f"/run/systemd/system/{name}", text)
        if reload:
            self.run(["systemctl", "daemon-reload"])

    def show(self, unit: str, *props: str) -> dict[str, str]:
        """``systemctl show -p ...`` as a dict."""
        out = self.run(["systemctl", "show", unit, *(f"--property={p}" for p in props)]).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, unit: str, timeout: float = 10.0, **expect: str) -> dict[str, str]:
        """Poll ``show()`` until every property equals *expect*; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            props = self.show(unit, *expect)
            if all(props.get(k) == v for k, v in expect.items()):
                return props
            if time.monotonic() > deadline:
                status = self.run(["systemctl", "status", "--lines=20", unit], check=False).stdout
                raise TimeoutError(f"{unit}: wanted {expect}, have {props}\n{status}")
            time.sleep(0.05)

    def wait_active(self, unit: str, timeout: float = 10.0) -> dict[str, str]:
        """Wait until *unit* is active."""
        return self.wait_for(unit, timeout, ActiveState="active")

    def journal(self, unit: str | None = None, *match: str) -> list[dict]:
        """Journal entries (``journalctl -o json``) of *unit* and/or matches."""
        args = ["journalctl", "--no-pager", "-o", "json", *(["-u", unit] if unit else []), *match]
        out = self.run(args, check=False).stdout
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
