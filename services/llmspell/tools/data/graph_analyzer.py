"""graph-analyzer: degree statistics, traversals, shortest paths, topological order,
components and cycles of a graph given as nodes and edges."""

from __future__ import annotations

from ..base import Example, ToolContext, ToolError, tool
from . import graph_algorithms as alg

NAME = "graph-analyzer"
MAX_NODES = 10_000
MAX_EDGES = 100_000
_ID = {"type": ["string", "number"]}
_OPERATIONS = ("summary", "degrees", "bfs", "dfs", "shortest_path", "topological_sort",
               "components", "cycles")


def node_id(value) -> str:
    """Node ids are strings; numbers are written without a needless '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def build(params: dict) -> alg.Graph:
    """The graph of ``nodes`` and ``edges`` ([a, b], [a, b, w] or {from, to, weight})."""
    g = alg.Graph(directed=params["directed"])
    for node in params.get("nodes", []):
        g.add_node(node_id(node))
    for i, edge in enumerate(params["edges"]):
        a, b, w = _edge(i, edge)
        g.add_edge(node_id(a), node_id(b), w)
        if len(g.nodes) > MAX_NODES:
            raise ToolError("validation_error", f"{NAME}: graph has more than {MAX_NODES} "
                                                f"nodes; pass a smaller graph")
    return g


def _edge(index: int, edge: list | dict) -> tuple:
    """(from, to, weight) of one edge, or a validation_error naming the edge."""
    if isinstance(edge, dict):
        extra = set(edge) - {"from", "to", "weight"}
        parts = [edge.get("from"), edge.get("to"), edge.get("weight", 1)]
        ok = not extra and "from" in edge and "to" in edge
    else:
        parts = list(edge) + [1] * (len(edge) == 2)
        ok = len(edge) in (2, 3)
    ok = ok and all(isinstance(p, (str, int, float)) and not isinstance(p, bool)
                    for p in parts) and not isinstance(parts[2], str)
    if not ok:
        raise ToolError("validation_error",
                        f"{NAME}: edges[{index}] must be [from, to], [from, to, weight] or "
                        f"{{from, to, weight}} with string/number ids and a number weight")
    return tuple(parts)


def _node(g: alg.Graph, params: dict, key: str, operation: str) -> str:
    if key not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs '{key}'")
    node = node_id(params[key])
    if node not in g.nodes:
        raise ToolError("not_found", f"{NAME}: {key} node {node!r} is not in the graph")
    return node


def summary(g: alg.Graph) -> dict:
    """Counts, density, degree statistics, isolated nodes, components, cycles."""
    total, _, _ = alg.degrees(g)
    n, m = len(g.nodes), g.edge_count
    pairs = n * (n - 1) if g.directed else n * (n - 1) / 2
    values = list(total.values())
    return {
        "node_count": n, "edge_count": m, "directed": g.directed, "weighted": g.weighted,
        "density": round(m / pairs, 6) if pairs else 0.0,
        "degree": {"min": min(values), "max": max(values), "mean": sum(values) / n}
        if n else None,
        "isolated": [node for node, d in total.items() if d == 0],
        "component_count": len(alg.components(g)),
        "has_cycle": alg.find_cycle(g) is not None,
    }


@tool(NAME, category="data",
      description="Analyse a graph from nodes and edges (directed or not, weighted): degree "
                  "stats, BFS/DFS order, Dijkstra shortest path, topological sort, connected "
                  "components, cycle detection.",
      schema={
          "properties": {
              "operation": {"enum": list(_OPERATIONS), "default": "summary"},
              "nodes": {"type": "array", "items": _ID, "maxItems": MAX_NODES,
                        "description": "node ids (nodes named by edges are added anyway)"},
              "edges": {"type": "array", "maxItems": MAX_EDGES,
                        "items": {"type": ["array", "object"]},
                        "description": "[from, to], [from, to, weight] or {from, to, weight}"},
              "directed": {"type": "boolean", "default": False},
              "start": {**_ID, "description": "start node (bfs, dfs, shortest_path)"},
              "end": {**_ID, "description": "end node (shortest_path)"},
          },
          "required": ["edges"],
          "additionalProperties": False,
      },
      examples=[
          Example({"operation": "shortest_path", "edges": [["a", "b", 1], ["b", "c", 2],
                                                           ["a", "c", 5]],
                   "start": "a", "end": "c"}, "cheapest route from a to c",
                  expect={"result": ["a", "b", "c"], "distance": 3}),
          Example({"operation": "topological_sort", "directed": True,
                   "edges": [["shop", "cook"], ["cook", "eat"]]}, "order dependent tasks",
                  expect={"result": ["shop", "cook", "eat"]}),
          Example({"edges": [[1, 2], [2, 3]], "nodes": [4]}, "summary of a small graph",
                  expect={"node_count": 4, "edge_count": 2, "component_count": 2,
                          "isolated": ["4"]}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Build the graph and run one analysis."""
    g = build(params)
    operation = params["operation"]
    if operation == "summary":
        return summary(g)
    if operation == "degrees":
        total, inn, out = alg.degrees(g)
        return {"result": total, "in_degree": inn, "out_degree": out} if g.directed \
            else {"result": total}
    if operation in ("bfs", "dfs"):
        start = _node(g, params, "start", operation)
        return {"result": (alg.bfs if operation == "bfs" else alg.dfs)(g, start)}
    if operation == "shortest_path":
        start, end = _node(g, params, "start", operation), _node(g, params, "end", operation)
        if any(w < 0 for edges in g.adj.values() for _, w, _ in edges):
            raise ToolError("validation_error", f"{NAME}: shortest_path needs non-negative "
                                                f"weights")
        path, distance = alg.shortest_path(g, start, end)
        return {"result": path, "distance": distance, "reachable": path is not None,
                "hops": len(path) - 1 if path else None}
    if operation == "topological_sort":
        if not g.directed:
            raise ToolError("validation_error", f"{NAME}: topological_sort needs "
                                                f"directed = true")
        order = alg.topological_sort(g)
        if order is None:
            cycle = " -> ".join(alg.find_cycle(g))
            raise ToolError("validation_error", f"{NAME}: no topological order, the graph "
                                                f"has a cycle: {cycle}")
        return {"result": order}
    if operation == "components":
        parts = alg.components(g)
        return {"result": parts, "count": len(parts),
                "kind": "weak" if g.directed else "connected"}
    cycle = alg.find_cycle(g)
    return {"has_cycle": cycle is not None, "result": cycle}
