"""The booted systemd must not touch the host: /tmp, mounts, cgroups, processes."""

import os
from pathlib import Path

from harness import BUILD, BootedSystemd, require_root

STOPPED_UNIT = """[Service]
ExecStart=/bin/sleep infinity
ExecStop=/bin/sh -c 'echo stopped > {flag}'
"""


def our_host_mounts() -> list[str]:
    return [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if " llmspell-test " in line]


def test_host_tmp_survives_boot_and_nothing_is_left():
    require_root()
    marker = Path("/tmp") / f"llmspell-systemd-marker-{os.getpid()}"
    marker.write_text("keep me")
    v1_init_scope = Path("/sys/fs/cgroup/systemd/init.scope")
    had_v1_scope = v1_init_scope.exists()
    flag = BUILD.parent / f"systemd-safety-{os.getpid()}.flag"
    try:
        with BootedSystemd() as sd:
            pid1, unshare_pid, cgroup = sd.pid1, sd.proc.pid, sd.cgroup
            # the namespace has its own, fresh /tmp (systemd-tmpfiles cannot reach ours)
            assert marker.read_text() == "keep me"
            assert sd.run(["test", "-e", str(marker)], check=False).returncode == 1
            sd.run(["touch", "/tmp/inside-only"])
            assert not Path("/tmp/inside-only").exists()
            for path in ("/tmp", "/run", "/var/tmp", "/var/log/journal"):
                fstype = sd.run(["findmnt", "-n", "-o", "FSTYPE", "--mountpoint", path]).stdout
                assert fstype.split()[-1] == "tmpfs", path
            assert not our_host_mounts(), "a namespace mount leaked to the host"
            # systemd knows it is in a container, and cannot write kernel-wide settings
            virt = sd.run(["systemd-detect-virt", "--container"]).stdout.strip()
            assert virt == "container-other"
            assert sd.run(["sh", "-c", "echo 1 > /proc/sys/vm/drop_caches"],
                          check=False).returncode != 0
            v2 = sd.run(["cat", "/proc/1/cgroup"]).stdout.splitlines()[-1]  # host's view
            assert v2.startswith("0::/") and v2.endswith(f"/{cgroup.name}/init.scope"), v2
            # units are stopped properly when the harness shuts systemd down
            sd.install_unit("sleeper.service", STOPPED_UNIT.format(flag=flag))
            sd.run(["systemctl", "start", "sleeper.service"])
            assert sd.run(["pgrep", "-x", "sleep"]).stdout.strip()
        assert flag.read_text() == "stopped\n"
        assert marker.read_text() == "keep me"
        assert not Path(f"/proc/{pid1}").exists() and not Path(f"/proc/{unshare_pid}").exists()
        assert not cgroup.exists() and not sd.state.exists()
        assert v1_init_scope.exists() == had_v1_scope
        assert not our_host_mounts()
    finally:
        marker.unlink(missing_ok=True)
        flag.unlink(missing_ok=True)
