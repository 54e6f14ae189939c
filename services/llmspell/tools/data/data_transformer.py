"""data-transformer: select/map fields, filter, group with aggregates, sort, dedupe and
pivot a list of records."""

from __future__ import annotations

import json

from ..base import Example, ToolContext, ToolError, tool
from .records import aggregate, condition_schema, predicate, sort_records

NAME = "data-transformer"
MAX_RECORDS = 100_000
AGGREGATES = ("count", "sum", "avg", "min", "max")
_FIELDS = {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 100}


def _key(record: dict, fields: list[str]) -> str:
    """A hashable identity of the values of ``fields`` (JSON keeps 1 and "1" apart)."""
    return json.dumps([record.get(f) for f in fields], sort_keys=True, default=str)


def _need(params: dict, key: str, operation: str):
    if not params.get(key):
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs '{key}'")
    return params[key]


def select(records: list[dict], fields: list[str]) -> list[dict]:
    """Keep only ``fields`` (missing ones become null), in that order."""
    return [{f: r.get(f) for f in fields} for r in records]


def remap(records: list[dict], rename: dict, constants: dict) -> list[dict]:
    """Rename fields (old -> new) and set constant fields on every record."""
    return [{**{rename.get(k, k): v for k, v in r.items()}, **constants} for r in records]


def group_by(records: list[dict], by: list[str], aggregates: list[dict]) -> list[dict]:
    """One row per distinct ``by`` values (first-seen order) with the aggregates."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(_key(r, by), []).append(r)
    rows = []
    for members in groups.values():
        row = {f: members[0].get(f) for f in by}
        for agg in aggregates or [{"op": "count"}]:
            op, field = agg["op"], agg.get("field")
            if op != "count" and not field:
                raise ToolError("validation_error", f"{NAME}: aggregate '{op}' needs 'field'")
            name = agg.get("as") or (f"{op}_{field}" if field else op)
            values = [m.get(field) for m in members] if field else [True] * len(members)
            row[name] = aggregate(NAME, op, field, values)
        rows.append(row)
    return rows


def unique(records: list[dict], by: list[str] | None) -> list[dict]:
    """First record of each distinct value of ``by`` (or of the whole record)."""
    seen, kept = set(), []
    for r in records:
        key = _key(r, by) if by else json.dumps(r, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept


def pivot(records: list[dict], index: str, columns: str, values: str, op: str) -> list[dict]:
    """Rows per ``index`` value, a column per ``columns`` value, cells aggregated."""
    cells: dict[str, dict[str, list]] = {}
    heads: dict[str, None] = {}
    firsts: dict[str, object] = {}
    for r in records:
        row_key, head = _key(r, [index]), str(r.get(columns))
        firsts.setdefault(row_key, r.get(index))
        heads.setdefault(head, None)
        cells.setdefault(row_key, {}).setdefault(head, []).append(r.get(values))
    if index in heads:
        raise ToolError("validation_error", f"{NAME}: pivot column value {index!r} clashes "
                                            f"with the index field name")
    return [{index: firsts[k], **{h: aggregate(NAME, op, values, row[h]) if h in row else None
                                  for h in heads}} for k, row in cells.items()]


@tool(NAME, category="data",
      description="Transform a list of records: select or rename fields, filter, group_by with "
                  "count/sum/avg/min/max, sort_by, unique, pivot.",
      schema={
          "properties": {
              "records": {"type": "array", "items": {"type": "object"},
                          "maxItems": MAX_RECORDS},
              "operation": {"enum": ["select", "map", "filter", "group_by", "sort_by",
                                     "unique", "pivot"]},
              "fields": {**_FIELDS, "description": "fields to keep (select)"},
              "rename": {"type": "object", "additionalProperties": {"type": "string"},
                         "description": "old name -> new name (map)"},
              "set": {"type": "object", "description": "field -> constant value (map)"},
              "where": {**condition_schema("field"), "description": "conditions (filter)"},
              "match": {"enum": ["all", "any"], "default": "all"},
              "by": {**_FIELDS, "description": "key fields (group_by, sort_by, unique)"},
              "aggregates": {
                  "type": "array", "maxItems": 50,
                  "items": {"type": "object",
                            "properties": {"op": {"enum": list(AGGREGATES)},
                                           "field": {"type": "string"},
                                           "as": {"type": "string", "minLength": 1}},
                            "required": ["op"], "additionalProperties": False},
                  "description": "group_by aggregates (default: count)"},
              "descending": {"type": "boolean", "default": False},
              "index": {"type": "string", "description": "row field (pivot)"},
              "columns": {"type": "string", "description": "field whose values become columns"},
              "values": {"type": "string", "description": "field aggregated into cells"},
              "aggregate": {"enum": list(AGGREGATES), "default": "sum"},
          },
          "required": ["records", "operation"],
          "additionalProperties": False,
      },
      examples=[
          Example({"operation": "group_by", "by": ["team"],
                   "aggregates": [{"op": "sum", "field": "points", "as": "total"}],
                   "records": [{"team": "red", "points": 3}, {"team": "blue", "points": 1},
                               {"team": "red", "points": 2}]},
                  "total points per team",
                  expect={"result": [{"team": "red", "total": 5}, {"team": "blue", "total": 1}]}),
          Example({"operation": "filter", "where": [{"field": "age", "op": ">", "value": 18}],
                   "records": [{"name": "ann", "age": 31}, {"name": "bob", "age": 17}]},
                  "keep adults", expect={"count": 1}),
          Example({"operation": "pivot", "index": "month", "columns": "kind", "values": "eur",
                   "records": [{"month": "jan", "kind": "rent", "eur": 900},
                               {"month": "jan", "kind": "food", "eur": 300}]},
                  "one column per kind",
                  expect={"result": [{"month": "jan", "rent": 900, "food": 300}]}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Apply one transformation; the answer is ``result`` (records) and ``count``."""
    records, operation = params["records"], params["operation"]
    if operation == "select":
        out = select(records, _need(params, "fields", operation))
    elif operation == "map":
        if not params.get("rename") and not params.get("set"):
            raise ToolError("validation_error", f"{NAME}: operation 'map' needs 'rename' "
                                                f"or 'set'")
        out = remap(records, params.get("rename", {}), params.get("set", {}))
    elif operation == "filter":
        keep = predicate(_need(params, "where", operation), "field", params["match"] == "any")
        out = [r for r in records if keep(r)]
    elif operation == "group_by":
        out = group_by(records, _need(params, "by", operation), params.get("aggregates", []))
    elif operation == "sort_by":
        out = sort_records(records, _need(params, "by", operation), params["descending"])
    elif operation == "unique":
        out = unique(records, params.get("by"))
    else:
        out = pivot(records, _need(params, "index", operation),
                    _need(params, "columns", operation), _need(params, "values", operation),
                    params["aggregate"])
    return {"result": out, "count": len(out)}
