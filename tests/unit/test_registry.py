"""The tool contract (tools/base.py), registry (tools/registry.py) and the tool_request
service (kernel/tool_service.py), on tiny tools declared for the test."""

from __future__ import annotations

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings, ToolSpec, tool
from llmspell.tools.registry import ToolRegistry
from llmspell.kernel.tool_service import ToolService

pytestmark = pytest.mark.usefixtures("llmspell_home")


@pytest.fixture
def service(tiny_registry):
    return ToolService(tiny_registry, ToolContext())


def error_of(call, *args) -> ToolError:
    with pytest.raises(ToolError) as caught:
        call(*args)
    return caught.value


def test_resolve_by_name_and_alias(tiny_registry):
    assert tiny_registry.resolve("number-adder").name == "number-adder"
    assert tiny_registry.resolve("number_adder").name == "number-adder"
    assert tiny_registry.resolve("add").name == "number-adder"
    assert tiny_registry.exists("echo_text") and not tiny_registry.exists("echo")
    assert tiny_registry.names() == ["always-fails", "echo-text", "number-adder"]


def test_unknown_tool_suggests_the_closest(tiny_registry):
    error = error_of(tiny_registry.resolve, "numbr-adder")
    assert error.error_type == "not_found"
    assert "did you mean number-adder?" in error.message
    far = error_of(tiny_registry.resolve, "zzzzzz")
    assert "llmspell tool list" in far.message


def test_duplicate_tool_names_are_refused(tiny_specs):
    with pytest.raises(ValueError, match="declared twice"):
        ToolRegistry(tiny_specs + tiny_specs[:1])


def test_specs_and_categories(tiny_registry):
    assert tiny_registry.categories() == ["data", "utility"]
    assert [s.name for s in tiny_registry.specs("data")] == ["number-adder"]
    assert [s.name for s in tiny_registry.specs("utility")] == ["always-fails", "echo-text"]


def test_search_matches_every_word_name_hits_first(tiny_registry):
    assert [s.name for s in tiny_registry.search("add numbers")] == ["number-adder"]
    assert [s.name for s in tiny_registry.search("UTILITY")] == ["always-fails", "echo-text"]
    assert [s.name for s in tiny_registry.search("echo")][0] == "echo-text"
    assert tiny_registry.search("echo numbers") == []
    assert tiny_registry.search("") == []


def test_invoke_validates_and_fills_defaults(tiny_registry):
    ctx = ToolContext()
    assert tiny_registry.invoke("echo-text", {"text": "x"}, ctx) == {"text": "x", "times": 1}
    missing = error_of(tiny_registry.invoke, "echo-text", {}, ctx)
    assert missing.error_type == "validation_error" and "echo-text" in missing.message
    wrong = error_of(tiny_registry.invoke, "echo-text", {"text": 5}, ctx)
    assert wrong.error_type == "validation_error" and "'text'" in wrong.message


@pytest.mark.parametrize("kind, error_type, fragment", [
    ("tool", "permission_denied", "refused on purpose"),
    ("timeout", "timeout", "too slow"),
    ("perm", "permission_denied", "no access"),
    ("other", "execution_error", "RuntimeError: kaboom"),
])
def test_invoke_maps_failures_to_error_types(tiny_registry, kind, error_type, fragment):
    error = error_of(tiny_registry.invoke, "always-fails", {"kind": kind}, ToolContext())
    assert error.error_type == error_type and fragment in error.message


def test_non_dict_result_is_an_execution_error():
    spec = ToolSpec("list-maker", "utility", "returns a list", "safe", {"type": "object"},
                    lambda params, ctx: [1, 2])
    error = error_of(ToolRegistry([spec]).invoke, "list-maker", {}, ToolContext())
    assert error.error_type == "execution_error" and "list" in error.message


def test_examples_are_checked(tiny_registry):
    good = tiny_registry.test("echo-text", ToolContext())
    assert [r["status"] for r in good] == ["ok"] and good[0]["ran"] is True
    mixed = tiny_registry.test("number-adder", ToolContext())
    assert [r["status"] for r in mixed] == ["ok", "failed"]
    assert "sum" in mixed[1]["error"]


def test_describe_is_plain_data(tiny_registry):
    info = tiny_registry.resolve("add").describe()
    assert info["name"] == "number-adder" and info["aliases"] == ["number_adder", "add"]
    assert info["parameters"]["required"] == ["a", "b"]
    assert info["examples"][0] == {"description": "one plus two", "params": {"a": 1, "b": 2}}


def test_tool_declaration_rules():
    with pytest.raises(ValueError, match="kebab-case"):
        tool("Bad_Name", category="utility", description="x", schema={})
    with pytest.raises(ValueError, match="category"):
        tool("good-name", category="nonsense", description="x", schema={})
    with pytest.raises(ValueError):
        ToolError("made_up", "x")


def test_tool_settings_from_config_ignores_unknown_keys():
    settings = ToolSettings.from_config({"http_timeout": 2.5, "not_a_setting": 1})
    assert settings.http_timeout == 2.5 and not hasattr(settings, "not_a_setting")


def test_service_commands(service):
    assert service.handle({"command": "exists", "name": "add"}) == {"status": "ok", "exists": True}
    assert service.handle({"command": "categories"})["categories"] == ["data", "utility"]
    listing = service.handle({"command": "list", "category": "data"})
    assert listing == {"status": "ok", "tools": [{
        "name": "number-adder", "category": "data", "description": "Add two numbers a and b",
        "security_level": "safe"}]}
    info = service.handle({"command": "info", "name": "echo_text"})
    assert info["tool"]["name"] == "echo-text"
    found = service.handle({"command": "search", "query": "echo"})
    assert [t["name"] for t in found["tools"]] == ["echo-text"]
    tested = service.handle({"command": "test", "name": "number-adder"})
    assert tested["passed"] is False and len(tested["examples"]) == 2


@pytest.mark.parametrize("content, error_type", [
    ({"command": "nope"}, "validation_error"),
    ({}, "validation_error"),
    ({"command": "invoke"}, "validation_error"),
    ({"command": "invoke", "name": "add", "params": [1]}, "validation_error"),
    ({"command": "invoke", "name": "add", "params": {"a": "x", "b": 1}}, "validation_error"),
    ({"command": "invoke", "name": "nothing-here"}, "not_found"),
    ({"command": "info", "name": "nothing-here"}, "not_found"),
    ({"command": "list", "category": "space"}, "not_found"),
    ({"command": "search", "query": "  "}, "validation_error"),
    ({"command": "invoke", "name": "always-fails"}, "permission_denied"),
])
def test_service_errors_never_raise(service, content, error_type):
    reply = service.handle(content)
    assert reply["status"] == "error"
    assert reply["error_type"] == error_type
    assert isinstance(reply["message"], str) and reply["message"]
