"""Socket-activated test service: adopts fds by name and answers each connection.

Reply per connection: ``<fd name> <pid> <LISTEN_FDS seen by a child> <line read>``.
"""

import os
import selectors
import signal
import socket
import subprocess
import sys

from llmspell.systemd import Notifier, clean_activation_env, listen_fds_by_name


def main() -> int:
    notifier = Notifier()
    fds = listen_fds_by_name()
    clean_activation_env(notify=True)
    child = subprocess.run(["/bin/sh", "-c", 'echo "${LISTEN_FDS:-none}"'],
                           capture_output=True, text=True, check=True).stdout.strip()
    if not fds:
        notifier.ready("no sockets passed")
        return 1
    sel = selectors.DefaultSelector()
    for name, fd in fds.items():
        sel.register(socket.socket(fileno=fd), selectors.EVENT_READ, name)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    notifier.ready("adopted " + " ".join(sorted(fds)))
    try:
        while True:
            for key, _ in sel.select():
                conn, _ = key.fileobj.accept()
                with conn:
                    line = conn.makefile().readline().strip()
                    conn.sendall(f"{key.data} {os.getpid()} {child} {line}\n".encode())
    finally:
        notifier.stopping("stopping")


if __name__ == "__main__":
    sys.exit(main())
