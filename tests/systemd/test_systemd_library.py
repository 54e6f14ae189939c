"""llmspell.systemd without a booted systemd: real sockets, fds and subprocesses."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import textwrap

import pytest
from llmspell.systemd import activation, journal
from llmspell.systemd.notify import Notifier, sanitize


def run_py(code: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=30, check=False, **kw)


# -- notify ---------------------------------------------------------------

def test_sanitize_keeps_status_to_one_ascii_line():
    assert sanitize("kernel ✓ ready") == "kernel ? ready"
    assert sanitize("a\nREADY=1\tb\x7f") == "a READY=1 b "
    assert len(sanitize("x" * 5000)) == 1024


@pytest.fixture
def notify_socket(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify")
    sock.bind(path)
    sock.settimeout(5)
    yield path, sock
    sock.close()


def test_notifier_sends_datagrams(notify_socket):
    path, sock = notify_socket
    n = Notifier({"NOTIFY_SOCKET": path})
    assert n.enabled
    assert n.ready("serving ✓")
    assert sock.recv(4096) == b"READY=1\nSTATUS=serving ?"
    n.reloading()
    n.status("reloading config")
    n.stopping("bye")
    n.watchdog()
    n.mainpid(1234)
    got = [sock.recv(4096) for _ in range(5)]
    assert got == [b"RELOADING=1", b"STATUS=reloading config", b"STOPPING=1\nSTATUS=bye",
                   b"WATCHDOG=1", b"MAINPID=1234"]
    assert "NOTIFY_SOCKET" not in os.environ or os.environ["NOTIFY_SOCKET"] != path


def test_notifier_abstract_socket():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"llmspell-test-notify-{os.getpid()}"
    sock.bind("\0" + name)
    sock.settimeout(5)
    with sock:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(64) == b"READY=1"


def test_notifier_without_socket_is_a_cheap_noop():
    out = run_py("""
        import sys
        from llmspell.systemd import Notifier
        n = Notifier()
        print(n.enabled, n.ready("x"), n.watchdog(), n.watchdog_interval(),
              sorted(m for m in ("sdnotify", "systemd", "jupyter_client", "gevent", "zmq")
                     if m in sys.modules))
    """, env={k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")})
    assert out.stdout.split(None, 4) == ["False", "False", "False", "None", "[]\n"], out.stderr


def test_notifier_unreachable_socket_reports_false(tmp_path):
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "missing")}).ready() is False


@pytest.mark.parametrize("env, expect", [
    ({}, None),
    ({"WATCHDOG_USEC": "1000000"}, 0.5),
    ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid())}, 1.5),
    ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"}, None),
    ({"WATCHDOG_USEC": "bogus"}, None),
    ({"WATCHDOG_USEC": "0"}, None),
])
def test_watchdog_interval(env, expect):
    assert Notifier(env).watchdog_interval() == expect


def test_notifier_survives_clean_env(notify_socket):
    path, sock = notify_socket
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000", "LISTEN_FDS": "1"}
    n = Notifier(env)
    activation.clean_activation_env(env, notify=True)
    assert env == {}
    assert n.watchdog_interval() == 1.0 and n.watchdog()
    assert sock.recv(64) == b"WATCHDOG=1"


# -- activation -----------------------------------------------------------

ADOPT = """
    import fcntl, json, os, socket
    from llmspell.systemd import activation
    fds = activation.listen_fds_by_name()
    out = {"fds": fds, "cloexec": [bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
                                   for fd in fds.values()],
           "ports": {n: socket.socket(fileno=os.dup(fd)).getsockname()[1] for n, fd in fds.items()}}
    try:
        from systemd.daemon import listen_fds_with_names
        out["libsystemd"] = {v: k for k, v in listen_fds_with_names(False).items()}
    except ImportError:
        out["libsystemd"] = fds
    activation.clean_activation_env()
    out["env"] = sorted(k for k in os.environ if k.startswith("LISTEN_"))
    out["again"] = activation.listen_fds_by_name()
    print(json.dumps(out))
"""


LAUNCH = """
import fcntl, os, sys
a, b = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])  # clear of 3 and 4
pid, code = sys.argv[3], sys.argv[4]
os.dup2(a, 3), os.dup2(b, 4), os.close(a), os.close(b)
os.environ["LISTEN_PID"] = pid or str(os.getpid())  # exec keeps our pid
os.execv(sys.executable, [sys.executable, "-c", code])
"""


def spawn_activated(names: str | None, pid: str = "") -> subprocess.CompletedProcess:
    """Run ADOPT with two listening sockets at fds 3 and 4, as systemd passes them."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    env = dict(os.environ, LISTEN_FDS="2")
    if names is not None:
        env["LISTEN_FDNAMES"] = names
    fds = [s.fileno() for s in socks]
    try:
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCH, *map(str, fds), pid, textwrap.dedent(ADOPT)],
            env=env, pass_fds=fds, capture_output=True, text=True, timeout=30, check=False)
        proc.ports = [s.getsockname()[1] for s in socks]
        return proc
    finally:
        for s in socks:
            s.close()


