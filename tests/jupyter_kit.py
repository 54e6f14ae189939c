"""Helpers for driving a kernel with a jupyter_client BlockingKernelClient, shared by
the kernel and gateway suites (importable from any test: tests/ is on sys.path)."""

from __future__ import annotations

import time


def run_cell(kc, code: str, timeout: float = 10.0, **kwargs) -> tuple[dict, list[dict]]:
    """Execute ``code``; (reply, the iopub messages of that request up to idle)."""
    msg_id = kc.execute(code, **kwargs)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply, iopub_until_idle(kc, msg_id, timeout)


def iopub_until_idle(kc, msg_id: str, timeout: float = 10.0) -> list[dict]:
    """The iopub messages of request ``msg_id``, up to and including its idle status."""
    messages = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
