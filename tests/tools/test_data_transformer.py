"""data-transformer through the real registry."""

import pytest

from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry

SALES = [
    {"region": "north", "item": "tea", "qty": 3, "price": 2.5},
    {"region": "south", "item": "tea", "qty": 1, "price": 2.5},
    {"region": "north", "item": "cake", "qty": 2, "price": 4.0},
    {"region": "north", "item": "tea", "qty": 5, "price": None},
]


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("data-transformer", params, ToolContext())


def test_select_keeps_order_and_fills_missing(call):
    out = call(operation="select", records=SALES[:1], fields=["qty", "colour"])
    assert out == {"result": [{"qty": 3, "colour": None}], "count": 1}


def test_map_renames_and_sets(call):
    out = call(operation="map", records=SALES[:1], rename={"qty": "quantity"}, set={"src": "x"})
    assert out["result"] == [{"region": "north", "item": "tea", "quantity": 3, "price": 2.5,
                              "src": "x"}]


def test_filter_all_and_any(call):
    both = call(operation="filter", records=SALES, where=[
        {"field": "region", "value": "north"}, {"field": "qty", "op": ">=", "value": 3}])
    assert [r["qty"] for r in both["result"]] == [3, 5]
    either = call(operation="filter", records=SALES, match="any", where=[
        {"field": "item", "value": "cake"}, {"field": "region", "value": "south"}])
    assert either["count"] == 2


def test_group_by_aggregates(call):
    out = call(operation="group_by", records=SALES, by=["region"], aggregates=[
        {"op": "count"}, {"op": "sum", "field": "qty"}, {"op": "avg", "field": "price"},
        {"op": "min", "field": "item"}, {"op": "max", "field": "qty", "as": "biggest"}])
    north = out["result"][0]
    assert north == {"region": "north", "count": 3, "sum_qty": 10, "avg_price": 3.25,
                     "min_item": "cake", "biggest": 5}
    assert out["result"][1]["region"] == "south"


def test_group_by_default_count_and_bad_sum(call):
    out = call(operation="group_by", records=SALES, by=["item"])
    assert out["result"] == [{"item": "tea", "count": 3}, {"item": "cake", "count": 1}]
    with pytest.raises(ToolError, match="cannot sum field 'item'"):
        call(operation="group_by", records=SALES, by=["region"],
             aggregates=[{"op": "sum", "field": "item"}])
    with pytest.raises(ToolError, match="'avg' needs 'field'"):
        call(operation="group_by", records=SALES, by=["region"], aggregates=[{"op": "avg"}])


def test_sort_by_several_fields(call):
    out = call(operation="sort_by", records=SALES, by=["region", "qty"], descending=True)
    assert [(r["region"], r["qty"]) for r in out["result"]] == \
        [("south", 1), ("north", 5), ("north", 3), ("north", 2)]
    by_price = call(operation="sort_by", records=SALES, by=["price"])["result"]
    assert by_price[-1]["price"] is None


def test_unique(call):
    assert call(operation="unique", records=SALES, by=["item"])["count"] == 2
    assert call(operation="unique", records=[{"a": 1}, {"a": 1}, {"a": "1"}])["count"] == 2


def test_pivot(call):
    out = call(operation="pivot", records=SALES, index="region", columns="item",
               values="qty", aggregate="sum")
    assert out["result"] == [{"region": "north", "tea": 8, "cake": 2},
                             {"region": "south", "tea": 1, "cake": None}]


def test_missing_operation_parameters(call):
    with pytest.raises(ToolError, match="'select' needs 'fields'"):
        call(operation="select", records=SALES)
    with pytest.raises(ToolError, match="'pivot' needs 'values'"):
        call(operation="pivot", records=SALES, index="region", columns="item")
    with pytest.raises(ToolError, match="needs 'rename' or 'set'"):
        call(operation="map", records=SALES)


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(operation="select", records=[1, 2], fields=["a"])
    assert err.value.error_type == "validation_error"
    with pytest.raises(ToolError, match="operation"):
        call(operation="explode", records=[])
