"""webhook-caller, api-tester and graphql-query against loopback servers."""

import hashlib
import hmac
import json

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry
from webserver import LoopbackServer, Reply, Seen, no_outside_traffic  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_outside_traffic")
REGISTRY = ToolRegistry.builtin()
JSON = {"Content-Type": "application/json"}


def invoke(name: str, params: dict, **settings) -> dict:
    return REGISTRY.invoke(name, params, ToolContext(settings=ToolSettings(**settings)))


def failure(name: str, params: dict, **settings) -> ToolError:
    with pytest.raises(ToolError) as caught:
        invoke(name, params, **settings)
    return caught.value


def flaky(statuses: list[int]):
    """A route answering the given statuses in turn (the last one repeats)."""
    def answer(seen: Seen) -> Reply:
        return Reply(statuses.pop(0) if len(statuses) > 1 else statuses[0], "done")
    return answer


def test_webhook_signs_payload():
    with LoopbackServer({"/hook": Reply(204)}) as server:
        result = invoke("webhook-caller", {"url": server.url("/hook"), "secret": "k3y",
                                           "payload": {"event": "build", "ok": True}})
    seen = server.requests[0]
    expected = hmac.new(b"k3y", seen.body, hashlib.sha256).hexdigest()
    assert json.loads(seen.body) == {"event": "build", "ok": True}
    assert seen.headers["x-signature-256"] == f"sha256={expected}"
    assert seen.headers["content-type"] == "application/json"
    assert result["success"] is True and result["status"] == 204 and result["attempts"] == 1


def test_webhook_retries_5xx_then_succeeds():
    with LoopbackServer({"/hook": flaky([503, 500, 200])}) as server:
        result = invoke("webhook-caller", {"url": server.url("/hook"), "payload": [1],
                                           "max_retries": 3, "backoff_seconds": 0})
    assert result["success"] is True and result["attempts"] == 3
    assert [entry["status"] for entry in result["log"]] == [503, 500, 200]
    assert "x-signature-256" not in server.requests[0].headers


def test_webhook_gives_up_after_retries_and_does_not_retry_4xx():
    with LoopbackServer({"/down": Reply(502), "/bad": Reply(400, "nope")}) as server:
        down = invoke("webhook-caller", {"url": server.url("/down"), "payload": {},
                                         "max_retries": 2, "backoff_seconds": 0})
        bad = invoke("webhook-caller", {"url": server.url("/bad"), "payload": {},
                                        "max_retries": 2, "backoff_seconds": 0})
    assert down["success"] is False and down["attempts"] == 3 and down["status"] == 502
    assert bad["attempts"] == 1 and bad["status"] == 400 and bad["response_body"] == "nope"


def test_webhook_timeouts_are_retried_then_reported():
    with LoopbackServer({"/slow": Reply(200, delay=5)}) as server:
        error = failure("webhook-caller", {"url": server.url("/slow"), "payload": {},
                                           "max_retries": 1, "backoff_seconds": 0},
                        http_timeout=0.2)
    assert error.error_type == "timeout" and "after 2 attempts" in error.message
    assert len(server.requests) == 2


def test_webhook_refusal_is_not_retried(no_outside_traffic):
    error = failure("webhook-caller", {"url": "http://169.254.169.254/hook", "payload": {}})
    assert error.error_type == "permission_denied" and no_outside_traffic == []
    bad = failure("webhook-caller", {"url": "http://127.0.0.1/", "payload": {}, "max_retries": 9})
    assert bad.error_type == "validation_error" and "max_retries" in bad.message


API = {"/users/7": Reply(200, json.dumps({"data": {"id": 7, "tags": ["a", "b"], "admin": False,
                                                    "note": None}}),
                         {"Content-Type": "application/json", "X-Request-Id": "r1"}),
       "/slow": Reply(200, "{}", JSON, delay=0.2)}


