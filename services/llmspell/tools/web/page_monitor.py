"""web-page-monitor: hash a page (or a CSS-selected part) and compare with a previous check."""

from __future__ import annotations

import hashlib

from ..base import Example, ToolContext, tool
from .common import HEADERS, URL, page_source, select

_PAGE = "<html><body><p id='price'>42 EUR</p><p>news</p></body></html>"
_PRICE_HASH = "sha256:" + hashlib.sha256(b"42 EUR").hexdigest()


@tool(
    "web-page-monitor",
    category="web",
    security_level="restricted",
    description="Fetch a page (or read 'html' inline), hash its text or HTML, optionally of a "
                "CSS-selected part, and compare with a previous hash or content: changed "
                "true/false plus a short unified diff when previous content is given.",
    schema={
        "properties": {
            "url": URL,
            "html": {"type": "string", "description": "HTML to check instead of fetching"},
            "headers": HEADERS,
            "selector": {"type": "string", "minLength": 1,
                         "description": "CSS selector of the part to watch"},
            "mode": {"type": "string", "enum": ["text", "html"], "default": "text"},
            "previous_hash": {"type": "string", "description": "'hash' of the last check"},
            "previous_content": {"type": "string",
                                 "description": "'content' of the last check (gives a diff)"},
            "max_diff_lines": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 50},
            "include_content": {"type": "boolean", "default": True},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"html": _PAGE, "selector": "#price", "previous_hash": _PRICE_HASH},
                "unchanged price", expect={"changed": False, "hash": _PRICE_HASH}),
        Example({"html": _PAGE, "selector": "#price", "previous_content": "40 EUR"},
                "changed price with a diff", expect={"changed": True}),
        Example({"url": "https://example.com/", "previous_hash": _PRICE_HASH},
                "watch a whole page", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    html, url = page_source(params, ctx)
    content, matched = _content(html, params.get("selector"), params["mode"])
    digest = _hash(content)
    result = {"url": url, "hash": digest, "content_length": len(content)}
    if "selector" in params:
        result["matched"] = matched
    previous = params.get("previous_hash")
    if previous is None and "previous_content" in params:
        previous = _hash(params["previous_content"])
    result["compared"] = previous is not None
    result["changed"] = previous is not None and previous != digest
    if result["changed"] and "previous_content" in params:
        result["diff"] = _diff(params["previous_content"], content, params["max_diff_lines"])
    if params["include_content"]:
        result["content"] = content
    return result


def _content(html: str, selector: str | None, mode: str) -> tuple[str, int]:
    """The watched content and how many elements the selector matched."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    parts = select(soup, selector) if selector else [soup]
    if mode == "html":
        return "\n".join(str(p) for p in parts), len(parts)
    texts = ["\n".join(" ".join(line.split()) for line in p.get_text("\n").splitlines()
                       if line.strip()) for p in parts]
    return "\n".join(texts), len(parts)


def _hash(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def _diff(before: str, after: str, max_lines: int) -> str:
    import difflib

    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), "previous",
                                      "current", lineterm=""))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... {len(lines) - max_lines} more lines"]
    return "\n".join(lines)
