"""graph-analyzer through the real registry."""

import pytest

from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def call():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("graph-analyzer", params, ToolContext())


EDGES = [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"], ["d", "e"]]


def test_summary(call):
    out = call(edges=EDGES, nodes=["z"])
    assert (out["node_count"], out["edge_count"], out["component_count"]) == (6, 5, 2)
    assert out["isolated"] == ["z"] and out["has_cycle"] is True
    assert out["degree"] == {"min": 0, "max": 3, "mean": pytest.approx(10 / 6)}
    assert out["density"] == pytest.approx(5 / 15, abs=1e-6)
    assert call(edges=EDGES, directed=True)["has_cycle"] is False


def test_degrees_directed_and_undirected(call):
    assert call(operation="degrees", edges=EDGES)["result"]["d"] == 3
    out = call(operation="degrees", edges=EDGES, directed=True)
    assert (out["in_degree"]["d"], out["out_degree"]["d"], out["result"]["d"]) == (2, 1, 3)


def test_bfs_and_dfs_orders(call):
    assert call(operation="bfs", edges=EDGES, start="a")["result"] == ["a", "b", "c", "d", "e"]
    assert call(operation="dfs", edges=EDGES, start="a")["result"] == ["a", "b", "d", "c", "e"]
    assert call(operation="bfs", edges=EDGES, start="d", directed=True)["result"] == ["d", "e"]


def test_dijkstra_prefers_cheaper_longer_route(call):
    edges = [{"from": "s", "to": "t", "weight": 10}, ["s", "m", 2], ["m", "t", 3.5]]
    out = call(operation="shortest_path", edges=edges, start="s", end="t")
    assert out == {"result": ["s", "m", "t"], "distance": 5.5, "reachable": True, "hops": 2}


def test_unreachable_and_unknown_nodes(call):
    out = call(operation="shortest_path", edges=EDGES, directed=True, start="e", end="a")
    assert out["reachable"] is False and out["result"] is None
    with pytest.raises(ToolError) as err:
        call(operation="bfs", edges=EDGES, start="nope")
    assert err.value.error_type == "not_found"
    with pytest.raises(ToolError, match="needs 'end'"):
        call(operation="shortest_path", edges=EDGES, start="a")


def test_negative_weights_refused_for_dijkstra(call):
    with pytest.raises(ToolError, match="non-negative"):
        call(operation="shortest_path", edges=[["a", "b", -1]], start="a", end="b")


def test_topological_sort(call):
    out = call(operation="topological_sort", directed=True, edges=EDGES)
    order = out["result"]
    assert all(order.index(a) < order.index(b) for a, b in EDGES)


def test_topological_sort_names_a_cycle(call):
    with pytest.raises(ToolError) as err:
        call(operation="topological_sort", directed=True,
             edges=[["x", "a"], ["a", "b"], ["b", "c"], ["c", "a"]])
    assert err.value.error_type == "validation_error"
    assert "cycle: a -> b -> c -> a" in err.value.message
    with pytest.raises(ToolError, match="directed = true"):
        call(operation="topological_sort", edges=EDGES)


def test_components(call):
    out = call(operation="components", edges=[[1, 2], [3, 4], [4, 5]], nodes=[6])
    assert out["result"] == [["3", "4", "5"], ["1", "2"], ["6"]] and out["count"] == 3
    directed = call(operation="components", edges=[["a", "b"], ["c", "b"]], directed=True)
    assert directed["kind"] == "weak" and directed["count"] == 1


def test_cycle_detection(call):
    assert call(operation="cycles", edges=[["a", "b"], ["b", "c"]]) == \
        {"has_cycle": False, "result": None}
    assert call(operation="cycles", edges=[["a", "b"], ["b", "a"]])["result"] == ["a", "b", "a"]
    assert call(operation="cycles", edges=[["a", "b"], ["b", "a"]], directed=True)["result"] == \
        ["a", "b", "a"]
    assert call(operation="cycles", edges=[["a", "a"]], directed=True)["result"] == ["a", "a"]
    undirected = call(operation="cycles", edges=[["p", "q"], ["q", "r"], ["r", "p"]])
    assert undirected["result"] == ["p", "q", "r", "p"]


def test_numeric_ids_become_strings(call):
    out = call(operation="bfs", edges=[[1, 2.0], [2, 3]], start=1)
    assert out["result"] == ["1", "2", "3"]


def test_node_cap():
    from llmspell.tools.data import graph_analyzer

    registry = ToolRegistry.builtin()
    edges = [[i, i + 1] for i in range(graph_analyzer.MAX_NODES)]
    with pytest.raises(ToolError, match="more than 10000 nodes"):
        registry.invoke("graph-analyzer", {"edges": edges}, ToolContext())


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(edges=[["a"]])
    assert err.value.error_type == "validation_error"
    with pytest.raises(ToolError):
        call(edges=[{"from": "a", "to": "b", "weight": "heavy"}])
    with pytest.raises(ToolError, match="edges"):
        call(operation="summary")
