"""Plain graph algorithms for graph-analyzer, over a small adjacency-list structure."""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Iterator


@dataclass
class Graph:
    """Nodes in insertion order; ``adj[n]`` lists ``(neighbour, weight, edge_id)``
    (both directions when undirected); ``pred[n]`` lists predecessors when directed."""

    directed: bool
    nodes: dict[str, None] = field(default_factory=dict)
    adj: dict[str, list[tuple[str, float, int]]] = field(default_factory=dict)
    pred: dict[str, list[str]] = field(default_factory=dict)
    edge_count: int = 0
    weighted: bool = False

    def add_node(self, node: str) -> None:
        if node not in self.nodes:
            self.nodes[node] = None
            self.adj[node] = []
            self.pred[node] = []

    def add_edge(self, a: str, b: str, weight: float) -> None:
        self.add_node(a)
        self.add_node(b)
        self.adj[a].append((b, weight, self.edge_count))
        if self.directed:
            self.pred[b].append(a)
        else:
            self.adj[b].append((a, weight, self.edge_count))
        self.edge_count += 1
        self.weighted = self.weighted or weight != 1

    def neighbours(self, node: str, ignore_direction: bool = False) -> Iterator[str]:
        yield from (n for n, _, _ in self.adj[node])
        if ignore_direction:
            yield from self.pred[node]


def degrees(g: Graph) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(total, in, out) degree per node; a self-loop counts twice when undirected."""
    out = {n: len(g.adj[n]) for n in g.nodes}
    if not g.directed:
        return out, out, out
    inn = {n: len(g.pred[n]) for n in g.nodes}
    return {n: out[n] + inn[n] for n in g.nodes}, inn, out


def bfs(g: Graph, start: str) -> list[str]:
    """Breadth-first visiting order from ``start``."""
    seen, queue, order = {start}, deque([start]), []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in g.neighbours(node):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


def dfs(g: Graph, start: str) -> list[str]:
    """Depth-first pre-order from ``start`` (neighbours in edge order)."""
    seen, order, stack = {start}, [start], [g.neighbours(start)]
    while stack:
        for nxt in stack[-1]:
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                stack.append(g.neighbours(nxt))
                break
        else:
            stack.pop()
    return order


def shortest_path(g: Graph, start: str, end: str) -> tuple[list[str] | None, float | None]:
    """Dijkstra (weights must be >= 0): (path, distance), or (None, None) if unreachable."""
    dist, prev, heap, count = {start: 0}, {}, [(0, 0, start)], 1
    while heap:
        d, _, node = heapq.heappop(heap)
        if node == end:
            path = [end]
            while path[-1] != start:
                path.append(prev[path[-1]])
            return path[::-1], d
        if d > dist[node]:
            continue
        for nxt, weight, _ in g.adj[node]:
            if d + weight < dist.get(nxt, float("inf")):
                dist[nxt], prev[nxt] = d + weight, node
                heapq.heappush(heap, (d + weight, count, nxt))
                count += 1
    return None, None


def find_cycle(g: Graph) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or None. Undirected graphs do not count an edge
    walked back the way it came, but do count parallel edges and self-loops."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in g.nodes:
        if root in state:
            continue
        state[root] = 1
        path, stack = [root], [(root, iter(g.adj[root]), -1)]
        while stack:
            node, edges, via = stack[-1]
            for nxt, _, edge_id in edges:
                if not g.directed and edge_id == via:
                    continue
                if state.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                if nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(g.adj[nxt]), edge_id))
                    break
            else:
                state[node] = 2
                path.pop()
                stack.pop()
    return None


def topological_sort(g: Graph) -> list[str] | None:
    """Kahn's order (ties in insertion order) of a directed graph, or None if cyclic."""
    remaining = {n: len(g.pred[n]) for n in g.nodes}
    queue = deque(n for n, k in remaining.items() if k == 0)
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt, _, _ in g.adj[node]:
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                queue.append(nxt)
    return order if len(order) == len(g.nodes) else None


def components(g: Graph) -> list[list[str]]:
    """Connected components (weakly connected when directed), largest first."""
    seen: set[str] = set()
    found = []
    for root in g.nodes:
        if root in seen:
            continue
        seen.add(root)
        part, queue = [], deque([root])
        while queue:
            node = queue.popleft()
            part.append(node)
            for nxt in g.neighbours(node, ignore_direction=True):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        found.append(part)
    return sorted(found, key=len, reverse=True)