def test_api_tester_all_assertions_pass():
    expect = {"status": 200, "max_latency_ms": 5000, "headers": ["X-Request-Id"],
              "body_contains": '"id": 7',
              "json": [{"path": "data.id", "equals": 7}, {"path": "data.tags.1", "equals": "b"},
                       {"jmespath": "data.tags[0]", "equals": "a"}, {"path": "data.note"},
                       {"path": "data.missing", "exists": False},
                       {"path": "data.admin", "equals": False}]}
    with LoopbackServer(API) as server:
        result = invoke("api-tester", {"url": server.url("/users/7"), "expect": expect})
    assert result["passed"] is True and result["failed_count"] == 0, result["assertions"]
    assert len(result["assertions"]) == 10 and result["status"] == 200


def test_api_tester_reports_failures():
    expect = {"status": [200, 201], "headers": ["ETag"], "body_contains": "zzz",
              "json": [{"path": "data.id", "equals": "7"}, {"path": "data.admin", "equals": 0},
                       {"jmespath": "data.nothing"}, {"path": "data.tags.5"}]}
    with LoopbackServer(API) as server:
        result = invoke("api-tester", {"url": server.url("/users/7"), "expect": expect})
        slow = invoke("api-tester", {"url": server.url("/slow"), "expect": {"max_latency_ms": 50}})
        missing = invoke("api-tester", {"url": server.url("/none")})
    outcomes = [a["passed"] for a in result["assertions"]]
    assert result["passed"] is False and outcomes == [True] + [False] * 6
    assert result["assertions"][3]["actual"] == 7 and result["assertions"][4]["actual"] is False
    assert slow["passed"] is False and slow["assertions"][1]["actual"] >= 200
    assert missing["passed"] is False and missing["assertions"][0]["assertion"] == "status is 2xx"


@pytest.mark.parametrize("check, words", [({"path": "a", "jmespath": "a"}, "exactly one"),
                                          ({"jmespath": "a[?"}, "invalid JMESPath")])
def test_api_tester_bad_json_checks(check, words):
    with LoopbackServer(API) as server:
        error = failure("api-tester", {"url": server.url("/users/7"),
                                       "expect": {"json": [check]}})
    assert error.error_type == "validation_error" and words in error.message


def graphql(seen: Seen) -> Reply:
    request = json.loads(seen.body)
    if "boom" in request["query"]:
        return Reply(400, json.dumps({"errors": [{"message": "Cannot query field boom"}]}), JSON)
    if "partial" in request["query"]:
        return Reply(200, json.dumps({"data": {"a": None}, "errors": [{"message": "a failed"}]}),
                     JSON)
    return Reply(200, json.dumps({"data": {"echo": request}}), JSON)


def test_graphql_query_with_variables():
    with LoopbackServer({"/graphql": graphql, "/html": Reply(200, "<p>hi</p>")}) as server:
        result = invoke("graphql-query", {"url": server.url("/graphql"),
                                          "query": "query Q($n: Int) { n }",
                                          "variables": {"n": 3}, "operation_name": "Q"})
        partial = invoke("graphql-query", {"url": server.url("/graphql"),
                                           "query": "{ partial }"})
        failed = failure("graphql-query", {"url": server.url("/graphql"), "query": "{ boom }"})
        not_graphql = failure("graphql-query", {"url": server.url("/html"), "query": "{ a }"})
    assert result["data"]["echo"] == {"query": "query Q($n: Int) { n }", "variables": {"n": 3},
                                      "operationName": "Q"}
    assert result["errors"] == [] and server.requests[0].method == "POST"
    assert partial["data"] == {"a": None} and partial["errors"][0]["message"] == "a failed"
    assert failed.error_type == "execution_error" and "Cannot query field boom" in failed.message
    assert not_graphql.error_type == "execution_error" and "GraphQL" in not_graphql.message


def test_graphql_requires_query_and_refuses_link_local(no_outside_traffic):
    missing = failure("graphql-query", {"url": "http://127.0.0.1/graphql"})
    refused = failure("graphql-query", {"url": "http://[fe80::1]/graphql", "query": "{ a }"})
    assert missing.error_type == "validation_error" and "query" in missing.message
    assert refused.error_type == "permission_denied" and no_outside_traffic == []
