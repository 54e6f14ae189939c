"""Outbound HTTP for tools, guarded against server-side request forgery (SSRF).

:func:`check_url` accepts only ``http``/``https`` URLs with a host; :func:`check_address`
resolves the host and refuses it when *any* of its addresses is unspecified, multicast,
link-local or a cloud metadata address (the last two allowed by ``tools.allow_link_local``)
or when the host or an address is listed in ``tools.blocked_hosts``. Loopback and private
networks are allowed. :func:`fetch` is the one HTTP client of the web tools: every
redirect hop is checked again before it is connected to, and the connection is pinned to
the address that was checked, so a second DNS answer (rebinding) cannot redirect it.

Residual risks: the resolver itself is trusted (a hostile ``/etc/hosts`` is out of scope),
and addresses that embed IPv4 are unwrapped only for IPv4-mapped and NAT64 (64:ff9b::/96).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from .base import ToolError, ToolSettings

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"))
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_ALLOW_HINT = "set tools.allow_link_local = true to allow it"
_REDIRECTS = (301, 302, 303, 307, 308)
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
_OWN_HEADERS = ("host", "content-length", "transfer-encoding", "connection")
_CHUNK = 64 * 1024
_URL_SAFE = "/%:@!$&'()*+,;=-._~?"


def check_url(url: str, settings: ToolSettings) -> SplitResult:
    """Parse ``url`` and require an http(s) scheme and a host; return the parts."""
    if not isinstance(url, str) or not url.strip():
        raise ToolError("validation_error", "URL is empty; give an http:// or https:// URL")
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise ToolError("validation_error",
                        f"URL {url!r} contains spaces or control characters; percent-encode them")
    parts = urlsplit(url)
    if not parts.scheme:
        raise ToolError("validation_error", f"URL '{url}' has no scheme; start it with https://")
    if parts.scheme.lower() not in ("http", "https"):
        raise ToolError("permission_denied",
                        f"URL scheme '{parts.scheme}:' is refused; web tools fetch http(s) only")
    if not parts.hostname:
        raise ToolError("validation_error", f"URL '{url}' has no host name")
    try:
        parts.port
    except ValueError:
        raise ToolError("validation_error", f"URL '{url}' has an invalid port") from None
    _refuse_blocked_name(parts.hostname, settings)
    return parts


def check_address(host: str, settings: ToolSettings) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing (permission_denied) the host
    when any address may not be reached under ``settings``."""
    name = host.strip("[]").rstrip(".").lower()
    _refuse_blocked_name(name, settings)
    literal = _literal_ip(name)
    addresses = [literal] if literal is not None else resolve(name, settings.http_timeout)
    for ip in addresses:
        problem = _address_problem(ip, settings)
        if problem:
            raise ToolError("permission_denied",
                            f"refused to connect to '{host}' ({ip}): {problem}")
    return [str(ip) for ip in addresses]


def resolve(name: str, timeout: float) -> list[IP]:
    """Addresses of ``name`` via getaddrinfo (A and AAAA), in resolver order, within
    ``timeout`` seconds; raise not_found / timeout / execution_error."""
    try:
        infos = call_with_timeout(lambda: socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP),
                                  timeout, f"resolving '{name}'")
    except (OSError, UnicodeError) as exc:
        unknown = getattr(exc, "errno", None) == socket.EAI_NONAME
        kind = "not_found" if unknown else "execution_error"
        reason = getattr(exc, "strerror", None) or exc
        raise ToolError(kind, f"cannot resolve host '{name}': {reason}") from None
    found = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return list(dict.fromkeys(found))


def call_with_timeout(func, timeout: float, what: str):
    """Run a blocking ``func()`` (a resolver call) in a daemon thread; its result or its
    exception, or a timeout ToolError naming ``what`` (the thread is then abandoned)."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=what, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ToolError("timeout", f"{what} took longer than {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _literal_ip(name: str) -> IP | None:
    try:
        return ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return None


def _address_problem(ip: IP, settings: ToolSettings) -> str | None:
    """Why ``ip`` may not be reached, or None."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return _address_problem(inner, settings)
    if _in_blocked(ip, settings):
        return "address is listed in tools.blocked_hosts; remove it there to allow it"
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return "unspecified address (0.0.0.0 / ::) is never allowed"
    if ip.is_multicast:
        return "multicast address is never allowed"
    if settings.allow_link_local:
        return None
    if ip in METADATA_ADDRESSES:
        return f"cloud metadata address; {_ALLOW_HINT}"
    if ip.is_link_local:
        return f"link-local address; {_ALLOW_HINT}"
    return None


