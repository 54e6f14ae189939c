"""The execution kernel's serving side: requests from the internal link to handlers.

Two threads, each owning one connection to the relay (see ``wire.link``): the shell
thread runs requests one at a time (Lua runs here, and ``io.read`` asks for input
on stdin from here); the control thread answers interrupt, shutdown and
kernel_info at once, also while Lua runs. Both publish busy/idle around every
request. The process's main thread stays free for signals.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

from ..wire import link
from ..wire.errors import WireError
from ..wire.linksocket import LinkPeer
from ..wire.message import decode_json, encode_json, new_header
from .engine import ExecutionEngine
from .handlers import KernelHandlers
from .introspection import complete, history, inspect, is_complete

log = logging.getLogger("llmspell.kernel")
INPUT_POLL_MS = 50
Endpoint = str | dict  # "ipc://PATH", or {side: connected socket}
WARN_INTERVAL = 60.0


class _Warnings:
    """Bad requests are logged once per reason per minute (they must not flood logs)."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def warn(self, reason: str, message: str, *args) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(reason, -WARN_INTERVAL) < WARN_INTERVAL:
                return
            self._last[reason] = now
        log.warning(message, *args)


_warnings = _Warnings()


def unknown_reply(msg_type: str) -> tuple[str, dict] | None:
    """The error reply to a request type this kernel does not know (None: not a request)."""
    if not msg_type.endswith("_request"):
        return None
    return msg_type[:-len("_request")] + "_reply", {
        "status": "error", "ename": "UnknownMessageType",
        "evalue": f"unknown message type {msg_type!r}", "traceback": []}


class Request:
    """One request being served, with what is needed to answer and publish for it."""

    __slots__ = ("channel", "ids", "parts", "header", "content")

    def __init__(self, channel: bytes, ids: list[bytes], parts: list[bytes]):
        self.channel, self.ids, self.parts = channel, ids, parts
        self.header = decode_json(parts[0], "header")
        self.content = decode_json(parts[3], "content")

    @property
    def msg_type(self) -> str:
        return self.header.get("msg_type", "")


_STATUS = {state: encode_json({"execution_state": state}) for state in ("busy", "idle")}


# Requests whose busy status may wait for the next message, because one follows at
# once (the reply of a quick request, or execute_input): see LinkSide.send.
_QUICK = frozenset({"kernel_info_request", "complete_request", "inspect_request",
                    "is_complete_request", "history_request", "comm_info_request"})


def busy_may_wait(request: Request) -> bool:
    """Whether the busy status of ``request`` may leave together with what follows it."""
    if request.msg_type == "execute_request":
        return not request.content.get("silent", False)  # execute_input follows at once
    return request.msg_type in _QUICK


class LinkSide:
    """One kernel side's connection to the relay, and message building for it (one
    thread only). ``endpoint`` is the relay's ``ipc://PATH``, or a dict of connected
    sockets by side (socketpair ends, in the standalone kernel)."""

    def __init__(self, endpoint: Endpoint, side: bytes, session: str):
        hello = encode_json({"pid": os.getpid(), "session": session})
        if isinstance(endpoint, dict):
            self.peer = LinkPeer(side, hello, sock=endpoint[side])
        else:
            self.peer = LinkPeer(side, hello, path=link.socket_path(endpoint))
        self.session = session
        self._batch: list[bytes] = []

    def receive(self, timeout_ms: int) -> list[bytes] | None:
        """The next link message within ``timeout_ms`` (0: only one already there)."""
        return self.peer.receive(timeout_ms)

    def close(self) -> None:
        self.peer.close()

    def send(self, channel: bytes, ids: list[bytes], msg_type: str, content: dict | bytes,
             parent: bytes, metadata: dict | None = None, *, now: bool = True) -> None:
        """Send one message. With ``now=False`` it waits for the next message sent now
        and leaves with it in one multipart (one send, one wake-up of the relay)."""
        parts = [encode_json(new_header(msg_type, self.session)), parent,
                 encode_json(metadata) if metadata else b"{}",
                 content if type(content) is bytes else encode_json(content)]
        group = link.encode(channel, ids, parts)
        if self._batch or not now:
            self._batch += group
            if not now:
                return
            group, self._batch = self._batch, []
        self.peer.send(link.pack(group))

    def publish(self, msg_type: str, content: dict | bytes, parent: bytes, *,
                now: bool = True) -> None:
        self.send(b"iopub", [b"kernel." + msg_type.encode()], msg_type, content, parent,
                  now=now)

    def status(self, state: str, parent: bytes, *, now: bool = True) -> None:
        self.publish("status", _STATUS.get(state) or encode_json({"execution_state": state}),
                     parent, now=now)


