"""http-request through the registry against loopback servers: behaviour, limits, refusals."""

import base64
import gzip
import json
import shutil
import ssl
import subprocess

import pytest

from llmspell.tools import netsafe
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from webserver import LoopbackServer, Reply, Seen, no_outside_traffic  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_outside_traffic")
REGISTRY = ToolRegistry.builtin()


def call(params: dict, **settings) -> dict:
    ctx = ToolContext(settings=ToolSettings(**{"http_timeout": 5.0, **settings}))
    return REGISTRY.invoke("http-request", params, ctx)


def failure(params: dict, **settings) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(params, **settings)
    return caught.value


def echo(seen: Seen) -> Reply:
    return Reply(200, json.dumps({"method": seen.method, "path": seen.path,
                                  "body": seen.body.decode()}),
                 {"Content-Type": "application/json", "X-Seen": "yes"})


def test_get_with_query_and_headers():
    with LoopbackServer({"/echo": echo}) as server:
        result = call({"url": server.url("/echo"), "query": {"q": "lua spell", "n": 3.0,
                                                             "tag": ["a", "b"]},
                       "headers": {"X-Token": "abc"}})
    assert result["status"] == 200 and result["ok"] is True
    assert result["json"]["path"] == "/echo?q=lua+spell&n=3&tag=a&tag=b"
    assert result["headers"]["x-seen"] == "yes" and result["body_encoding"] == "text"
    assert server.requests[0].headers["x-token"] == "abc"
    assert result["final_url"] == server.url("/echo?q=lua+spell&n=3&tag=a&tag=b")
    assert result["redirects"] == [] and result["elapsed_ms"] >= 0


def test_post_json_and_put_text():
    with LoopbackServer({"/echo": echo}) as server:
        posted = call({"url": server.url("/echo"), "method": "POST", "json": {"a": [1, 2]}})
        put = call({"url": server.url("/echo"), "method": "PUT", "body": "plain words"})
    assert json.loads(posted["json"]["body"]) == {"a": [1, 2]}
    assert server.requests[0].headers["content-type"] == "application/json"
    assert put["json"] == {"method": "PUT", "path": "/echo", "body": "plain words"}


def test_binary_body_is_base64_and_errors_are_statuses():
    routes = {"/img": Reply(200, b"\x89PNG\x00\xff", {"Content-Type": "image/png"})}
    with LoopbackServer(routes) as server:
        image = call({"url": server.url("/img")})
        missing = call({"url": server.url("/nothing")})
    assert image["body_encoding"] == "base64" and image["body"] == "iVBORwD/"
    assert "json" not in image
    assert missing["status"] == 404 and missing["ok"] is False and missing["body"] == "not here"


def test_redirects_followed_and_303_turns_post_into_get():
    routes = {"/old": Reply(302, headers={"Location": "/mid"}),
              "/mid": Reply(303, headers={"Location": "/echo"}), "/echo": echo}
    with LoopbackServer(routes) as server:
        result = call({"url": server.url("/old"), "method": "POST", "body": "x"})
        unfollowed = call({"url": server.url("/old"), "follow_redirects": False})
    assert result["final_url"] == server.url("/echo")
    assert result["redirects"] == [server.url("/mid"), server.url("/echo")]
    assert result["json"]["method"] == "GET" and result["json"]["body"] == ""
    assert unfollowed["status"] == 302 and unfollowed["headers"]["location"] == "/mid"


def test_credentials_dropped_on_redirect_to_another_origin():
    with LoopbackServer({"/echo": echo}) as other:
        with LoopbackServer({"/go": Reply(307, headers={"Location": other.url("/echo")})}) as first:
            call({"url": first.url("/go"), "headers": {"Authorization": "Bearer t", "X-K": "v"}})
    assert first.requests[0].headers["authorization"] == "Bearer t"
    assert "authorization" not in other.requests[0].headers
    assert other.requests[0].headers["x-k"] == "v"


def test_url_credentials_become_basic_auth():
    with LoopbackServer({"/echo": echo}) as server:
        call({"url": f"http://me%40home:pa%3Ass@127.0.0.1:{server.port}/echo"})
    sent = server.requests[0].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"me@home:pa:ss").decode()
    assert server.requests[0].headers["host"] == f"127.0.0.1:{server.port}"


def test_redirect_loop_stops_at_the_cap():
    with LoopbackServer({"/loop": Reply(302, headers={"Location": "/loop"})}) as server:
        error = failure({"url": server.url("/loop")}, http_max_redirects=3)
    assert error.error_type == "execution_error" and "too many redirects" in error.message
    assert "tools.http_max_redirects" in error.message and len(server.requests) == 4


def test_redirect_to_metadata_refused_at_the_hop(no_outside_traffic):
    target = "http://169.254.169.254/latest/meta-data/"
    with LoopbackServer({"/r": Reply(302, headers={"Location": target})}) as server:
        error = failure({"url": server.url("/r")})
    assert error.error_type == "permission_denied"
    assert "redirect" in error.message and "169.254.169.254" in error.message
    assert len(server.requests) == 1 and no_outside_traffic == []


