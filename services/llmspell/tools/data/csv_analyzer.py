"""csv-analyzer: parse CSV text, infer column types, summarise, filter, sort, convert."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

from ..base import Example, ToolContext, ToolError, tool
from ._common import check_size
from .records import condition_schema, number_stats, predicate, sort_records

NAME = "csv-analyzer"
MAX_ROWS = 100_000
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BOOL = {"true": True, "false": False}


def read_csv(text: str, delimiter: str | None, has_header: bool, max_rows: int
             ) -> tuple[list[str], list[list[str]], str, int]:
    """Split CSV text into (columns, rows, delimiter used, ragged row count)."""
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = []
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) > max_rows + has_header:
                raise ToolError("validation_error",
                                f"{NAME}: input has more than {max_rows} rows; raise max_rows "
                                f"(at most {MAX_ROWS}) or pass fewer rows")
    except csv.Error as exc:
        raise ToolError("validation_error",
                        f"{NAME}: bad CSV at line {reader.line_num}: {exc}") from None
    width = max((len(r) for r in rows), default=0)
    header = rows.pop(0) if has_header and rows else []
    columns = _column_names(header, width)
    ragged = sum(1 for r in rows if len(r) != len(columns))
    rows = [(r + [""] * len(columns))[:len(columns)] for r in rows]
    return columns, rows, delimiter, ragged


def _column_names(header: list[str], width: int) -> list[str]:
    """Header cells, made non-empty and unique; extra columns get column_N."""
    names: list[str] = []
    for i in range(max(width, len(header))):
        base = header[i].strip() if i < len(header) and header[i].strip() else f"column_{i + 1}"
        name, n = base, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def infer_type(values: list[str]) -> str:
    """integer, number, boolean, string, or empty (every cell blank)."""
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return "empty"
    if all(_INT.fullmatch(v) for v in present):
        return "integer"
    if all(_FLOAT.fullmatch(v) for v in present):
        return "number"
    if all(v.lower() in _BOOL for v in present):
        return "boolean"
    return "string"


def convert(value: str, kind: str):
    """A cell as its column's type; blank cells are None."""
    if not value.strip():
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return _BOOL[value.strip().lower()]
    return value


def column_stats(kind: str, values: list) -> dict:
    """count/nulls plus number stats, or distinct/top values for text and booleans."""
    present = [v for v in values if v is not None]
    stats = {"type": kind, "count": len(present), "nulls": len(values) - len(present)}
    if kind in ("integer", "number") and present:
        stats.update(number_stats(present))
    elif present:
        counts = Counter(present)
        stats["distinct"] = len(counts)
        stats["top"] = [{"value": v, "count": n} for v, n in counts.most_common(5)]
        if kind == "string":
            stats["min_length"] = min(len(v) for v in present)
            stats["max_length"] = max(len(v) for v in present)
    return stats


def _check_columns(names: list[str], columns: list[str]) -> None:
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise ToolError("validation_error", f"{NAME}: no column {unknown[0]!r}; columns are "
                                            f"{', '.join(columns)}")


@tool(NAME, category="data",
      description="Analyse CSV text: delimiter sniffing, header handling, per-column type "
                  "inference and statistics; filter, sort and select rows; convert to JSON "
                  "records.",
      schema={
          "properties": {
              "input": {"type": "string", "description": "CSV text"},
              "operation": {"enum": ["analyze", "records"], "default": "analyze"},
              "delimiter": {"type": "string", "minLength": 1, "maxLength": 1,
                            "description": "field separator (sniffed when absent)"},
              "has_header": {"type": "boolean", "default": True},
              "infer_types": {"type": "boolean", "default": True},
              "where": {**condition_schema("column"),
                        "description": "conditions every kept row must meet"},
              "columns": {"type": "array", "items": {"type": "string"}, "maxItems": 1000,
                          "description": "columns to keep (records) or describe (analyze)"},
              "sort_by": {"type": "string", "description": "column to sort records by"},
              "descending": {"type": "boolean", "default": False},
              "limit": {"type": "integer", "minimum": 0},
              "max_rows": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS,
                           "default": 10_000},
          },
          "required": ["input"],
          "additionalProperties": False,
      },
      examples=[
          Example({"input": "name,age\nann,31\nbob,17\n"}, "describe a small table",
                  expect={"rows": 2, "columns": ["name", "age"],
                          "column_stats": {"age": {"type": "integer", "max": 31}}}),
          Example({"input": "name;age\nann;31\nbob;17\n", "operation": "records",
                   "where": [{"column": "age", "op": ">=", "value": 18}]},
                  "rows of adults as records (delimiter sniffed)",
                  expect={"result": [{"name": "ann", "age": 31}], "count": 1}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Analyse CSV text or turn it into records."""
    check_size(NAME, params["input"], ctx)
    columns, rows, delimiter, ragged = read_csv(
        params["input"], params.get("delimiter"), params["has_header"], params["max_rows"])
    wanted = params.get("columns") or columns
    conditions = params.get("where", [])
    _check_columns(wanted + [c["column"] for c in conditions]
                   + ([params["sort_by"]] if "sort_by" in params else []), columns)
    kinds = {c: infer_type([r[i] for r in rows]) if params["infer_types"] else "string"
             for i, c in enumerate(columns)}
    records = [{c: convert(v, kinds[c]) for c, v in zip(columns, row, strict=True)} for row in rows]
    if conditions:
        keep = predicate(conditions, "column")
        records = [r for r in records if keep(r)]
    if params["operation"] == "analyze":
        return {"rows": len(records), "columns": columns, "column_count": len(columns),
                "delimiter": delimiter, "has_header": params["has_header"],
                "ragged_rows": ragged,
                "column_stats": {c: column_stats(kinds[c], [r[c] for r in records])
                                 for c in wanted}}
    if "sort_by" in params:
        records = sort_records(records, [params["sort_by"]], params["descending"])
    if "limit" in params:
        records = records[:params["limit"]]
    if wanted is not columns:
        records = [{c: r[c] for c in wanted} for r in records]
    return {"result": records, "count": len(records), "columns": wanted}
