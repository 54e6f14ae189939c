"""sitemap-crawler: read sitemap.xml files and follow sitemap indexes, bounded."""

from __future__ import annotations

import time
import zlib
from collections import deque
from urllib.parse import urlsplit

from ..base import Example, ToolContext, ToolError, tool
from ..netsafe import fetch
from .common import URL

_GZIP_MAGIC = b"\x1f\x8b"


@tool(
    "sitemap-crawler",
    category="web",
    security_level="restricted",
    description="Fetch a sitemap.xml (plain or gzipped), follow sitemap indexes to a bounded "
                "depth and return the page URLs with their lastmod dates.",
    schema={
        "properties": {
            "url": URL,
            "max_urls": {"type": "integer", "minimum": 1, "maximum": 50000, "default": 1000},
            "max_depth": {"type": "integer", "minimum": 0, "maximum": 5, "default": 2,
                          "description": "levels of sitemap indexes to follow"},
            "max_sitemaps": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "same_host": {"type": "boolean", "default": True,
                          "description": "keep only URLs and sitemaps on the sitemap's host"},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    examples=[
        Example({"url": "https://example.com/sitemap.xml", "max_urls": 100},
                "list up to 100 pages", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    root_host = (urlsplit(params["url"]).hostname or "").lower()
    deadline = time.monotonic() + ctx.settings.timeout
    queue, seen = deque([(params["url"], 0)]), {params["url"]}
    urls, fetched, errors, truncated = {}, [], [], False
    while queue:
        sitemap, depth = queue.popleft()
        if len(fetched) >= params["max_sitemaps"] or time.monotonic() > deadline:
            errors.append({"sitemap": sitemap, "error": "not fetched: sitemap or time limit"})
            truncated = True
            continue
        try:
            kind, entries = _read_sitemap(sitemap, ctx)
        except ToolError as exc:
            if not fetched:
                raise
            errors.append({"sitemap": sitemap, "error": exc.message})
            continue
        fetched.append(sitemap)
        for entry in entries:
            if params["same_host"] and (urlsplit(entry["loc"]).hostname or "").lower() != root_host:
                continue
            if kind == "sitemapindex":
                if depth >= params["max_depth"]:
                    truncated = True
                elif entry["loc"] not in seen:
                    seen.add(entry["loc"])
                    queue.append((entry["loc"], depth + 1))
            elif entry["loc"] not in urls:
                if len(urls) >= params["max_urls"]:
                    truncated = True
                    break
                urls[entry["loc"]] = entry
    return {"urls": list(urls.values()), "url_count": len(urls), "sitemaps": fetched,
            "errors": errors, "truncated": truncated}


def _read_sitemap(url: str, ctx: ToolContext) -> tuple[str, list[dict]]:
    """Fetch one sitemap; ('urlset' | 'sitemapindex', [{loc, lastmod?}])."""
    response = fetch("GET", url, ctx.settings, {"Accept": "application/xml, text/xml"})
    if response.status >= 400:
        raise ToolError("execution_error", f"GET {url} answered HTTP {response.status}")
    data = _gunzip(response.body, ctx.settings.http_max_bytes, url)
    return _parse(data, url)


def _gunzip(data: bytes, limit: int, url: str) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        raise ToolError("execution_error", f"sitemap {url} is not valid gzip: {exc}") from None
    if inflater.unconsumed_tail:
        raise ToolError("execution_error", f"sitemap {url} unpacks to more than {limit} bytes "
                        "(tools.http_max_bytes)")
    return out


def _parse(data: bytes, url: str) -> tuple[str, list[dict]]:
    import defusedxml
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ToolError("permission_denied", f"sitemap {url} uses a DTD or entities, which are "
                        f"refused: {exc}") from None
    except ElementTree.ParseError as exc:
        raise ToolError("execution_error", f"sitemap {url} is not valid XML: {exc}") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ToolError("execution_error", f"{url} is not a sitemap (root element <{kind}>)")
    entries = []
    for item in root:
        fields = {_local(child.tag): (child.text or "").strip() for child in item}
        if fields.get("loc"):
            entry = {"loc": fields["loc"]}
            if fields.get("lastmod"):
                entry["lastmod"] = fields["lastmod"]
            entries.append(entry)
    return kind, entries


def _local(tag: str) -> str:
    """Element name without its XML namespace."""
    return tag.rsplit("}", 1)[-1]