def test_redirect_to_file_scheme_refused():
    with LoopbackServer({"/r": Reply(301, headers={"Location": "file:///etc/passwd"})}) as server:
        error = failure({"url": server.url("/r")})
    assert error.error_type == "permission_denied" and "file:" in error.message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://169.254.1.1/", "http://[fe80::1]/",
                                 "http://[::ffff:169.254.169.254]/"])
def test_link_local_and_metadata_urls_refused_without_connecting(url, no_outside_traffic):
    error = failure({"url": url})
    assert error.error_type == "permission_denied" and "allow_link_local" in error.message
    assert no_outside_traffic == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_stats"])
def test_non_http_schemes_refused(url):
    assert failure({"url": url}).error_type == "permission_denied"


def test_blocked_hosts_refused_before_any_request():
    with LoopbackServer({"/": Reply(200, "hi")}) as server:
        by_name = failure({"url": f"http://localhost:{server.port}/"}, blocked_hosts=["localhost"])
        by_ip = failure({"url": server.url("/")}, blocked_hosts=["127.0.0.0/8"])
    assert by_name.error_type == by_ip.error_type == "permission_denied"
    assert server.requests == []


def test_slow_server_times_out():
    with LoopbackServer({"/slow": Reply(200, "late", delay=5)}) as server:
        error = failure({"url": server.url("/slow")}, http_timeout=0.3)
    assert error.error_type == "timeout" and "tools.http_timeout" in error.message


@pytest.mark.parametrize("declared_length", [True, False])
def test_body_over_the_cap_fails_or_is_truncated(declared_length):
    routes = {"/big": Reply(200, "x" * 50_000, length=declared_length)}
    with LoopbackServer(routes) as server:
        error = failure({"url": server.url("/big")}, http_max_bytes=1000)
        cut = call({"url": server.url("/big"), "truncate": True}, http_max_bytes=1000)
    assert error.error_type == "execution_error" and "1000 bytes" in error.message
    assert cut["truncated"] is True and cut["body"] == "x" * 1000


def test_connection_is_pinned_to_the_checked_address(monkeypatch):
    """The name is resolved once (by netsafe); the request goes to that address with the
    original Host header, so no second lookup can point it elsewhere."""
    loopback = [netsafe.ipaddress.ip_address("127.0.0.1")]
    monkeypatch.setattr(netsafe, "resolve", lambda name, timeout: loopback)
    with LoopbackServer({"/": Reply(200, "pinned")}) as server:
        result = call({"url": f"http://service.test:{server.port}/"})
    assert result["body"] == "pinned"
    assert server.requests[0].headers["host"] == f"service.test:{server.port}"


@pytest.mark.parametrize("params, words", [
    ({"url": "http://127.0.0.1/", "method": "FETCH"}, "method"),
    ({"method": "GET"}, "url"),
    ({"url": "http://127.0.0.1/", "verbose": True}, "verbose"),
    ({"url": "http://127.0.0.1/", "body": "a", "json": {}}, "not both"),
    ({"url": "http://127.0.0.1/", "headers": {"X": "a\r\nInjected: 1"}}, "header"),
])
def test_bad_parameters_are_validation_errors(params, words):
    error = failure(params)
    assert error.error_type == "validation_error" and words in error.message


def test_refused_connection_is_a_clear_error():
    with LoopbackServer({}) as server:
        port = server.port
    error = failure({"url": f"http://127.0.0.1:{port}/"})
    assert error.error_type == "execution_error" and "cannot connect" in error.message


@pytest.fixture
def tls_server_context(tmp_path, monkeypatch):
    """A server TLS context with a fresh certificate for 'localhost', trusted by clients
    of this test through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=30)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    return tls, cert


def test_https_verifies_the_name_on_a_pinned_connection(tls_server_context, monkeypatch):
    tls, cert = tls_server_context
    with LoopbackServer({"/": Reply(200, "secret")}, tls=tls) as server:
        untrusted = failure({"url": f"https://localhost:{server.port}/"})
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        trusted = call({"url": f"https://localhost:{server.port}/"})
        wrong_name = failure({"url": server.url("/")})
    assert untrusted.error_type == "execution_error" and "TLS" in untrusted.message
    assert "certificate" in untrusted.message.lower()
    assert trusted["body"] == "secret" and trusted["final_url"].startswith("https://localhost")
    assert wrong_name.error_type == "execution_error" and "127.0.0.1" in wrong_name.message
    assert len(server.requests) == 1


def test_compressed_body_is_capped_after_decoding():
    bomb = gzip.compress(b"\0" * 5_000_000)
    routes = {"/bomb": Reply(200, bomb, {"Content-Encoding": "gzip"})}
    with LoopbackServer(routes) as server:
        error = failure({"url": server.url("/bomb"), "headers": {"Accept-Encoding": "gzip"}},
                        http_max_bytes=100_000)
    assert len(bomb) < 100_000
    assert error.error_type == "execution_error" and "100000 bytes" in error.message
