"""SSRF rules of llmspell.tools.netsafe: URL checks and address checks (no connections)."""

import pytest

from llmspell.tools import netsafe
from llmspell.tools.base import ToolError, ToolSettings
from llmspell.tools.netsafe import check_address, check_url
from webserver import no_outside_traffic  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("no_outside_traffic")


def refusal(call, *args) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize("url", ["http://example.com/a?b=1", "https://127.0.0.1:8443/",
                                 "HTTP://[::1]:80/x"])
def test_check_url_accepts_http_and_https(url):
    parts = check_url(url, ToolSettings())
    assert parts.scheme.lower() in ("http", "https") and parts.hostname


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x",
                                 "ftp://example.com/", "dict://127.0.0.1:11211/"])
def test_check_url_refuses_other_schemes(url):
    error = refusal(check_url, url, ToolSettings())
    assert error.error_type == "permission_denied"
    assert url.split(":")[0] in error.message and "http(s)" in error.message


@pytest.mark.parametrize("url, words", [
    ("example.com/x", "no scheme"), ("http:///path", "no host"), ("", "empty"),
    ("http://example.com:99999/", "invalid port"), ("http://exa mple.com/", "spaces"),
])
def test_check_url_rejects_malformed(url, words):
    error = refusal(check_url, url, ToolSettings())
    assert error.error_type == "validation_error" and words in error.message


def test_loopback_is_allowed():
    assert check_address("127.0.0.1", ToolSettings()) == ["127.0.0.1"]
    assert "127.0.0.1" in check_address("localhost", ToolSettings())


@pytest.mark.parametrize("host, reason", [
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("169.254.10.20", "link-local"),
    ("fe80::1", "link-local"), ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::a9fe:a9fe", "metadata"), ("2852039166", "metadata"),
    ("169.254.43518", "metadata"), ("0xa9.0xfe.0xa9.0xfe", "metadata"),
])
def test_link_local_and_metadata_refused_unless_allowed(host, reason):
    error = refusal(check_address, host, ToolSettings())
    assert error.error_type == "permission_denied"
    assert reason in error.message and host in error.message
    assert "tools.allow_link_local" in error.message
    assert check_address(host, ToolSettings(allow_link_local=True))


@pytest.mark.parametrize("host, reason", [
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("0", "unspecified"),
    ("0.1.2.3", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
])
def test_unspecified_and_multicast_always_refused(host, reason):
    error = refusal(check_address, host, ToolSettings(allow_link_local=True))
    assert error.error_type == "permission_denied" and reason in error.message


@pytest.mark.parametrize("entry, host", [
    ("internal.test", "internal.test"), ("internal.test", "api.internal.test"),
    ("*.corp.test", "db.corp.test"), ("127.0.0.1", "localhost"), ("127.0.0.0/8", "127.0.0.9"),
    ("LOCALHOST", "localhost."),
])
def test_blocked_hosts_refused(entry, host):
    error = refusal(check_address, host, ToolSettings(blocked_hosts=[entry]))
    assert error.error_type == "permission_denied" and "tools.blocked_hosts" in error.message


def test_blocked_name_does_not_block_lookalikes():
    assert check_address("127.0.0.1", ToolSettings(blocked_hosts=["host.test", "10.0.0.0/8"]))


def test_any_bad_address_among_several_refuses(monkeypatch):
    monkeypatch.setattr(netsafe, "resolve", lambda name, timeout: [
        netsafe.ipaddress.ip_address("127.0.0.1"), netsafe.ipaddress.ip_address("169.254.169.254")])
    error = refusal(check_address, "mixed.test", ToolSettings())
    assert error.error_type == "permission_denied" and "169.254.169.254" in error.message


def test_blocked_url_host_refused_before_resolving():
    error = refusal(check_url, "http://secret.test/", ToolSettings(blocked_hosts=["secret.test"]))
    assert error.error_type == "permission_denied"
