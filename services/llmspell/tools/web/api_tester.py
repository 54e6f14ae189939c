"""api-tester: run one request and check assertions on status, latency, headers, JSON."""

from __future__ import annotations

from ..base import Example, ToolContext, ToolError, tool
from .common import NO_JSON, REQUEST_PROPERTIES, body_text, parse_json, send

_ABSENT = object()
_JSON_CHECK = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "dotted path, e.g. data.items.0.id"},
        "jmespath": {"type": "string", "description": "JMESPath expression"},
        "equals": {"description": "expected value"},
        "exists": {"type": "boolean", "description": "whether the value must exist"},
    },
    "additionalProperties": False,
}


@tool(
    "api-tester",
    category="web",
    security_level="restricted",
    description="Send an HTTP request and check assertions: status (2xx unless given), maximum "
                "latency, headers present, body text, and JSON values by dotted path or "
                "JMESPath. Returns passed plus one result per assertion.",
    schema={
        "properties": {
            **REQUEST_PROPERTIES,
            "expect": {
                "type": "object",
                "properties": {
                    "status": {"type": ["integer", "array"], "items": {"type": "integer"}},
                    "max_latency_ms": {"type": "number", "minimum": 0},
                    "headers": {"type": "array", "items": {"type": "string"}},
                    "body_contains": {"type": "string"},
                    "json": {"type": "array", "items": _JSON_CHECK},
                },
                "additionalProperties": False,
                "default": {},
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "https://api.example.com/health",
                 "expect": {"status": 200, "max_latency_ms": 500,
                            "json": [{"path": "status", "equals": "ok"}]}},
                "a health check", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    expect = params["expect"]
    response = send(params, ctx, follow_redirects=True)
    text = body_text(response) or ""
    checks = [_status(response.status, expect.get("status"))]
    if "max_latency_ms" in expect:
        limit = expect["max_latency_ms"]
        checks.append(_result(f"latency <= {limit:g} ms", response.elapsed_ms <= limit,
                              response.elapsed_ms))
    for name in expect.get("headers", []):
        value = response.headers.get(name.lower())
        checks.append(_result(f"header {name} present", value is not None, value))
    if "body_contains" in expect:
        needle = expect["body_contains"]
        checks.append(_result(f"body contains {needle!r}", needle in text, None))
    if expect.get("json"):
        document = parse_json(text, "json")
        for check in expect["json"]:
            checks.append(_json_check(document, check))
    return {"passed": all(c["passed"] for c in checks),
            "failed_count": sum(not c["passed"] for c in checks),
            "assertions": checks, "status": response.status, "elapsed_ms": response.elapsed_ms}


def _result(assertion: str, passed: bool, actual) -> dict:
    out = {"assertion": assertion, "passed": bool(passed)}
    if actual is not None:
        out["actual"] = actual
    return out


def _status(status: int, wanted) -> dict:
    if wanted is None:
        return _result("status is 2xx", 200 <= status < 300, status)
    allowed = wanted if isinstance(wanted, list) else [wanted]
    shown = " or ".join(str(s) for s in allowed)
    return _result(f"status is {shown}", status in allowed, status)


def _json_check(document, check: dict) -> dict:
    """One JSON assertion: exists (default) and/or equals, by path or JMESPath."""
    if ("path" in check) == ("jmespath" in check):
        raise ToolError("validation_error", "each expect.json item needs exactly one of "
                        "'path' or 'jmespath'")
    label = check.get("path") or check["jmespath"]
    if document is NO_JSON:
        return _result(f"{label}: response is JSON", False, None)
    value = _dotted(document, check["path"]) if "path" in check \
        else _jmespath(document, check["jmespath"])
    if "equals" in check:
        return _result(f"{label} == {check['equals']!r}", _same(value, check["equals"]),
                       None if value is _ABSENT else value)
    want = check.get("exists", True)
    exists = value is not _ABSENT
    return _result(f"{label} {'exists' if want else 'absent'}", exists == want,
                   None if value is _ABSENT else value)


def _same(value, wanted) -> bool:
    """Equality where true is not 1 (JSON and Lua keep booleans apart from numbers)."""
    if value is _ABSENT:
        return False
    if isinstance(value, bool) or isinstance(wanted, bool):
        return type(value) is type(wanted) and value == wanted
    return value == wanted


def _dotted(document, path: str):
    """Follow 'a.b.0.c' (list items by index); _ABSENT when a step is missing."""
    value = document
    for step in path.removeprefix("$.").split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.lstrip("-").isdigit() and \
                -len(value) <= int(step) < len(value):
            value = value[int(step)]
        else:
            return _ABSENT
    return value


def _jmespath(document, expression: str):
    """JMESPath search; a null result counts as absent."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        value = jmespath.search(expression, document)
    except JMESPathError as exc:
        raise ToolError("validation_error", f"invalid JMESPath {expression!r}: "
                        f"{str(exc).splitlines()[0]}") from None
    return _ABSENT if value is None else value
