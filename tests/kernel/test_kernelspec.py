"""``llmspell kernelspec install`` (the real CLI) and what Jupyter makes of the result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kernel_kit import CLI_EXE, KERNEL_NAME, kernel_env

JUPYTER = str(Path(sys.executable).parent / "jupyter")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, env=env,
                          check=False)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = kernel_env(tmp_path / "home")
    for name in ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "XDG_DATA_HOME"):
        env.pop(name, None)
    env.update(extra)
    return env


def _listed(env: dict[str, str]) -> dict:
    done = _run(JUPYTER, "kernelspec", "list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["kernelspecs"]


def test_install_user_is_listed_by_jupyter(tmp_path):
    env = _env(tmp_path, JUPYTER_DATA_DIR=str(tmp_path / "data"))
    done = _run(CLI_EXE, "kernelspec", "install", "--user", env=env)
    assert done.returncode == 0, done.stderr
    spec_dir = tmp_path / "data" / "kernels" / KERNEL_NAME
    assert str(spec_dir) in done.stdout
    listed = _listed(env)[KERNEL_NAME]
    assert Path(listed["resource_dir"]) == spec_dir
    spec = listed["spec"]
    assert spec["display_name"] == "Lua (llmspell)"
    assert spec["language"] == "lua"
    assert spec["interrupt_mode"] in ("message", "signal")
    assert spec["argv"][-2:] == ["-f", "{connection_file}"]
    assert Path(spec["argv"][0]).exists()
    for logo in ("logo-32x32.png", "logo-64x64.png"):
        assert (spec_dir / logo).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_default_is_user_dir_and_reinstall_replaces(tmp_path):
    env = _env(tmp_path, XDG_DATA_HOME=str(tmp_path / "xdg"))
    spec_dir = tmp_path / "xdg" / "jupyter" / "kernels" / KERNEL_NAME
    assert _run(CLI_EXE, "kernelspec", "install", env=env).returncode == 0
    (spec_dir / "kernel.json").write_text("{}")
    (spec_dir / "stale.txt").write_text("old")
    done = _run(CLI_EXE, "kernelspec", "install", "--format=json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == str(spec_dir)
    assert json.loads((spec_dir / "kernel.json").read_text())["language"] == "lua"
    assert not (spec_dir / "stale.txt").exists()
    assert sorted(p.name for p in spec_dir.parent.iterdir()) == [KERNEL_NAME]


def test_install_prefix_found_through_jupyter_path(tmp_path):
    prefix = tmp_path / "prefix"
    env = _env(tmp_path, JUPYTER_DATA_DIR=str(tmp_path / "empty"))
    done = _run(CLI_EXE, "kernelspec", "install", f"--prefix={prefix}", env=env)
    assert done.returncode == 0, done.stderr
    assert KERNEL_NAME not in _listed(env)
    env["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    assert KERNEL_NAME in _listed(env)


def test_sys_prefix_target():
    from llmspell.cli.kernelspec_cmd import kernels_dir

    assert kernels_dir({"--sys-prefix": True}) == Path(sys.prefix) / "share/jupyter/kernels"


def test_install_refused_reports_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = _run(CLI_EXE, "kernelspec", "install", f"--prefix={blocker}", env=_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.startswith("error: cannot install the kernelspec in ")
    assert len(done.stderr.strip().splitlines()) == 1
