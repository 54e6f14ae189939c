"""url-analyzer: parse, validate and normalize a URL offline (no DNS, no connection)."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qs, quote, urljoin, urlsplit, urlunsplit

from ..base import Example, ToolContext, tool

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_NEEDS_HOST = set(_DEFAULT_PORTS)
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


@tool(
    "url-analyzer",
    category="web",
    security_level="safe",
    description="Parse a URL into scheme, host, port, path, query (as an object) and fragment; "
                "report validity, normalized form and whether the host is an IP / private. "
                "Offline: no DNS lookup.",
    schema={
        "properties": {
            "url": {"type": "string", "description": "the URL to analyze"},
            "base": {"type": "string", "description": "base URL to resolve a relative url against"},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "HTTPS://Example.com:443/a/./b/../c?x=1&x=2&y=z#top"},
                "parse and normalize",
                expect={"valid": True, "host": "example.com", "port": 443, "path": "/a/./b/../c",
                        "query": {"x": ["1", "2"], "y": "z"},
                        "normalized": "https://example.com/a/c?x=1&x=2&y=z#top"}),
        Example({"url": "http://10.0.0.5:8080/status"}, "a private IP address",
                expect={"is_ip": True, "is_private": True, "ip_version": 4, "port": 8080}),
        Example({"url": "../img/logo.png", "base": "https://example.com/docs/page.html"},
                "resolve a relative URL", expect={"url": "https://example.com/img/logo.png"}),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    url = params["url"].strip()
    if "base" in params:
        url = urljoin(params["base"], url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return {"url": url, "valid": False, "error": f"cannot parse URL: {exc}"}
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    result = {
        "url": url, "scheme": scheme, "host": host,
        "port": port or _DEFAULT_PORTS.get(scheme, 0), "explicit_port": port is not None,
        "path": parts.path, "query_string": parts.query, "query": _query(parts.query),
        "fragment": parts.fragment, "username": parts.username or "",
        "has_password": parts.password is not None, "is_absolute": bool(scheme),
        **_host_flags(host),
    }
    problem = _problem(scheme, host)
    result["valid"] = problem is None
    if problem:
        result["error"] = problem
    else:
        result["normalized"] = _normalize(parts, scheme, host, port)
    return result


def _query(query: str) -> dict:
    """Query as an object: single values as strings, repeated keys as lists."""
    parsed = parse_qs(query, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _host_flags(host: str) -> dict:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        local = host == "localhost" or host.endswith(".localhost")
        return {"is_ip": False, "ip_version": 0, "is_private": local, "is_loopback": local,
                "is_link_local": False}
    return {"is_ip": True, "ip_version": ip.version, "is_private": ip.is_private,
            "is_loopback": ip.is_loopback, "is_link_local": ip.is_link_local}


def _problem(scheme: str, host: str) -> str | None:
    if not scheme:
        return "no scheme (e.g. https://); pass 'base' to resolve a relative URL"
    if scheme in _NEEDS_HOST and not host:
        return f"a {scheme} URL needs a host"
    return None


def _normalize(parts, scheme: str, host: str, port: int | None) -> str:
    """Lower-case scheme and host, drop the default port, resolve dot segments,
    percent-encode unsafe path characters."""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path, safe=_PATH_SAFE)
    if scheme in _NEEDS_HOST:
        path = _remove_dot_segments(path or "/")
    return urlunsplit((scheme, netloc, path, parts.query, parts.fragment))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 for an absolute path: '/a/./b/../c' -> '/a/c'."""
    kept: list[str] = []
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if len(kept) > 1:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/".join(kept) or "/"
