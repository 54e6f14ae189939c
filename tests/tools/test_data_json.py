"""json-processor through the real registry."""

import json

import pytest

from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("json-processor", params, ToolContext())


DOC = '{"users": [{"name": "ann", "age": 31, "tags": ["a"]}, {"name": "bob", "age": 17}]}'


def test_parse_returns_value_and_type(call):
    out = call(input=DOC)
    assert out["type"] == "object"
    assert out["result"]["users"][1]["name"] == "bob"


def test_invalid_json_names_line_and_column(call):
    with pytest.raises(ToolError) as err:
        call(input='{\n  "a": 1,\n  "b": }')
    assert err.value.error_type == "validation_error"
    assert "line 3, column 8" in err.value.message


def test_nan_is_not_json(call):
    with pytest.raises(ToolError, match="NaN is not valid JSON"):
        call(input='{"x": NaN}')


def test_validate_reports_instead_of_failing(call):
    assert call(operation="validate", input="[1, 2")["valid"] is False
    assert call(operation="validate", input="[1, 2]") == {"valid": True, "type": "array"}


def test_validate_against_schema(call):
    schema = {"type": "object", "required": ["id"],
              "properties": {"id": {"type": "integer"}, "tags": {"type": "array"}}}
    bad = call(operation="validate", data={"tags": "x"}, schema=schema)
    assert bad["valid"] is False
    assert {e["path"] for e in bad["errors"]} == {"", "tags"}
    assert call(operation="validate", data={"id": 3}, schema=schema)["valid"] is True


def test_bad_schema_is_refused(call):
    with pytest.raises(ToolError, match="invalid schema") as err:
        call(operation="validate", data={}, schema={"type": "nonsense"})
    assert err.value.error_type == "validation_error"


def test_remote_schema_ref_is_not_fetched(call):
    schema = {"$ref": "http://169.254.169.254/latest/meta-data/schema.json"}
    with pytest.raises(ToolError, match="cannot be resolved") as err:
        call(operation="validate", data={"a": 1}, schema=schema)
    assert err.value.error_type == "validation_error"


def test_jmespath_query(call):
    assert call(operation="query", input=DOC, query="users[?age > `18`].name")["result"] == ["ann"]
    assert call(operation="query", input=DOC, query="length(users)")["result"] == 2


def test_bad_jmespath_is_validation_error(call):
    with pytest.raises(ToolError) as err:
        call(operation="query", input=DOC, query="users[?")
    assert err.value.error_type == "validation_error"
    assert "JMESPath" in err.value.message


def test_query_needs_expression(call):
    with pytest.raises(ToolError, match="needs 'query'"):
        call(operation="query", input=DOC)


def test_pretty_and_minify(call):
    pretty = call(operation="pretty", data={"b": 1, "a": [1]}, indent=4, sort_keys=True)["result"]
    assert pretty.startswith('{\n    "a": [')
    assert call(operation="minify", input='{ "a" : [1, 2] }')["result"] == '{"a":[1,2]}'


def test_get_and_set_by_dotted_path(call):
    assert call(operation="get", input=DOC, path="users.0.tags.0") == {"result": "a", "found": True}
    assert call(operation="get", input=DOC, path="users.5.name") == {"result": None, "found": False}
    out = call(operation="set", input=DOC, path="users.1.tags", value=["new"])["result"]
    assert out["users"][1]["tags"] == ["new"]
    assert call(operation="set", data={}, path="a.b.c", value=1)["result"] == {"a": {"b": {"c": 1}}}
    assert call(operation="set", data={"l": [1]}, path="l.1", value=2)["result"] == {"l": [1, 2]}


def test_set_through_a_scalar_is_refused(call):
    with pytest.raises(ToolError, match="a is number"):
        call(operation="set", data={"a": 5}, path="a.b", value=1)


def test_deep_merge(call):
    out = call(operation="merge", data={"a": {"x": 1, "y": [1]}, "k": 1},
               other='{"a": {"y": [2], "z": 3}}')["result"]
    assert out == {"a": {"x": 1, "y": [2], "z": 3}, "k": 1}


def test_keys_and_flatten(call):
    assert call(operation="keys", data={"b": 1, "a": 2})["result"] == ["b", "a"]
    flat = call(operation="flatten", data={"a": {"b": [1, {"c": 2}]}, "e": {}}, separator="/")
    assert flat["result"] == {"a/b/0": 1, "a/b/1/c": 2, "e": {}}


def test_keys_of_non_object_is_refused(call):
    with pytest.raises(ToolError, match="needs an object, got array"):
        call(operation="keys", input="[1]")


def test_needs_input_or_data(call):
    with pytest.raises(ToolError, match="give 'input'"):
        call(operation="parse")


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(operation="explode", input="{}")
    assert err.value.error_type == "validation_error"
    with pytest.raises(ToolError, match="indent"):
        call(operation="pretty", input="{}", indent=99)


def test_size_cap():
    from llmspell.tools.base import ToolSettings

    registry = ToolRegistry.builtin()
    ctx = ToolContext(settings=ToolSettings(max_file_size=10))
    with pytest.raises(ToolError, match="above the 10 limit"):
        registry.invoke("json-processor", {"input": json.dumps({"key": "long value"})}, ctx)


def test_deep_nesting_is_a_clear_error(call):
    with pytest.raises(ToolError) as err:
        call(input="[" * 100_000 + "]" * 100_000)
    assert err.value.error_type == "validation_error"
    assert "nested too deeply" in err.value.message
