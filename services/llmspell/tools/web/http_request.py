"""http-request: one HTTP request with method, headers, query, text or JSON body."""

from __future__ import annotations

from ..base import Example, ToolContext, tool
from .common import REQUEST_PROPERTIES, describe_body, send


@tool(
    "http-request",
    category="web",
    security_level="restricted",
    description="Send an HTTP(S) request and return status, headers and body (JSON parsed when "
                "possible). Redirects are followed and re-checked; link-local and metadata "
                "addresses are refused.",
    schema={
        "properties": {
            **REQUEST_PROPERTIES,
            "follow_redirects": {"type": "boolean", "default": True},
            "truncate": {"type": "boolean", "default": False,
                         "description": "cut an over-large body instead of failing"},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "https://httpbin.org/get", "query": {"q": "lua"}},
                "GET with a query parameter", run=False),
        Example({"url": "https://httpbin.org/post", "method": "POST", "json": {"name": "spell"}},
                "POST a JSON body", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    response = send(params, ctx, follow_redirects=params["follow_redirects"],
                    truncate=params["truncate"])
    return {
        "status": response.status,
        "ok": 200 <= response.status < 300,
        "reason": response.reason,
        "headers": response.headers,
        **describe_body(response),
        "truncated": response.truncated,
        "elapsed_ms": response.elapsed_ms,
        "final_url": response.url,
        "redirects": response.redirects,
    }