class RequestOutputs:
    """``handlers.Outputs`` for one request: iopub publishing and stdin input."""

    def __init__(self, side: LinkSide, request: Request, await_input: Callable):
        self.side, self.request, self.await_input = side, request, await_input

    def publish(self, msg_type: str, content: dict) -> None:
        self.side.publish(msg_type, content, self.request.parts[0])

    def input(self, prompt: str, password: bool = False) -> str | None:
        self.side.send(b"stdin", self.request.ids, "input_request",
                       {"prompt": prompt, "password": password}, self.request.parts[0])
        return self.await_input()


class KernelServer:
    """Serves one ExecutionEngine over a link endpoint until shut down.

    With ``new_engine`` a ``shutdown_request`` with ``restart: true`` restarts in
    place: the running code is interrupted, State saved, and the shell thread
    continues with a fresh engine on the same link sockets, so requests sent right
    after the reply are served, by the new engine. Without it (a Jupyter kernel
    manager restarts the process itself) the server stops.
    """

    def __init__(self, engine: ExecutionEngine, endpoint: Endpoint,
                 new_engine: Callable[[], ExecutionEngine] | None = None):
        self._use(engine)
        self._new_engine = new_engine
        self._restart = threading.Event()
        self.endpoint = endpoint
        self.session = os.urandom(16).hex()
        self.stopped = threading.Event()
        self.link_lost = False
        self._input_cancelled = threading.Event()
        self._threads = [threading.Thread(target=self._shell_loop, name="kernel-shell", daemon=True),
                         threading.Thread(target=self._control_loop, name="kernel-control",
                                          daemon=True)]

    def _use(self, engine: ExecutionEngine) -> None:
        """Serve ``engine`` from now on (at start, and after a restart in place)."""
        handlers = KernelHandlers(engine)
        handlers.table.update({
            "complete_request": lambda c, o: ("complete_reply", complete(
                engine, c.get("code", ""), int(c.get("cursor_pos", len(c.get("code", "")))))),
            "inspect_request": lambda c, o: ("inspect_reply", inspect(
                engine, c.get("code", ""), int(c.get("cursor_pos", 0)), int(c.get("detail_level", 0)))),
            "is_complete_request": lambda c, o: ("is_complete_reply",
                                                 is_complete(engine, c.get("code", ""))),
            "history_request": lambda c, o: ("history_reply", history(engine, c)),
            "comm_info_request": lambda c, o: ("comm_info_reply", {"status": "ok", "comms": {}}),
        })
        self.engine, self.handlers = engine, handlers

    def _check_link(self, side: LinkSide) -> None:
        """The relay closed the link (the gateway is gone): stop, once."""
        if side.peer.lost and not self.stopped.is_set():
            self.link_lost = True
            log.warning("the gateway closed the link: stopping")
            self.stop()

    def _restart_in_place(self) -> None:
        """On the shell thread, between requests: save State, then a fresh engine."""
        self._restart.clear()
        try:
            self.engine.save_state()
        except OSError as exc:
            log.error("state save before the restart failed: %s", exc)
        try:
            engine = self._new_engine()
        except Exception as exc:  # noqa: BLE001 - e.g. an unreadable state file: keep serving
            log.error("restart failed, the running engine stays: %s", exc)
            return
        engine.execution_count = 0
        self._use(engine)
        log.info("kernel restarted in place (shutdown_request with restart)")

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        threading.Thread(target=self._save_periodically, name="kernel-state-saver",
                         daemon=True).start()

    def _save_periodically(self) -> None:
        """Save State every ``kernel.state_save_interval`` seconds (0: only at shutdown;
        re-read each time, so a reload applies), in every mode, until stopped."""
        while True:
            interval = float(self.engine.config.get("kernel.state_save_interval") or 0)
            if self.stopped.wait(interval if interval > 0 else 60.0):
                return
            if interval > 0:
                try:
                    self.engine.save_state()
                except OSError as exc:
                    log.error("periodic state save failed: %s", exc)

    def join(self, timeout: float = 5.0) -> None:
        """After ``stop()``: wait (bounded) for the shell and control threads to leave."""
        for thread in self._threads:
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until shut down (True) or ``timeout`` passes (False)."""
        return self.stopped.wait(timeout)

    def stop(self) -> None:
        """Stop serving: interrupt running code, let both threads leave."""
        self.stopped.set()
        self._input_cancelled.set()
        self.engine.interrupt()

    def interrupt(self) -> bool:
        self._input_cancelled.set()
        return self.engine.interrupt()

    # shell side ---------------------------------------------------------------
    def _shell_loop(self) -> None:
        side = LinkSide(self.endpoint, link.SHELL_SIDE, self.session)
        self._backlog: deque[Request] = deque()
        try:
            while not self.stopped.is_set():
                if self._restart.is_set():  # before anything received after the reply
                    self._restart_in_place()
                if not self._backlog:
                    self._backlog.extend(self._receive(side))
                    continue
                request = self._backlog.popleft()
                if request.channel != b"stdin":  # else a late input_reply: nobody waits
                    self._serve(side, request)
        finally:
            side.close()

    def _receive(self, side: LinkSide, timeout: int = 200) -> list[Request]:
        """The requests of the next link multipart (none after ``timeout`` ms or a ping)."""
        frames = side.receive(timeout)
        if frames is None:
            self._check_link(side)
            return []
        if frames[0] != link.KIND_MESSAGE:
            return []
        try:
            return [Request(*message[:3]) for message in link.decode(frames)]
        except WireError as exc:
            _warnings.warn(f"link {exc.reason}", "dropped a malformed request: %s", exc)
            return []

    def _serve(self, side: LinkSide, request: Request) -> None:
        parent = request.parts[0]
        side.status("busy", parent, now=not busy_may_wait(request))
        try:
            outputs = RequestOutputs(side, request, lambda: self._await_input(side))
            self._input_cancelled.clear()
            answer = self.handlers.handle(request.msg_type, request.content, outputs)
            if answer is None:
                _warnings.warn(f"unknown {request.msg_type}", "unknown request type %r on "
                               "shell: answered with an error", request.msg_type)
                answer = unknown_reply(request.msg_type)
                if answer is None:
                    return
            reply_type, content = answer
            side.send(request.channel, request.ids, reply_type, content, parent,
                      {"status": content.get("status", "ok")}, now=False)  # idle follows
            if (reply_type == "execute_reply" and content.get("status") == "error"
                    and request.content.get("stop_on_error", True)):
                self._abort_queued(side)
        finally:
            side.status("idle", parent)

    def _await_input(self, side: LinkSide) -> str | None:
        """Wait for the input_reply, keeping other shell requests for later."""
        while not (self.stopped.is_set() or self._input_cancelled.is_set()):
            answer = None
            for request in self._receive(side, INPUT_POLL_MS):
                if (answer is None and request.channel == b"stdin"
                        and request.msg_type == "input_reply"):
                    answer = str(request.content.get("value", ""))
                else:
                    self._backlog.append(request)
            if answer is not None:
                return answer
        return None

    def _abort_queued(self, side: LinkSide) -> None:
        """stop_on_error: answer every execute_request already queued as aborted."""
        queued = list(self._backlog)
        self._backlog.clear()
        while arrived := self._receive(side, 0):
            queued += arrived
        for request in queued:
            if request.msg_type != "execute_request":
                self._backlog.append(request)
                continue
            side.status("busy", request.parts[0], now=False)
            side.send(request.channel, request.ids, "execute_reply",
                      {"status": "aborted", "execution_count": self.engine.execution_count},
                      request.parts[0], {"status": "aborted"}, now=False)
            side.status("idle", request.parts[0])

    # control side -------------------------------------------------------------
    def _control_loop(self) -> None:
        side = LinkSide(self.endpoint, link.CONTROL_SIDE, self.session)
        try:
            while not self.stopped.is_set():
                frames = side.receive(200)
                if frames is None:
                    self._check_link(side)
                    continue
                if frames[0] == link.KIND_INTERRUPT:
                    self.interrupt()
                elif frames[0] == link.KIND_MESSAGE:
                    try:
                        requests = [Request(*message[:3]) for message in link.decode(frames)]
                    except WireError as exc:
                        _warnings.warn(f"link {exc.reason}", "dropped a malformed control "
                                       "request: %s", exc)
                        continue
                    for request in requests:
                        self._serve_control(side, request)
        finally:
            side.close()

    def _serve_control(self, side: LinkSide, request: Request) -> None:
        parent = request.parts[0]
        side.status("busy", parent, now=False)  # the reply and idle follow at once
        msg_type = request.msg_type
        if msg_type == "interrupt_request":
            self.interrupt()
            reply = ("interrupt_reply", {"status": "ok"})
        elif msg_type == "shutdown_request":
            restart = bool(request.content.get("restart", False))
            reply = ("shutdown_reply", {"status": "ok", "restart": restart})
            in_place = restart and self._new_engine is not None
            if in_place:
                self._restart.set()  # before the reply: what the client sends next sees it
                self.interrupt()
        elif msg_type == "kernel_info_request":
            reply = self.handlers.kernel_info(request.content, None)
        else:
            _warnings.warn(f"unknown {msg_type}", "unknown request type %r on control: "
                           "answered with an error", msg_type)
            reply = unknown_reply(msg_type) or ("error", None)
        if reply[1] is not None:
            side.send(request.channel, request.ids, reply[0], reply[1], parent, now=False)
        side.status("idle", parent)
        if msg_type == "shutdown_request":
            side.publish("shutdown_reply", reply[1], parent)
            if not in_place:
                self.stop()
