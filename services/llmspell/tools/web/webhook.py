"""webhook-caller: deliver a JSON payload, optionally HMAC-signed, with bounded retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from ..base import Example, ToolContext, ToolError, tool
from ..netsafe import fetch
from .common import HEADERS, URL, body_text, scalar_text

_RESPONSE_BYTES = 64 * 1024
_RETRY_STATUS = 429


@tool(
    "webhook-caller",
    category="web",
    security_level="restricted",
    description="POST a JSON payload to a webhook, optionally signed with HMAC-SHA256 "
                "('sha256=<hex>' in a header), retrying with exponential backoff on 5xx, "
                "429, timeouts and connection failures. Redirects are not followed.",
    schema={
        "properties": {
            "url": URL,
            "payload": {"description": "the JSON payload"},
            "method": {"type": "string", "enum": ["POST", "PUT", "PATCH"], "default": "POST"},
            "headers": HEADERS,
            "secret": {"type": "string", "minLength": 1, "description": "HMAC-SHA256 key"},
            "signature_header": {"type": "string", "minLength": 1,
                                 "default": "X-Signature-256"},
            "max_retries": {"type": "integer", "minimum": 0, "maximum": 5, "default": 2},
            "backoff_seconds": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.5,
                                "description": "first retry delay; doubles each retry"},
        },
        "required": ["url", "payload"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "https://hooks.example.com/build", "payload": {"status": "done"},
                 "secret": "s3cret"}, "a signed delivery", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    body = json.dumps(params["payload"], separators=(",", ":"), ensure_ascii=False).encode()
    headers = {k: scalar_text(v) for k, v in (params.get("headers") or {}).items()}
    headers["Content-Type"] = "application/json"
    if "secret" in params:
        digest = hmac.new(params["secret"].encode(), body, hashlib.sha256).hexdigest()
        headers[params["signature_header"]] = f"sha256={digest}"
    started = time.monotonic()
    deadline = started + ctx.settings.timeout
    log: list[dict] = []
    for attempt in range(1, params["max_retries"] + 2):
        try:
            response = fetch(params["method"], params["url"], ctx.settings, headers, body,
                             _RESPONSE_BYTES, follow_redirects=False, truncate=True)
        except ToolError as exc:
            if exc.error_type not in ("timeout", "execution_error"):
                raise
            log.append({"attempt": attempt, "error": exc.message})
            failure = exc
        else:
            log.append({"attempt": attempt, "status": response.status})
            failure = None
            if response.status < 500 and response.status != _RETRY_STATUS:
                break
        delay = params["backoff_seconds"] * 2 ** (attempt - 1)
        if attempt > params["max_retries"] or time.monotonic() + delay > deadline:
            break
        time.sleep(delay)
    if failure is not None:
        tries = f"{len(log)} attempt" + ("s" if len(log) > 1 else "")
        raise ToolError(failure.error_type, f"{failure.message} (after {tries})")
    return {
        "success": 200 <= response.status < 300,
        "status": response.status,
        "attempts": len(log),
        "log": log,
        "response_body": body_text(response) or "",
        "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
    }