def _embedded_ipv4(ip: IP) -> ipaddress.IPv4Address | None:
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _blocked_entries(settings: ToolSettings) -> tuple[list[str], list]:
    names, networks = [], []
    for entry in settings.blocked_hosts or []:
        entry = str(entry).strip().lower().lstrip("*").strip(".")
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            if entry:
                names.append(entry)
    return names, networks


def _refuse_blocked_name(name: str, settings: ToolSettings) -> None:
    name = name.strip("[]").rstrip(".").lower()
    names, _ = _blocked_entries(settings)
    ip = _literal_ip(name)
    if any(name == entry or name.endswith("." + entry) for entry in names) or \
            (ip is not None and _in_blocked(ip, settings)):
        raise ToolError("permission_denied", f"refused to connect to '{name}': it is listed in "
                        "tools.blocked_hosts; remove it there to allow it")


def _in_blocked(ip: IP, settings: ToolSettings) -> bool:
    _, networks = _blocked_entries(settings)
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass
class Response:
    """A fetched response. ``headers`` has lower-case names; repeated ones are joined."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    url: str
    redirects: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    truncated: bool = False


def fetch(method: str, url: str, settings: ToolSettings, headers: dict | None = None,
          body: bytes | None = None, max_bytes: int | None = None, *,
          follow_redirects: bool = True, truncate: bool = False) -> Response:
    """Send one HTTP request under the SSRF rules, following redirects by hand.

    Each hop is checked with :func:`check_url` and :func:`check_address` before it is
    connected to; at most ``settings.http_max_redirects`` hops are followed. Connect and
    read timeouts are ``settings.http_timeout``; the whole exchange must end within
    ``settings.timeout``. A body longer than ``max_bytes`` (default and upper bound
    ``settings.http_max_bytes``) fails, or is cut with ``truncated`` set when ``truncate``.
    """
    limit = min(settings.http_max_bytes, max_bytes or settings.http_max_bytes)
    started = time.monotonic()
    deadline = started + settings.timeout
    headers = _clean_headers(headers or {})
    method, first_url = method.upper(), url
    redirects: list[str] = []
    while True:
        parts, addresses = _check_hop(url, redirects, settings)
        response, pool = _send(method, parts, addresses, headers, body, settings, deadline)
        try:
            location = response.headers.get("location")
            if not (follow_redirects and response.status in _REDIRECTS and location):
                data, cut = _read_body(response, parts.hostname, limit, truncate, deadline,
                                       settings)
                flat = {k.lower(): ", ".join(response.headers.getlist(k)) for k in response.headers}
                return Response(response.status, response.reason or "", flat, data, url,
                                redirects, round((time.monotonic() - started) * 1000, 1), cut)
        finally:
            response.release_conn()
            pool.close()
        if len(redirects) >= settings.http_max_redirects:
            raise ToolError("execution_error", f"too many redirects (more than "
                            f"{settings.http_max_redirects}) from '{first_url}'"
                            "; raise tools.http_max_redirects to follow more")
        target = urljoin(url, location)
        if urlsplit(target)[:2] != parts[:2]:  # another scheme, host or port
            headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = ("HEAD" if method == "HEAD" else "GET"), None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        redirects.append(target)
        url = target


def _check_hop(url: str, redirects: list[str], settings: ToolSettings):
    """check_url and check_address for one hop; for a redirect, say it was one."""
    try:
        parts = check_url(url, settings)
        return parts, check_address(parts.hostname, settings)
    except ToolError as exc:
        if not redirects:
            raise
        raise ToolError(exc.error_type, f"redirect to '{url}' refused: {exc.message}") from None


def _clean_headers(headers: dict) -> dict[str, str]:
    """User headers as strings, without the framing headers fetch sets itself."""
    clean = {}
    for name, value in headers.items():
        name, value = str(name), str(value)
        if not name.isascii() or not value.isascii() or any(c in name for c in " :\t") \
                or any(c in name + value for c in "\r\n\0"):
            raise ToolError("validation_error", f"header {name!r} has an invalid name or value "
                            "(ASCII only, no spaces/colons in names, no line breaks)")
        if name.lower() not in _OWN_HEADERS:
            clean[name] = value
    clean.setdefault("User-Agent", "llmspell")
    return clean


def _send(method, parts: SplitResult, addresses, headers, body, settings, deadline):
    """Open a connection pinned to one checked address and send the request;
    try the next address only when a connection is refused."""
    import base64

    import urllib3
    from urllib3.exceptions import HTTPError, NewConnectionError

    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname.encode("idna").decode("ascii") if not _literal_ip(parts.hostname) \
        else parts.hostname
    shown_host = f"[{host}]" if ":" in host else host
    default_port = port == (443 if https else 80)
    send_headers = dict(headers, Host=shown_host if default_port else f"{shown_host}:{port}")
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        send_headers.setdefault("Authorization", "Basic " + base64.b64encode(pair).decode())
    path = quote(parts.path or "/", safe=_URL_SAFE) + \
        (f"?{quote(parts.query, safe=_URL_SAFE)}" if parts.query else "")
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ToolError("timeout", f"request to '{host}' not finished within "
                        f"{settings.timeout:g} s (tools.timeout)")
    wait = min(settings.http_timeout, remaining)
    timeout = urllib3.Timeout(connect=wait, read=wait)
    refused = None
    for ip in addresses:
        if https:
            pool = urllib3.HTTPSConnectionPool(ip, port, cert_reqs="CERT_REQUIRED",
                                               server_hostname=host, assert_hostname=host)
        else:
            pool = urllib3.HTTPConnectionPool(ip, port)
        try:
            response = pool.urlopen(method, path, body=body, headers=send_headers, retries=False,
                                    redirect=False, preload_content=False, timeout=timeout,
                                    assert_same_host=False)
            return response, pool
        except NewConnectionError as exc:
            refused = exc
            pool.close()
        except HTTPError as exc:
            pool.close()
            raise _transport_error(exc, host, settings) from None
    raise ToolError("execution_error", f"cannot connect to '{host}' port {port}: "
                    f"{_reason(refused)}; is the server running?")


def _read_body(response, host: str, limit: int, truncate: bool, deadline: float,
               settings: ToolSettings):
    """Read at most ``limit`` body bytes in chunks; (data, truncated)."""
    from urllib3.exceptions import HTTPError

    too_big = ToolError("execution_error", f"response from '{host}' is larger than {limit} bytes "
                        "(tools.http_max_bytes); raise that limit to read it")
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise too_big
    data = bytearray()
    try:
        while chunk := response.read1(_CHUNK):
            if time.monotonic() > deadline:
                raise ToolError("timeout", f"response from '{host}' still arriving when "
                                "tools.timeout ran out")
            if len(data) + len(chunk) > limit:
                if not truncate:
                    raise too_big
                data += chunk[:limit - len(data)]
                return bytes(data), True
            data += chunk
    except HTTPError as exc:
        raise _transport_error(exc, host, settings) from None
    return bytes(data), False


def _transport_error(exc: Exception, host: str, settings: ToolSettings) -> ToolError:
    from urllib3.exceptions import SSLError, TimeoutError

    if isinstance(exc, TimeoutError):
        return ToolError("timeout", f"'{host}' did not answer within {settings.http_timeout:g} s "
                         "(tools.http_timeout)")
    if isinstance(exc, SSLError):
        return ToolError("execution_error", f"TLS with '{host}' failed: {_reason(exc)}")
    return ToolError("execution_error", f"HTTP exchange with '{host}' failed: {_reason(exc)}")


def _reason(exc: BaseException | None) -> str:
    """The innermost operating-system message behind a urllib3 error."""
    from urllib3.exceptions import HTTPError

    found = exc
    while found is not None and (isinstance(found, HTTPError) or not isinstance(found, OSError)):
        reason = getattr(found, "reason", None)
        inner = found.__cause__ or found.__context__
        found = reason if isinstance(reason, BaseException) else inner
    if found is None:
        return str(exc) if exc is not None else "no address to try"
    return getattr(found, "strerror", None) or str(found)

