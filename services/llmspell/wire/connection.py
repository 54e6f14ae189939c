"""Jupyter connection files: the five channel addresses plus the signing key.

The JSON matches what jupyter_client reads and writes: integer ports, ``ip``,
``transport`` (``tcp`` or ``ipc``; for ipc, ``ip`` is a path prefix and the
channel file is ``<ip>-<port>``), ``key`` (a string whose UTF-8 bytes are the HMAC
key), ``signature_scheme`` and ``kernel_name``. Files are written atomically,
mode 0600, in a directory created 0700. Port 0 means "not chosen yet": channels
binds it to an OS-chosen port and updates the info before it is written.
"""

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, replace

from llmspell.wire.errors import ConnectionFileError
from llmspell.wire.signing import DEFAULT_SCHEME

CHANNEL_NAMES = ("shell", "iopub", "stdin", "control", "hb")
PORT_FIELDS = tuple(f"{name}_port" for name in CHANNEL_NAMES)
MAX_BASE_PORT = 65535 - (len(CHANNEL_NAMES) - 1)  # the channels take P..P+4


def parse_base_port(text: object, *, allow_zero: bool = False) -> int | None:
    """The base port written in ``text`` (1..65531, or 0 with ``allow_zero``: all
    ports OS-chosen), or None when it is not one."""
    try:
        port = int(str(text))
    except ValueError:
        return None
    return port if (0 if allow_zero else 1) <= port <= MAX_BASE_PORT else None
TRANSPORTS = ("tcp", "ipc")
_TEXT_FIELDS = ("ip", "transport", "key", "signature_scheme", "kernel_name")


def new_key() -> str:
    """A fresh signing key: 32 random bytes as 64 hex characters."""
    return secrets.token_hex(32)


@dataclass
class ConnectionInfo:
    """Where a kernel's five channels listen and how its messages are signed."""

    shell_port: int = 0
    iopub_port: int = 0
    stdin_port: int = 0
    control_port: int = 0
    hb_port: int = 0
    ip: str = "127.0.0.1"
    transport: str = "tcp"
    key: str = ""
    signature_scheme: str = DEFAULT_SCHEME
    kernel_name: str = ""

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")
        if self.transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, not {self.transport!r}")
        for name in PORT_FIELDS:
            port = getattr(self, name)
            if type(port) is not int or not 0 <= port <= 65535:
                raise ValueError(f"{name} must be an integer 0..65535, not {port!r}")

    @classmethod
    def from_base_port(cls, base: int, **fields) -> "ConnectionInfo":
        """Ports base..base+4 for shell, iopub, stdin, control, hb (base 0: all OS-chosen).

        ``key`` defaults to a fresh ``new_key()``; other fields as in the constructor.
        """
        fields.setdefault("key", new_key())
        offsets = range(len(PORT_FIELDS)) if base else [0] * len(PORT_FIELDS)
        return cls(**dict(zip(PORT_FIELDS, (base + i for i in offsets), strict=True)), **fields)

    def port(self, channel: str) -> int:
        return getattr(self, f"{channel}_port")

    def with_port(self, channel: str, port: int) -> "ConnectionInfo":
        """A copy with one channel's port replaced."""
        return replace(self, **{f"{channel}_port": port})

    def url(self, channel: str) -> str:
        """The ZeroMQ endpoint of ``channel``: ``tcp://ip:port`` or ``ipc://ip-port``."""
        port = self.port(channel)
        if self.transport == "ipc":
            return f"ipc://{self.ip}-{port}"
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"tcp://{host}:{port}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ConnectionInfo":
        """Build from a connection-file dict; the five ports and ``key`` are required.

        Unknown keys are ignored; missing ip/transport/scheme take jupyter_client's
        defaults. Raises ValueError naming the first bad or missing field.
        """
        if not isinstance(data, dict):
            raise ValueError("connection info must be a JSON object")
        missing = [name for name in (*PORT_FIELDS, "key") if name not in data]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        known = {name: data[name] for name in (*PORT_FIELDS, *_TEXT_FIELDS) if name in data}
        return cls(**known)

    @classmethod
    def read(cls, path: str | os.PathLike) -> "ConnectionInfo":
        """Load a connection file; ConnectionFileError says what is wrong and where."""
        try:
            with open(path, "rb") as f:
                data = json.load(f)
            return cls.from_dict(data)
        except FileNotFoundError:
            raise ConnectionFileError(f"{path}: no such connection file") from None
        except OSError as e:
            raise ConnectionFileError(f"{path}: {e.strerror}") from None
        except ValueError as e:  # JSONDecodeError, UnicodeDecodeError and field errors
            raise ConnectionFileError(f"{path}: {e}") from None

    def write(self, path: str | os.PathLike) -> None:
        """Write atomically (temp file, fsync, rename), mode 0600; missing dirs made 0700.

        Refuses port 0: bind the channels first so the real ports are written.
        """
        unbound = [name for name in PORT_FIELDS if getattr(self, name) == 0]
        if unbound:
            raise ValueError(f"cannot write port 0 for {', '.join(unbound)}: bind first")
        path = os.path.abspath(path)
        directory = os.path.dirname(path)
        _make_private_dirs(directory)
        fd, tmp = tempfile.mkstemp(prefix=".connection-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w") as f:  # mkstemp creates the file 0600
                json.dump(self.to_dict(), f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _make_private_dirs(directory: str) -> None:
    """Create ``directory`` and any missing parents with mode 0700 (umask ignored)."""
    if os.path.isdir(directory):
        return
    _make_private_dirs(os.path.dirname(directory))
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        return
    os.chmod(directory, 0o700)
