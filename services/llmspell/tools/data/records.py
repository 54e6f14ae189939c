"""Record helpers shared by csv-analyzer and data-transformer: conditions, sorting, stats."""

from __future__ import annotations

import json
import operator
from typing import Any, Callable, Iterable

from ..base import ToolError

OPS = ("=", "!=", "<", "<=", ">", ">=", "contains")
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def condition_schema(key: str) -> dict:
    """JSON Schema of a list of conditions ``{<key>, op, value}`` (all must hold)."""
    return {
        "type": "array", "maxItems": 20,
        "items": {
            "type": "object",
            "properties": {
                key: {"type": "string", "minLength": 1},
                "op": {"enum": list(OPS), "default": "="},
                "value": {"type": ["string", "number", "boolean", "null"]},
            },
            "required": [key], "additionalProperties": False,
        },
    }


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _coerce(have: Any, want: Any) -> tuple[Any, Any]:
    """Make a numeric string comparable with a number (either side)."""
    if is_number(want) and isinstance(have, str):
        try:
            return float(have), want
        except ValueError:
            return have, want
    if is_number(have) and isinstance(want, str):
        try:
            return have, float(want)
        except ValueError:
            return have, want
    return have, want


def matches(have: Any, op: str, want: Any) -> bool:
    """Whether a record value satisfies ``op want``; null never orders or contains."""
    if op == "contains":
        if isinstance(have, list):
            return want in have
        return have is not None and want is not None and str(want) in str(have)
    have, want = _coerce(have, want)
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    comparable = (is_number(have) and is_number(want)) or (
        isinstance(have, str) and isinstance(want, str))
    return comparable and _ORDER[op](have, want)


def predicate(conditions: list[dict], key: str, match_any: bool = False
              ) -> Callable[[dict], bool]:
    """A test over one record: all (or any) of the conditions hold."""
    checks = [(c[key], c.get("op", "="), c.get("value")) for c in conditions]
    combine = any if match_any else all

    def test(record: dict) -> bool:
        return combine(matches(record.get(name), op, want) for name, op, want in checks)

    return test


def _sort_value(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool) or is_number(value):
        return 0, value
    if isinstance(value, str):
        return 1, value
    return 2, json.dumps(value, sort_keys=True, default=str)


def sort_records(records: list[dict], fields: list[str], descending: bool = False) -> list[dict]:
    """Stable sort by several fields; numbers before strings, nulls always last."""
    def key(name: str) -> Callable[[dict], tuple]:
        def of(record: dict) -> tuple:
            value = record.get(name)
            if value is None:  # reverse=True flips the order, so flip the null flag too
                return (not descending, 0, 0)
            return (descending, *_sort_value(value))
        return of

    result = list(records)
    for name in reversed(fields):
        result.sort(key=key(name), reverse=descending)
    return result


def aggregate(tool: str, op: str, field: str | None, values: Iterable[Any]) -> Any:
    """count / sum / avg / min / max over values, skipping nulls. Non-numbers are
    refused for sum/avg; min/max compare numbers or strings but not a mix."""
    present = [v for v in values if v is not None]
    if op == "count":
        return len(present)
    if not present:
        return None
    if op in ("sum", "avg"):
        bad = next((v for v in present if not is_number(v)), None)
        if bad is not None:
            raise ToolError("validation_error", f"{tool}: cannot {op} field '{field}': "
                                                f"value {bad!r} is not a number")
        total = sum(present)
        return total if op == "sum" else total / len(present)
    kinds = {_sort_value(v)[0] for v in present}
    if len(kinds) > 1:
        raise ToolError("validation_error", f"{tool}: cannot take {op} of field '{field}': "
                                            f"it mixes numbers and text")
    return min(present) if op == "min" else max(present)


def number_stats(values: list[float]) -> dict:
    """min, max, mean, median, sum of a non-empty list of numbers."""
    import statistics

    return {"min": min(values), "max": max(values), "sum": sum(values),
            "mean": statistics.fmean(values), "median": statistics.median(values)}
