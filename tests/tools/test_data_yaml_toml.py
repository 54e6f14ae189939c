"""yaml-processor and toml-processor through the real registry."""

import json

import pytest

from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def registry():
    return ToolRegistry.builtin()


@pytest.fixture
def yaml_call(registry):
    return lambda **params: registry.invoke("yaml-processor", params, ToolContext())


@pytest.fixture
def toml_call(registry):
    return lambda **params: registry.invoke("toml-processor", params, ToolContext())


# ---- YAML -----------------------------------------------------------------

def test_yaml_parse_with_dates_as_iso_text(yaml_call):
    out = yaml_call(input="when: 2024-03-01\nitems:\n  - 1\n  - two\n")
    assert out == {"result": {"when": "2024-03-01", "items": [1, "two"]}, "documents": 1}


def test_yaml_multi_document(yaml_call):
    text = "a: 1\n---\nb: 2\n"
    with pytest.raises(ToolError, match="holds 2 documents; set multi_document"):
        yaml_call(input=text)
    assert yaml_call(input=text, multi_document=True)["result"] == [{"a": 1}, {"b": 2}]


def test_yaml_python_tags_refused_and_not_run(yaml_call, tmp_path):
    target = tmp_path / "pwned"
    with pytest.raises(ToolError) as err:
        yaml_call(input=f'x: !!python/object/apply:os.mkdir ["{target}"]\n')
    assert err.value.error_type == "permission_denied"
    assert "!!python/object/apply:os.mkdir" in err.value.message
    assert "line 1" in err.value.message
    assert not target.exists()


def test_yaml_unknown_tag_is_validation_error(yaml_call):
    with pytest.raises(ToolError) as err:
        yaml_call(input="x: !custom 3\n")
    assert err.value.error_type == "validation_error"


def test_yaml_syntax_error_names_position(yaml_call):
    with pytest.raises(ToolError) as err:
        yaml_call(input="a: [1, 2\nb: 3\n")
    assert err.value.error_type == "validation_error"
    assert "not valid YAML" in err.value.message and "line 2" in err.value.message


def test_yaml_alias_bomb_refused(yaml_call):
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]")
    with pytest.raises(ToolError, match="expands to more than"):
        yaml_call(input="\n".join(lines) + "\n")


def test_yaml_recursive_alias_refused(yaml_call):
    with pytest.raises(ToolError, match="refers to itself"):
        yaml_call(input="a: &a [1, *a]\n")


def test_yaml_to_json_and_back(yaml_call):
    text = yaml_call(operation="to_json", input="b: 1\na: [x]\n", indent=1, sort_keys=True)
    assert json.loads(text["result"]) == {"a": ["x"], "b": 1}
    assert text["result"].startswith('{\n "a"')
    back = yaml_call(operation="to_yaml", input=text["result"])["result"]
    assert yaml_call(input=back)["result"] == {"a": ["x"], "b": 1}


def test_yaml_multi_document_output(yaml_call):
    out = yaml_call(operation="to_yaml", data=[{"a": 1}, {"b": 2}], multi_document=True)
    assert out["result"] == "---\na: 1\n---\nb: 2\n"
    with pytest.raises(ToolError, match="needs a list"):
        yaml_call(operation="to_yaml", data={"a": 1}, multi_document=True)


def test_yaml_query(yaml_call):
    text = "db:\n  hosts: [a, b]\n"
    assert yaml_call(operation="query", input=text, path="db.hosts.1") == \
        {"result": "b", "found": True}
    assert yaml_call(operation="query", input=text, path="db.port")["found"] is False


def test_yaml_missing_input_and_schema_violation(yaml_call):
    with pytest.raises(ToolError, match="needs 'input'"):
        yaml_call(operation="parse")
    with pytest.raises(ToolError) as err:
        yaml_call(input="a: 1", multi_document="yes")
    assert err.value.error_type == "validation_error"


# ---- TOML -----------------------------------------------------------------

def test_toml_parse_with_datetimes(toml_call):
    out = toml_call(input='[owner]\nname = "ann"\nborn = 1979-05-27T07:32:00Z\n')
    assert out["result"] == {"owner": {"name": "ann", "born": "1979-05-27T07:32:00+00:00"}}


def test_toml_error_has_line_and_column(toml_call):
    with pytest.raises(ToolError) as err:
        toml_call(input='a = 1\nb = "open\n')
    assert err.value.error_type == "validation_error"
    assert "line 2, column" in err.value.message


def test_toml_to_toml_from_data_and_json(toml_call):
    out = toml_call(operation="to_toml", data={"a": 1, "t": {"x": [1, 2]}})["result"]
    assert toml_call(input=out)["result"] == {"a": 1, "t": {"x": [1, 2]}}
    assert toml_call(operation="to_toml", input='{"k": true}')["result"] == "k = true\n"


def test_toml_refuses_null_and_non_object(toml_call):
    with pytest.raises(ToolError, match="'t.x.1' is null"):
        toml_call(operation="to_toml", data={"t": {"x": [1, None]}})
    with pytest.raises(ToolError, match="must be an object, got array"):
        toml_call(operation="to_toml", input="[1, 2]")


def test_toml_to_json_and_query(toml_call):
    text = '[db]\nport = 5432\n'
    assert json.loads(toml_call(operation="to_json", input=text)["result"]) == \
        {"db": {"port": 5432}}
    assert toml_call(operation="query", input=text, path="db.port")["result"] == 5432


def test_toml_schema_violation(toml_call):
    with pytest.raises(ToolError) as err:
        toml_call(operation="to_toml", data=[1])
    assert err.value.error_type == "validation_error"
    assert "data" in err.value.message
