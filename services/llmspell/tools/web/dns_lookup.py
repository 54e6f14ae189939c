"""dns-lookup: resolve a host name to addresses, or an IP address back to its name."""

from __future__ import annotations

import ipaddress
import socket

from ..base import Example, ToolContext, ToolError, tool
from ..netsafe import call_with_timeout, resolve


@tool(
    "dns-lookup",
    category="web",
    security_level="safe",
    description="Resolve a host name to its IPv4/IPv6 addresses (system resolver), or look up "
                "the name of an IP address (reverse lookup). Flags private/loopback addresses.",
    schema={
        "properties": {
            "host": {"type": "string", "minLength": 1, "maxLength": 253,
                     "description": "host name, or an IP address for a reverse lookup"},
            "family": {"type": "string", "enum": ["any", "ipv4", "ipv6"], "default": "any"},
        },
        "required": ["host"],
        "additionalProperties": False,
    },
    examples=[
        Example({"host": "localhost", "family": "ipv4"}, "forward lookup",
                expect={"host": "localhost", "reverse": False,
                        "addresses": [{"address": "127.0.0.1", "version": 4, "is_private": True,
                                       "is_loopback": True, "is_link_local": False}]}),
        Example({"host": "127.0.0.1"}, "reverse lookup", expect={"reverse": True}),
        Example({"host": "example.com"}, "a public name", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    host = params["host"].strip().strip("[]").rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return _reverse(ip, ctx.settings.http_timeout)
    wanted = {"any": (4, 6), "ipv4": (4,), "ipv6": (6,)}[params["family"]]
    found = [a for a in resolve(host, ctx.settings.http_timeout) if a.version in wanted]
    if not found:
        raise ToolError("not_found", f"'{host}' has no {params['family']} address")
    return {"host": host, "reverse": False, "addresses": [_describe(a) for a in found]}


def _reverse(ip, timeout: float) -> dict:
    try:
        name, aliases, _ = call_with_timeout(lambda: socket.gethostbyaddr(str(ip)), timeout,
                                             f"reverse lookup of {ip}")
    except OSError as exc:
        raise ToolError("not_found", f"no name found for {ip}: "
                        f"{getattr(exc, 'strerror', None) or exc}") from None
    return {"host": str(ip), "reverse": True, "name": name, "aliases": aliases,
            "addresses": [_describe(ip)]}


def _describe(ip) -> dict:
    return {"address": str(ip), "version": ip.version, "is_private": ip.is_private,
            "is_loopback": ip.is_loopback, "is_link_local": ip.is_link_local}
