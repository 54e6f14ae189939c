"""url-analyzer and dns-lookup (localhost only), family registration, and every example."""

import sys
import subprocess

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from webserver import no_outside_traffic  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_outside_traffic")
REGISTRY = ToolRegistry.builtin()
WEB_TOOLS = ["api-tester", "dns-lookup", "graphql-query", "http-request", "sitemap-crawler",
             "url-analyzer", "web-page-monitor", "web-scraper", "webhook-caller"]


def invoke(name: str, params: dict) -> dict:
    return REGISTRY.invoke(name, params, ToolContext(settings=ToolSettings()))


def test_family_registered_with_levels_and_aliases():
    specs = {s.name: s for s in REGISTRY.specs("web")}
    assert sorted(specs) == WEB_TOOLS
    safe = {name for name, spec in specs.items() if spec.security_level == "safe"}
    assert safe == {"dns-lookup", "url-analyzer"}
    assert REGISTRY.resolve("http_request").name == "http-request"
    assert all(spec.schema.get("additionalProperties") is False for spec in specs.values())


def test_importing_the_family_loads_no_heavy_library():
    code = ("import sys, llmspell.tools.web; "
            "print([m for m in ('urllib3', 'bs4', 'defusedxml', 'jmespath') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("name", WEB_TOOLS)
def test_every_example_is_ok(name):
    reports = REGISTRY.test(name, ToolContext(settings=ToolSettings()))
    assert reports and all(r["status"] == "ok" for r in reports), reports


def test_url_analyzer_parses_and_normalizes():
    result = invoke("url-analyzer", {"url": "HTTP://User:pw@EXAMPLE.org:80/a/../b%20c/./d?"
                                            "k=1&k=2&e=#frag"})
    assert result["valid"] is True and result["scheme"] == "http"
    assert result["host"] == "example.org" and result["port"] == 80 and result["explicit_port"]
    assert result["query"] == {"k": ["1", "2"], "e": ""} and result["fragment"] == "frag"
    assert result["username"] == "User" and result["has_password"] is True
    assert result["normalized"] == "http://User:pw@example.org/b%20c/d?k=1&k=2&e=#frag"
    assert result["is_ip"] is False and result["is_private"] is False


@pytest.mark.parametrize("url, flags", [
    ("http://[::1]:8080/", {"is_ip": True, "ip_version": 6, "is_loopback": True}),
    ("http://169.254.169.254/", {"is_ip": True, "is_link_local": True, "is_private": True}),
    ("https://8.8.8.8/", {"is_ip": True, "is_private": False}),
    ("http://localhost/", {"is_ip": False, "is_loopback": True}),
])
def test_url_analyzer_host_flags(url, flags):
    result = invoke("url-analyzer", {"url": url})
    assert {k: result[k] for k in flags} == flags


@pytest.mark.parametrize("url, words", [("example.com/x", "no scheme"),
                                        ("http:///only-path", "needs a host"),
                                        ("http://[::1/", "cannot parse")])
def test_url_analyzer_reports_invalid_urls(url, words):
    result = invoke("url-analyzer", {"url": url})
    assert result["valid"] is False and words in result["error"]


def test_url_analyzer_is_offline(no_outside_traffic, monkeypatch):
    monkeypatch.setattr("socket.getaddrinfo", lambda *a, **k: pytest.fail("resolved a name"))
    assert invoke("url-analyzer", {"url": "https://no-such-host.test/"})["valid"] is True


def test_dns_lookup_localhost_forward_and_reverse():
    forward = invoke("dns-lookup", {"host": "localhost"})
    reverse = invoke("dns-lookup", {"host": "127.0.0.1"})
    assert "127.0.0.1" in [a["address"] for a in forward["addresses"]]
    assert all(a["is_loopback"] for a in forward["addresses"]) and forward["reverse"] is False
    assert reverse["reverse"] is True and reverse["host"] == "127.0.0.1" and reverse["name"]
    assert reverse["addresses"][0]["version"] == 4 and reverse["addresses"][0]["is_loopback"]


def test_dns_lookup_errors():
    with pytest.raises(ToolError) as caught:
        invoke("dns-lookup", {"host": ""})
    assert caught.value.error_type == "validation_error"
    with pytest.raises(ToolError) as caught:
        invoke("dns-lookup", {"host": "localhost", "family": "ipx"})
    assert caught.value.error_type == "validation_error" and "family" in caught.value.message
