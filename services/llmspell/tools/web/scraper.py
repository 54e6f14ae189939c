"""web-scraper: fetch a page (or take HTML inline) and extract with CSS selectors."""

from __future__ import annotations

from urllib.parse import urljoin

from ..base import Example, ToolContext, tool
from .common import HEADERS, URL, page_source, select

_URL_ATTRIBUTES = ("href", "src", "action", "poster", "data-src")
_PAGE = ("<html><head><title>Shop</title><meta name='description' content='Lua gear'></head>"
         "<body><h2 class='item'>Wand</h2><h2 class='item'>Hat</h2>"
         "<a href='/cart'>Cart</a></body></html>")


@tool(
    "web-scraper",
    category="web",
    security_level="restricted",
    description="Fetch an HTML page (or read 'html' inline) and extract elements with a CSS "
                "selector: text and attributes, plus the title, meta tags and absolute links.",
    schema={
        "properties": {
            "url": URL,
            "html": {"type": "string", "description": "HTML to read instead of fetching"},
            "base_url": {"type": "string", "description": "base for links of inline html"},
            "headers": HEADERS,
            "selector": {"type": "string", "minLength": 1, "description": "CSS selector"},
            "max_elements": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "include_links": {"type": "boolean", "default": True},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"html": _PAGE, "selector": "h2.item", "base_url": "https://shop.example/"},
                "extract inline HTML",
                expect={"title": "Shop", "element_count": 2,
                        "meta": {"description": "Lua gear"},
                        "links": [{"url": "https://shop.example/cart", "text": "Cart"}]}),
        Example({"url": "https://example.com/", "selector": "a", "max_elements": 10},
                "the first ten links of a page", run=False),
    ],
)
def run(params: dict, ctx: ToolContext) -> dict:
    from bs4 import BeautifulSoup

    html, base = page_source(params, ctx)
    soup = BeautifulSoup(html, "html.parser")
    limit = params["max_elements"]
    result = {
        "url": base,
        "title": _text(soup.title) if soup.title else "",
        "meta": _meta(soup),
    }
    if "selector" in params:
        matched = select(soup, params["selector"])
        result["elements"] = [_element(tag, base) for tag in matched[:limit]]
        result["element_count"] = len(matched)
        result["truncated"] = len(matched) > limit
    if params["include_links"]:
        result["links"] = _links(soup, base, limit)
    return result


def _text(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _element(tag, base: str | None) -> dict:
    attributes = {}
    for name, value in tag.attrs.items():
        value = " ".join(value) if isinstance(value, list) else value
        if name in _URL_ATTRIBUTES and base:
            value = urljoin(base, value.strip())
        attributes[name] = value
    return {"tag": tag.name, "text": _text(tag), "attributes": attributes}


def _meta(soup) -> dict:
    meta = {}
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property") or tag.get("http-equiv")
        if key and tag.get("content") is not None:
            meta[key.lower()] = tag["content"]
        elif tag.get("charset"):
            meta["charset"] = tag["charset"]
    return meta


def _links(soup, base: str | None, limit: int) -> list[dict]:
    links, seen = [], set()
    for anchor in soup.find_all("a", href=True):
        url = urljoin(base, anchor["href"].strip()) if base else anchor["href"].strip()
        if url and url not in seen:
            seen.add(url)
            links.append({"url": url, "text": _text(anchor)})
            if len(links) >= limit:
                break
    return links
