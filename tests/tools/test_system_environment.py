"""environment-reader against the real process environment (set with monkeypatch)."""

from __future__ import annotations

import pytest
from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry
from llmspell.tools.system.sensitive import is_secret_name

REGISTRY = ToolRegistry.builtin()
CTX = ToolContext()


def env(**params) -> dict:
    return REGISTRY.invoke("environment-reader", params, CTX)


@pytest.fixture
def variables(monkeypatch):
    values = {
        "LLMT_PLAIN": "hello",
        "LLMT_API_KEY": "sk-123",
        "LLMT_github_token": "ghp_x",
        "LLMT_DB_PASSWORD": "pw",
        "LLMT_SESSION_ID": "s",
        "LLMT_DATABASE_URL": "postgres://user:hunter2@db/app",
        "LLMT_HOME_URL": "https://example.org/path",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_get_plain_and_secret(variables):
    assert env(operation="get", name="LLMT_PLAIN") == {
        "result": "hello", "name": "LLMT_PLAIN", "exists": True, "masked": False}
    secret = env(operation="get", name="LLMT_API_KEY")
    assert secret["result"] == "***" and secret["masked"] is True


def test_get_missing_gives_default(variables):
    assert env(operation="get", name="LLMT_NOPE")["result"] is None
    assert env(operation="get", name="LLMT_NOPE", default="d")["result"] == "d"


def test_list_masks_secret_names_case_insensitively_and_password_urls(variables):
    listed = env(operation="list", prefix="LLMT_")
    assert set(listed["result"]) == set(variables)
    shown = listed["result"]
    assert shown["LLMT_PLAIN"] == "hello" and shown["LLMT_HOME_URL"] == "https://example.org/path"
    for name in ("LLMT_API_KEY", "LLMT_github_token", "LLMT_DB_PASSWORD", "LLMT_SESSION_ID",
                 "LLMT_DATABASE_URL"):
        assert shown[name] == "***", name
    assert "sk-123" not in str(listed) and "hunter2" not in str(listed)
    assert sorted(listed["masked"]) == sorted(set(variables) - {"LLMT_PLAIN", "LLMT_HOME_URL"})


def test_names_lists_names_only(variables):
    names = env(operation="names", prefix="LLMT_")
    assert names["result"] == sorted(variables) and names["count"] == len(variables)


@pytest.mark.parametrize("name,secret", [("AWS_SECRET_ACCESS_KEY", True), ("passwd", True),
                                         ("MY_CREDENTIALS", True), ("XAUTHORITY", True),
                                         ("COOKIE_JAR", True), ("PRIVATE_PEM", True),
                                         ("PWD", False), ("HOME", False), ("LANG", False)])
def test_secret_name_rule(name, secret):
    assert is_secret_name(name) is secret


def test_errors():
    for params in ({"operation": "get"}, {"operation": "dump"}, {"prefix": 3}, {"x": 1}):
        with pytest.raises(ToolError) as info:
            env(**params)
        assert info.value.error_type == "validation_error", params
