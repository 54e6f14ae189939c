"""The heartbeat channel: an echo that never waits on the rest of the process.

A ROUTER socket proxied onto itself by libzmq (``zmq_proxy_steerable``) sends
every ping straight back to its sender. The proxy runs in C, without the GIL, on
its own OS thread — a real one even when gevent has monkey-patched threading — so
a busy interpreter or a blocked event loop cannot delay the answer.
"""

import _thread
import contextlib
import secrets
import sys

import zmq


def _os_thread_primitives():
    """(start_new_thread, allocate_lock) that give OS threads even under gevent patching."""
    monkey = sys.modules.get("gevent.monkey")  # looked up, never imported
    if monkey is not None and monkey.is_module_patched("_thread"):
        return (
            monkey.get_original("_thread", "start_new_thread"),
            monkey.get_original("_thread", "allocate_lock"),
        )
    return _thread.start_new_thread, _thread.allocate_lock


class Heartbeat:
    """Echoes on a bound, non-green ROUTER socket until ``stop()``; owns that socket."""

    def __init__(self, socket: zmq.Socket):
        start_new_thread, allocate_lock = _os_thread_primitives()
        ctx = zmq.Context.shadow(socket.context.underlying)  # non-green even if socket's is
        endpoint = f"inproc://llmspell-heartbeat-{secrets.token_hex(8)}"
        self._control = ctx.socket(zmq.PAIR)
        self._control.bind(endpoint)
        steering = ctx.socket(zmq.PAIR)
        steering.connect(endpoint)
        self.error: zmq.ZMQError | None = None
        self._done = allocate_lock()
        self._done.acquire()
        start_new_thread(self._run, (socket, steering))

    def _run(self, socket: zmq.Socket, steering: zmq.Socket) -> None:
        try:
            zmq.proxy_steerable(socket, socket, None, steering)
        except zmq.ContextTerminated:
            pass
        except zmq.ZMQError as e:
            self.error = e
        finally:
            socket.close(0)
            steering.close(0)
            self._done.release()

    @property
    def running(self) -> bool:
        return self._done.locked()

    def stop(self, timeout: float = 2.0) -> bool:
        """End the echo and close its sockets; True once the thread has finished."""
        if self._control.closed:
            return not self.running
        with contextlib.suppress(zmq.Again):  # Again: the proxy has already ended
            self._control.send(b"TERMINATE", zmq.NOBLOCK)
        finished = self._done.acquire(timeout=timeout)
        if finished:
            self._done.release()
        self._control.close(0)
        return finished
