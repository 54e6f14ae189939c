"""csv-analyzer through the real registry."""

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

TABLE = """name,age,score,active,city
ann,31,9.5,true,Oslo
bob,17,,false,Rome
cid,45,7.25,true,Oslo
dee,,8,false,
"""


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("csv-analyzer", params, ToolContext())


def test_analyze_counts_and_types(call):
    out = call(input=TABLE)
    assert out["rows"] == 4 and out["column_count"] == 5
    assert out["columns"] == ["name", "age", "score", "active", "city"]
    assert out["delimiter"] == ","
    stats = out["column_stats"]
    assert [stats[c]["type"] for c in out["columns"]] == \
        ["string", "integer", "number", "boolean", "string"]


def test_number_stats(call):
    age = call(input=TABLE)["column_stats"]["age"]
    assert (age["count"], age["nulls"], age["min"], age["max"], age["median"]) == (3, 1, 17, 45, 31)
    assert age["mean"] == pytest.approx(31.0)


def test_string_stats_top_values(call):
    city = call(input=TABLE)["column_stats"]["city"]
    assert city["distinct"] == 2 and city["nulls"] == 1
    assert city["top"][0] == {"value": "Oslo", "count": 2}


def test_delimiter_is_sniffed(call):
    out = call(input="a;b\n1;2\n3;4\n", operation="records")
    assert out["result"] == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]


def test_given_delimiter_and_no_header(call):
    out = call(input="1|x\n2|y\n", delimiter="|", has_header=False, operation="records")
    assert out["columns"] == ["column_1", "column_2"]
    assert out["result"][1] == {"column_1": 2, "column_2": "y"}


def test_duplicate_and_blank_headers_made_unique(call):
    out = call(input="a,a,\n1,2,3\n")
    assert out["columns"] == ["a", "a_2", "column_3"]


def test_ragged_rows_are_padded_and_counted(call):
    out = call(input="a,b,c\n1,2\n1,2,3,4\n", operation="records")
    assert out["columns"] == ["a", "b", "c", "column_4"]
    assert out["result"][0] == {"a": 1, "b": 2, "c": None, "column_4": None}
    assert call(input="a,b,c\n1,2\n1,2,3\n")["ragged_rows"] == 1


def test_filter_sort_select_limit(call):
    out = call(input=TABLE, operation="records",
               where=[{"column": "city", "op": "=", "value": "Oslo"},
                      {"column": "age", "op": ">", "value": 30}],
               sort_by="age", descending=True, columns=["name", "age"], limit=5)
    assert out["result"] == [{"name": "cid", "age": 45}, {"name": "ann", "age": 31}]


def test_contains_and_not_equal(call):
    out = call(input=TABLE, operation="records", where=[{"column": "name", "op": "contains",
                                                          "value": "e"}])
    assert [r["name"] for r in out["result"]] == ["dee"]
    out = call(input=TABLE, operation="records", where=[{"column": "active", "op": "!=",
                                                          "value": True}])
    assert [r["name"] for r in out["result"]] == ["bob", "dee"]


def test_sort_puts_nulls_last_both_ways(call):
    up = call(input=TABLE, operation="records", sort_by="score")["result"]
    down = call(input=TABLE, operation="records", sort_by="score", descending=True)["result"]
    assert [r["name"] for r in up] == ["cid", "dee", "ann", "bob"]
    assert [r["name"] for r in down] == ["ann", "dee", "cid", "bob"]


def test_without_type_inference_values_stay_text(call):
    out = call(input=TABLE, operation="records", infer_types=False, limit=1)
    assert out["result"][0]["age"] == "31"
    assert call(input=TABLE, infer_types=False)["column_stats"]["age"]["type"] == "string"


def test_filter_applies_to_analysis(call):
    out = call(input=TABLE, where=[{"column": "city", "value": "Oslo"}], columns=["age"])
    assert out["rows"] == 2 and list(out["column_stats"]) == ["age"]


def test_unknown_column_is_named(call):
    with pytest.raises(ToolError) as err:
        call(input=TABLE, sort_by="height", operation="records")
    assert err.value.error_type == "validation_error"
    assert "'height'" in err.value.message and "name, age" in err.value.message


def test_row_cap(call):
    text = "n\n" + "\n".join(str(i) for i in range(30))
    with pytest.raises(ToolError, match="more than 20 rows"):
        call(input=text, max_rows=20)
    assert call(input=text, max_rows=30)["rows"] == 30


def test_size_cap():
    ctx = ToolContext(settings=ToolSettings(max_file_size=16))
    with pytest.raises(ToolError, match="tools.max_file_size"):
        ToolRegistry.builtin().invoke("csv-analyzer", {"input": TABLE}, ctx)


def test_malformed_csv_names_line(call):
    with pytest.raises(ToolError, match="bad CSV at line 2: field larger than field limit"):
        call(input="a,b\n1," + "x" * 200_000 + "\n", delimiter=",")


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(input=TABLE, delimiter=";;")
    assert err.value.error_type == "validation_error"
    with pytest.raises(ToolError, match="where"):
        call(input=TABLE, where=[{"column": "age", "op": "~"}])
