"""Pieces shared by the web tools: parameter schemas, request bodies, response decoding."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..base import ToolContext, ToolError
from ..netsafe import Response, fetch

URL = {"type": "string", "minLength": 1, "description": "http:// or https:// URL"}
HEADERS = {"type": "object", "additionalProperties": {"type": ["string", "number"]},
           "description": "request headers, name -> value"}
QUERY = {"type": "object", "description": "query parameters appended to the URL",
         "additionalProperties": {"type": ["string", "number", "boolean", "array"],
                                  "items": {"type": ["string", "number", "boolean"]}}}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
BODY = {"type": "string", "description": "raw request body (text)"}
JSON_BODY = {"description": "request body sent as JSON (sets Content-Type)"}
# The parameters of one HTTP request, shared by the tools that send arbitrary requests.
REQUEST_PROPERTIES = {"url": URL, "method": {"type": "string", "enum": METHODS, "default": "GET"},
                      "headers": HEADERS, "query": QUERY, "body": BODY, "json": JSON_BODY}

_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "html")
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream",
                 "application/pdf", "application/zip", "application/gzip")


def with_query(url: str, query: dict | None) -> str:
    """``url`` with ``query`` appended (lists repeat the key)."""
    if not query:
        return url
    pairs = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, scalar_text(item)))
    parts = urlsplit(url)
    extra = urlencode(pairs)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def scalar_text(value) -> str:
    """A parameter value as text: true/false, 3 (not 3.0) for Lua's whole floats."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def request_body(params: dict, headers: dict) -> bytes | None:
    """The body from ``body`` (text) or ``json``; sets Content-Type for JSON."""
    if "body" in params and "json" in params:
        raise ToolError("validation_error", "give either 'body' (text) or 'json', not both")
    if "json" in params:
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(params["json"], ensure_ascii=False).encode()
    if "body" in params:
        return params["body"].encode()
    return None


def send(params: dict, ctx: ToolContext, method: str | None = None, **options) -> Response:
    """Fetch using the common params: url, method, headers, query, body/json."""
    headers = {k: scalar_text(v) for k, v in (params.get("headers") or {}).items()}
    body = request_body(params, headers)
    url = with_query(params["url"], params.get("query"))
    return fetch(method or params.get("method", "GET"), url, ctx.settings, headers, body, **options)


def body_text(response: Response) -> str | None:
    """The body as text (charset from Content-Type, else UTF-8), or None if binary."""
    ctype = response.headers.get("content-type", "").lower()
    if any(ctype.startswith(b) for b in _BINARY_TYPES):
        return None
    charset = "utf-8"
    for piece in ctype.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key == "charset" and value:
            charset = value.strip('"')
    try:
        text = response.body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None
    if "\0" in text and not any(t in ctype for t in _TEXT_TYPES):
        return None
    return text


def describe_body(response: Response) -> dict:
    """body + body_encoding ('text' or 'base64'), plus ``json`` when the body parses."""
    text = body_text(response)
    if text is None:
        return {"body": base64.b64encode(response.body).decode(), "body_encoding": "base64"}
    out = {"body": text, "body_encoding": "text"}
    parsed = parse_json(text, response.headers.get("content-type", ""))
    if parsed is not NO_JSON:
        out["json"] = parsed
    return out


def parse_json(text: str, content_type: str = ""):
    """Parsed JSON when the text looks like JSON, else the NO_JSON marker."""
    stripped = text.lstrip()
    if "json" not in content_type.lower() and not stripped.startswith(("{", "[")):
        return NO_JSON
    try:
        return json.loads(stripped)
    except ValueError:
        return NO_JSON


NO_JSON = object()  # parse_json's "not JSON" result (JSON null is None)


def page_source(params: dict, ctx: ToolContext) -> tuple[str, str | None]:
    """HTML from ``html`` (inline) or fetched from ``url``; returns (html, base url)."""
    if "html" in params:
        if "url" in params:
            raise ToolError("validation_error", "give either 'url' or 'html', not both")
        return params["html"], params.get("base_url")
    if "url" not in params:
        raise ToolError("validation_error", "give 'url' to fetch or 'html' to read inline")
    response = send({"url": params["url"], "headers": params.get("headers")}, ctx, "GET")
    if response.status >= 400:
        raise ToolError("execution_error", f"GET {response.url} answered HTTP {response.status}")
    text = body_text(response)
    if text is None:
        raise ToolError("execution_error", f"{response.url} is not a text page "
                        f"({response.headers.get('content-type', 'no content type')})")
    return text, response.url


def select(soup, selector: str) -> list:
    """``soup.select(selector)``; a bad selector is a validation_error."""
    import soupsieve

    try:
        return soup.select(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ToolError("validation_error", f"invalid CSS selector {selector!r}: "
                        f"{str(exc).splitlines()[0]}") from None
