"""Options, config, usage errors, the directory lock: through the real executable."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import pytest
from llmspell import __version__
from logrotate_helpers import ROTATOR, all_content, clean_env, content, log_files, run
from process_kit import wait_for


def test_help_lists_every_option(home):
    result = run(["--help"], home)
    assert result.returncode == 0
    for option in ("--dir", "--name", "--max-size", "--max-age", "--keep", "--compress",
                   "--no-compress", "--timestamp", "--format", "--buffer-size", "--config",
                   "SIGHUP", "SIGUSR1", "SIGTERM"):
        assert option in result.stdout.decode(), option


def test_version(home):
    result = run(["--version"], home)
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"llmspell-logrotate {__version__}"


@pytest.mark.parametrize("args, message", [
    (["--max-size=10XB"], "--max-size: bad size '10XB'"),
    (["--max-age=7"], "--max-age: bad age '7'"),
    (["--keep=-1"], "--keep: expected a whole number >= 0"),
    (["--keep=many"], "--keep: expected a whole number >= 0"),
    (["--format=xml"], "--format: expected compact or json"),
    (["--compress", "--no-compress"], "--compress and --no-compress exclude each other"),
    (["--frobnicate"], "unknown or repeated option --frobnicate"),
    (["stray"], "unexpected argument 'stray'"),
    (["--max-size"], "--max-size requires argument"),
    (["--buffer-size=100"], "--buffer-size: must be at least 4096 bytes"),
    (["--name=a/b"], "--name: 'a/b' must be a plain file name"),
    (["--name=.hidden"], "--name: '.hidden' must be a plain file name"),
])
def test_usage_errors_are_one_line_and_status_2(home, tmp_path, args, message):
    result = run([f"--dir={tmp_path / 'logs'}", *args], home, b"x\n")
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("llmspell-logrotate: ")
    assert message in stderr
    assert not (tmp_path / "logs").exists()


def test_bad_config_file_is_a_usage_error(home, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[logging]\nmax_log_size = 10\n')
    result = run([f"--config={config}", f"--dir={tmp_path}"], home)
    assert result.returncode == 2
    assert re.fullmatch(r"llmspell-logrotate: .*bad\.toml: 'logging\.max_log_size' must be "
                        r"string.*\n", result.stderr.decode())
    config.write_text('[logging]\nmax_log_size = "huge"\n')
    result = run([f"--config={config}", f"--dir={tmp_path}"], home)
    assert result.returncode == 2
    assert "config logging.max_log_size: bad size 'huge'" in result.stderr.decode()


def test_unwritable_directory(home, tmpfs):
    readonly = tmpfs("64k", ro=True)
    result = run([f"--dir={readonly / 'logs'}"], home, b"line\n")
    assert result.returncode == 2
    assert result.stderr.decode() == (f"llmspell-logrotate: cannot use log directory "
                                      f"{readonly / 'logs'}: Read-only file system\n")


def test_closed_stdin(home, tmp_path):
    result = subprocess.run(ROTATOR + [f"--dir={tmp_path}"], stdin=subprocess.DEVNULL,
                            capture_output=True, env=clean_env(home), check=False,
                            preexec_fn=lambda: os.close(0))
    assert result.returncode == 2
    assert result.stderr.decode() == "llmspell-logrotate: standard input is closed\n"


def test_second_rotator_on_same_directory_refuses(home, tmp_path, start):
    logs = tmp_path / "logs"
    first = start([f"--dir={logs}", "--no-compress"])
    wait_for(lambda: (logs / "llmspell.log").exists(), "the first rotator to start")
    result = run([f"--dir={logs}", "--name=other"], home, b"intruder\n")
    assert result.returncode == 2
    assert result.stderr.decode() == (f"llmspell-logrotate: another llmspell-logrotate "
                                      f"(PID {first.proc.pid}) already writes {logs}\n")
    first.send(b"still mine\n")
    assert first.finish() == 0
    assert all_content(logs) == b"still mine\n"
    assert not (logs / "other.log").exists()
    # once the first has exited, the directory is free again
    assert run([f"--dir={logs}", "--no-compress"], home, b"next\n").returncode == 0
    assert all_content(logs) == b"still mine\nnext\n"


def test_config_supplies_defaults(home, tmp_path):
    logs = tmp_path / "from-config"
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[logging]\nlog_dir = "{logs}"\nmax_log_size = "1KB"\nkeep = 2\n'
                      'compress_rotated_logs = false\nlog_format = "json"\n')
    data = b"".join(b"line %04d\n" % i for i in range(200))
    result = run([f"--config={config}"], home, data)
    assert result.returncode == 0, result.stderr
    files = log_files(logs)
    assert len(files) == 3  # keep=2 rotated + current
    assert all(p.suffix == ".log" for p in files)  # not compressed
    assert all(p.stat().st_size <= 1024 for p in files)
    records = [json.loads(line) for line in all_content(logs).splitlines()]
    assert records[-1] == {"line": "line 0199"}


def test_flags_win_over_config(home, tmp_path):
    logs = tmp_path / "from-flags"
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[logging]\nlog_dir = "{tmp_path / "unused"}"\nmax_log_size = "1KB"\n'
                      'compress_rotated_logs = false\nlog_format = "json"\nkeep = 1\n')
    data = b"".join(b"line %04d\n" % i for i in range(1000))
    result = run([f"--config={config}", f"--dir={logs}", "--max-size=2KB", "--format=compact",
                  "--compress", "--keep=0"], home, data)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "unused").exists()
    files = log_files(logs)
    assert len(files) == 5  # 10000 bytes in 2 KiB files, none deleted
    assert all(p.name.endswith(".log.gz") for p in files[:-1])
    assert all(1024 < len(content(p)) <= 2048 for p in files[:-1])
    assert all_content(logs) == data


def test_log_dir_defaults_to_paths_log_dir(home, tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text(f'[paths]\nlog_dir = "{tmp_path / "paths-logs"}"\n')
    assert run([f"--config={config}"], home, b"hello\n").returncode == 0
    assert (tmp_path / "paths-logs" / "llmspell.log").read_bytes() == b"hello\n"


def test_sigterm_before_any_input_exits_0(tmp_path, start):
    logs = tmp_path / "logs"
    rotator = start([f"--dir={logs}"])
    wait_for(lambda: (logs / "llmspell.log").exists(), "start-up")
    rotator.signal(signal.SIGTERM)
    assert rotator.wait() == 0
    assert rotator.stderr == ""
