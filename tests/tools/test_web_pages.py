"""web-scraper, web-page-monitor and sitemap-crawler against loopback servers."""

import gzip

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from webserver import LoopbackServer, Reply, no_outside_traffic  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_outside_traffic")
REGISTRY = ToolRegistry.builtin()
HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}
PAGE = """<html><head><title> The  Shop </title>
<meta name="Description" content="Wands and hats"><meta property="og:type" content="website">
</head><body>
<ul><li class="item" data-id="1"><a href="/wand">Wand</a></li>
<li class="item sale" data-id="2"><a href="hat?c=red">Red hat</a></li></ul>
<img src="img/logo.png"><a href="https://other.example/x">Elsewhere</a>
<p id="price">42 EUR</p></body></html>"""


def invoke(name: str, params: dict, **settings) -> dict:
    return REGISTRY.invoke(name, params, ToolContext(settings=ToolSettings(**settings)))


def failure(name: str, params: dict, **settings) -> ToolError:
    with pytest.raises(ToolError) as caught:
        invoke(name, params, **settings)
    return caught.value


def test_scraper_fetches_and_extracts():
    with LoopbackServer({"/shop/": Reply(200, PAGE, HTML)}) as server:
        result = invoke("web-scraper", {"url": server.url("/shop/"), "selector": "li.item"})
    assert result["title"] == "The Shop" and result["url"] == server.url("/shop/")
    assert result["meta"] == {"description": "Wands and hats", "og:type": "website"}
    assert [e["text"] for e in result["elements"]] == ["Wand", "Red hat"]
    assert result["elements"][1]["attributes"] == {"class": "item sale", "data-id": "2"}
    assert [link["url"] for link in result["links"]] == [
        server.url("/wand"), server.url("/shop/hat?c=red"), "https://other.example/x"]


def test_scraper_inline_html_limits_and_absolute_attributes():
    result = invoke("web-scraper", {"html": PAGE, "selector": "a, img", "max_elements": 2,
                                    "base_url": "https://shop.test/dir/", "include_links": False})
    assert result["element_count"] == 4 and result["truncated"] is True
    assert [e["attributes"]["href"] for e in result["elements"]] == [
        "https://shop.test/wand", "https://shop.test/dir/hat?c=red"]
    assert "links" not in result


@pytest.mark.parametrize("params, words", [
    ({"html": "<p>x</p>", "selector": "p[[["}, "invalid CSS selector"),
    ({"selector": "p"}, "give 'url'"),
    ({"html": "<p>", "url": "http://127.0.0.1/"}, "not both"),
    ({"html": "<p>", "max_elements": 0}, "max_elements"),
])
def test_scraper_bad_parameters(params, words):
    error = failure("web-scraper", params)
    assert error.error_type == "validation_error" and words in error.message


def test_scraper_refuses_metadata_and_reports_http_errors(no_outside_traffic):
    refused = failure("web-scraper", {"url": "http://169.254.169.254/"})
    with LoopbackServer({}) as server:
        missing = failure("web-scraper", {"url": server.url("/gone")})
    assert refused.error_type == "permission_denied" and no_outside_traffic == []
    assert missing.error_type == "execution_error" and "404" in missing.message


def test_monitor_detects_change_with_diff():
    routes = {"/p": Reply(200, PAGE, HTML)}
    with LoopbackServer(routes) as server:
        first = invoke("web-page-monitor", {"url": server.url("/p"), "selector": "#price"})
        same = invoke("web-page-monitor", {"url": server.url("/p"), "selector": "#price",
                                           "previous_hash": first["hash"]})
        routes["/p"] = Reply(200, PAGE.replace("42 EUR", "45 EUR"), HTML)
        moved = invoke("web-page-monitor", {"url": server.url("/p"), "selector": "#price",
                                            "previous_content": first["content"]})
    assert first["content"] == "42 EUR" and first["matched"] == 1
    assert first["compared"] is False and first["changed"] is False
    assert same["changed"] is False and same["hash"] == first["hash"]
    assert moved["changed"] is True and moved["hash"] != first["hash"]
    assert "-42 EUR" in moved["diff"] and "+45 EUR" in moved["diff"]


