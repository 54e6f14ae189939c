"""Connection files: read/written exactly as jupyter_client expects, privately, atomically."""

import json
import os
import stat

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from llmspell.wire import ConnectionFileError, ConnectionInfo, new_key


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_from_base_port_lays_out_the_five_channels():
    info = ConnectionInfo.from_base_port(59000, kernel_name="llmspell")
    ports = [info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port]
    assert ports == [59000, 59001, 59002, 59003, 59004]
    assert info.url("control") == "tcp://127.0.0.1:59003"
    assert len(info.key) == 64 and int(info.key, 16) >= 0
    assert (
        ConnectionInfo.from_base_port(0).shell_port == ConnectionInfo.from_base_port(0).hb_port == 0
    )


def test_urls_for_ipc_and_ipv6():
    ipc = ConnectionInfo.from_base_port(3, transport="ipc", ip="/run/k/kernel")
    assert ipc.url("shell") == "ipc:///run/k/kernel-3"
    assert ipc.url("hb") == "ipc:///run/k/kernel-7"
    assert ConnectionInfo.from_base_port(9000, ip="::1").url("iopub") == "tcp://[::1]:9001"


def test_new_key_is_32_random_bytes_in_hex():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(bytes.fromhex(k)) == 32 for k in keys)


@pytest.mark.parametrize(
    "bad",
    [
        {"shell_port": -1},
        {"hb_port": 70000},
        {"iopub_port": "5555"},
        {"stdin_port": True},
        {"transport": "udp"},
        {"key": b"bytes"},
    ],
)
def test_constructor_rejects_bad_fields(bad):
    with pytest.raises(ValueError):
        ConnectionInfo(**bad)


def test_written_file_is_loaded_by_jupyter_client(tmp_path):
    info = ConnectionInfo.from_base_port(
        51000, kernel_name="llmspell", signature_scheme="hmac-sha512"
    )
    path = tmp_path / "kernel-51000.json"
    info.write(path)
    client = BlockingKernelClient()
    client.load_connection_file(str(path))
    assert (client.shell_port, client.iopub_port, client.stdin_port) == (51000, 51001, 51002)
    assert (client.control_port, client.hb_port) == (51003, 51004)
    assert client.ip == "127.0.0.1"
    assert client.transport == "tcp"
    assert client.session.key == info.key.encode()
    assert client.session.signature_scheme == "hmac-sha512"
    data = json.loads(path.read_text())
    assert type(data["shell_port"]) is int
    assert data["kernel_name"] == "llmspell"


def test_reads_file_written_by_jupyter_client(tmp_path):
    path = tmp_path / "kernel-jc.json"
    key = new_key().encode()
    _, cfg = write_connection_file(str(path), ip="127.0.0.1", key=key, kernel_name="lua")
    info = ConnectionInfo.read(path)
    assert info.to_dict() == {
        "shell_port": cfg["shell_port"],
        "iopub_port": cfg["iopub_port"],
        "stdin_port": cfg["stdin_port"],
        "control_port": cfg["control_port"],
        "hb_port": cfg["hb_port"],
        "ip": "127.0.0.1",
        "transport": "tcp",
        "key": key.decode(),
        "signature_scheme": "hmac-sha256",
        "kernel_name": "lua",
    }


def test_reads_ipc_file_written_by_jupyter_client(tmp_path):
    prefix = str(tmp_path / "kernel-ipc")
    path = tmp_path / "kernel-ipc.json"
    write_connection_file(str(path), ip=prefix, transport="ipc", key=b"k")
    info = ConnectionInfo.read(path)
    assert info.transport == "ipc"
    assert info.url("shell") == f"ipc://{prefix}-{info.shell_port}"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_file_is_0600_and_new_dirs_are_0700(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = tmp_path / "run" / "llmspell" / "kernel.json"
        ConnectionInfo.from_base_port(52000).write(path)
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(tmp_path / "run" / "llmspell") == 0o700
    assert mode(tmp_path / "run") == 0o700


def test_rewrite_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "conn" / "kernel.json"
    ConnectionInfo.from_base_port(52000).write(path)
    second = ConnectionInfo.from_base_port(53000)
    second.write(path)
    assert ConnectionInfo.read(path) == second
    assert os.listdir(path.parent) == ["kernel.json"]
    assert mode(path) == 0o600


def test_refuses_to_write_unbound_ports(tmp_path):
    with pytest.raises(ValueError, match="port 0"):
        ConnectionInfo.from_base_port(0).write(tmp_path / "k.json")
    assert not (tmp_path / "k.json").exists()


def test_defaults_match_jupyter_client_for_optional_fields(tmp_path):
    path = tmp_path / "minimal.json"
    ports = {
        f"{c}_port": 6000 + i for i, c in enumerate(["shell", "iopub", "stdin", "control", "hb"])
    }
    path.write_text(json.dumps({**ports, "key": "abc", "extra": "ignored"}))
    info = ConnectionInfo.read(path)
    assert (info.ip, info.transport, info.signature_scheme) == ("127.0.0.1", "tcp", "hmac-sha256")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such connection file"),
        ("{not json", "Expecting"),
        ("[1, 2]", "JSON object"),
        ('{"shell_port": 1}', "missing iopub_port"),
        (
            '{"shell_port": "x", "iopub_port": 1, "stdin_port": 2, "control_port": 3,'
            ' "hb_port": 4, "key": ""}',
            "shell_port must be an integer",
        ),
    ],
)
def test_read_errors_name_the_file_and_the_problem(tmp_path, content, expected):
    path = tmp_path / "conn.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConnectionFileError) as err:
        ConnectionInfo.read(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)
