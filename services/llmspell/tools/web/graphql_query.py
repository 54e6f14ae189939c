"""graphql-query: POST a GraphQL operation and return its data and errors."""

from __future__ import annotations

from ..base import Example, ToolContext, ToolError, tool
from .common import HEADERS, URL, body_text, parse_json, send


@tool(
    "graphql-query",
    category="web",
    security_level="restricted",
    description="Send a GraphQL query or mutation (with variables and operation name) to an "
                "HTTP endpoint and return data and errors. Fails only when no data came back.",
    schema={
        "properties": {
            "url": URL,
            "query": {"type": "string", "minLength": 1, "description": "GraphQL document"},
            "variables": {"type": "object", "default": {}},
            "operation_name": {"type": "string", "minLength": 1},
            "headers": HEADERS,
        },
        "required": ["url", "query"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "https://api.example.com/graphql",
                 "query": "query($id: ID!) { user(id: $id) { name } }",
                 "variables": {"id": "42"}}, "a query with variables", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    payload = {"query": params["query"], "variables": params["variables"]}
    if "operation_name" in params:
        payload["operationName"] = params["operation_name"]
    headers = {"Accept": "application/graphql-response+json, application/json",
               **(params.get("headers") or {})}
    response = send({"url": params["url"], "headers": headers, "json": payload}, ctx, "POST")
    document = parse_json(body_text(response) or "", "json")
    if not isinstance(document, dict):
        raise ToolError("execution_error", f"{response.url} answered HTTP {response.status} "
                        "without a GraphQL JSON response")
    errors = document.get("errors") or []
    if document.get("data") is None:
        shown = "; ".join(_message(e) for e in errors[:3]) or f"HTTP {response.status}, no data"
        raise ToolError("execution_error", f"GraphQL request failed: {shown}")
    result = {"data": document["data"], "errors": errors, "status": response.status}
    if "extensions" in document:
        result["extensions"] = document["extensions"]
    return result


def _message(error) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)