def test_monitor_html_mode_and_diff_cap():
    before = "\n".join(f"<p>line {i}</p>" for i in range(40))
    after = before.replace("line", "row")
    old = invoke("web-page-monitor", {"html": before})["content"]
    result = invoke("web-page-monitor", {"html": after, "previous_content": old,
                                         "max_diff_lines": 5, "include_content": False})
    raw = invoke("web-page-monitor", {"html": "<p>a</p>", "mode": "html"})
    assert result["changed"] is True and "content" not in result
    assert len(result["diff"].splitlines()) == 6 and "more lines" in result["diff"]
    assert raw["content"] == "<p>a</p>"


SITEMAP_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/posts.xml.gz</loc></sitemap>
<sitemap><loc>{base}/pages.xml</loc></sitemap>
<sitemap><loc>http://169.254.169.254/evil.xml</loc></sitemap>
</sitemapindex>"""
URLSET = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>"""


def urlset(*locs: str) -> str:
    return URLSET.format("".join(f"<url><loc>{loc}</loc><lastmod>2024-0{i + 1}-01</lastmod></url>"
                                 for i, loc in enumerate(locs)))


def sitemap_routes(base: str) -> dict:
    return {
        "/sitemap.xml": Reply(200, SITEMAP_INDEX.format(base=base), XML),
        "/posts.xml.gz": Reply(200, gzip.compress(urlset(f"{base}/a", f"{base}/b").encode()),
                               {"Content-Type": "application/gzip"}),
        "/pages.xml": Reply(200, urlset(f"{base}/c", "https://elsewhere.test/d", f"{base}/a"),
                            XML),
    }


def test_sitemap_follows_index_and_gzip(no_outside_traffic):
    with LoopbackServer({}) as server:
        server.routes.update(sitemap_routes(server.url("").rstrip("/")))
        result = invoke("sitemap-crawler", {"url": server.url("/sitemap.xml"),
                                            "same_host": False})
    locs = [u["loc"] for u in result["urls"]]
    assert locs == [server.url("/a"), server.url("/b"), server.url("/c"),
                    "https://elsewhere.test/d"]
    assert result["urls"][0]["lastmod"] == "2024-01-01" and result["url_count"] == 4
    assert len(result["sitemaps"]) == 3 and no_outside_traffic == []
    assert ["169.254.169.254" in e["sitemap"] for e in result["errors"]] == [True]


def test_sitemap_same_host_depth_and_url_limits():
    with LoopbackServer({}) as server:
        server.routes.update(sitemap_routes(server.url("").rstrip("/")))
        same = invoke("sitemap-crawler", {"url": server.url("/sitemap.xml")})
        shallow = invoke("sitemap-crawler", {"url": server.url("/sitemap.xml"), "max_depth": 0})
        few = invoke("sitemap-crawler", {"url": server.url("/sitemap.xml"), "max_urls": 2})
    assert [u["loc"] for u in same["urls"]] == [server.url(p) for p in ("/a", "/b", "/c")]
    assert same["errors"] == [] and same["truncated"] is False
    assert shallow["urls"] == [] and shallow["truncated"] is True
    assert few["url_count"] == 2 and few["truncated"] is True


@pytest.mark.parametrize("body, kind, words", [
    ("<html>no</html>", "execution_error", "not a sitemap"),
    ("<urlset><url>", "execution_error", "not valid XML"),
    ('<!DOCTYPE x [<!ENTITY e "boom">]><urlset>&e;</urlset>', "permission_denied", "DTD"),
])
def test_sitemap_rejects_bad_documents(body, kind, words):
    with LoopbackServer({"/s.xml": Reply(200, body, XML)}) as server:
        error = failure("sitemap-crawler", {"url": server.url("/s.xml")})
    assert error.error_type == kind and words in error.message