def test_listen_fds_by_name_adopts_named_sockets():
    proc = spawn_activated("shell:control")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["fds"] == {"shell": 3, "control": 4}
    assert out["ports"] == dict(zip(("shell", "control"), proc.ports))
    assert out["cloexec"] == [True, True]
    assert out["libsystemd"] == out["fds"]  # same answer as sd_listen_fds_with_names
    assert out["env"] == [] and out["again"] == {}


def test_listen_fds_unnamed_and_foreign_pid():
    proc = spawn_activated(None)
    assert proc.returncode != 0 and "passed fd name 'unknown' twice" in proc.stderr
    proc = spawn_activated("shell:control", pid="1")
    assert json.loads(proc.stdout)["fds"] == {}


def test_listen_fds_rejects_inconsistent_names():
    env = {"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "2", "LISTEN_FDNAMES": "shell"}
    with pytest.raises(ValueError, match="1 names for 2 fds"):
        activation.listen_fds(env)
    assert activation.listen_fds({"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "0"}) == []
    assert activation.listen_fds({}) == []


def test_clean_activation_env_keeps_notify_by_default():
    env = {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "x", "NOTIFY_SOCKET": "/n",
           "PATH": "/bin"}
    activation.clean_activation_env(env)
    assert env == {"NOTIFY_SOCKET": "/n", "PATH": "/bin"}


# -- journal --------------------------------------------------------------

def test_journal_stream_matches_stderr_identity(tmp_path):
    with open(tmp_path / "stream", "w") as f:
        st = os.fstat(f.fileno())
        assert journal.journal_stream_matches({"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"},
                                              fd=f.fileno())
        assert not journal.journal_stream_matches({"JOURNAL_STREAM": f"{st.st_dev}:1"},
                                                  fd=f.fileno())
        assert not journal.journal_stream_matches({"JOURNAL_STREAM": "junk"}, fd=f.fileno())
        assert not journal.journal_stream_matches({}, fd=f.fileno())


def test_journal_handler_fields():
    sent = []
    handler = journal.JournalHandler("llmspell-gw", {"KERNEL_PORT": 59000},
                                     sendv=lambda *a: sent.append(a))
    logger = logging.getLogger("llmspell.test.journal")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        journal.lifecycle("crash", "kernel died: %s", "boom", logger=logger, KERNEL_ID="k1")
        logger.debug("quiet")
    finally:
        logger.removeHandler(handler)
    fields = dict(p.split("=", 1) for p in sent[0])
    assert fields["MESSAGE"] == "kernel died: boom" and fields["PRIORITY"] == "2"
    assert fields["SYSLOG_IDENTIFIER"] == "llmspell-gw" and fields["KERNEL_PORT"] == "59000"
    assert fields["MESSAGE_ID"] == journal.MESSAGE_IDS["crash"] and fields["KERNEL_ID"] == "k1"
    assert fields["CODE_FUNC"] == "test_journal_handler_fields"
    assert len(sent) == 1  # DEBUG below the logger's default level is not sent
    with pytest.raises(ValueError):
        journal.JournalHandler("x", {"kernel_port": 1}, sendv=print)
    with pytest.raises(ValueError):
        journal.lifecycle("exploded", "?")


def test_message_ids_are_distinct_128_bit():
    ids = list(journal.MESSAGE_IDS.values())
    assert len(set(ids)) == 5 and all(len(i) == 32 and int(i, 16) for i in ids)


SETUP = """
    import logging, os, sys
    {prelude}
    from llmspell.systemd import journal
    h = journal.setup_logging("llmspell-test", fields={{"KERNEL_PORT": 1}})
    journal.setup_logging("llmspell-test")  # replaces, does not stack
    logging.getLogger("llmspell.x").warning("careful")
    print(type(h).__name__, len(logging.getLogger().handlers))
"""


def test_setup_logging_plain_stderr():
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    proc = run_py(SETUP.format(prelude=""), env=env)
    assert proc.stdout.split() == ["StreamHandler", "1"], proc.stderr
    assert re.fullmatch(r"\S+ \S+ W llmspell\.x\[\d+\]: careful\n", proc.stderr), proc.stderr


def test_setup_logging_journal_without_systemd_python_uses_prefixes(tmp_path):
    # stderr is a file whose identity we put in JOURNAL_STREAM; systemd-python hidden
    prelude = ('st = os.fstat(2); os.environ["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"\n'
               '    sys.modules["systemd._journal"] = None')
    with open(tmp_path / "err", "w+") as err:
        code = textwrap.dedent(SETUP.format(prelude=prelude))
        proc = subprocess.run([sys.executable, "-c", code],
                              stdout=subprocess.PIPE, stderr=err, text=True, timeout=30,
                              check=False)
        err.seek(0)
        assert proc.stdout.split() == ["StreamHandler", "1"]
        assert err.read() == "<4>llmspell.x: careful\n"
