"""json-processor: parse, validate, query (JMESPath), format, edit and merge JSON."""

from __future__ import annotations

import copy
import json
from typing import Any

from ..base import Example, ToolContext, ToolError, tool
from ._common import check_size, dotted_get, dotted_set, json_type

NAME = "json-processor"
OPERATIONS = ("parse", "validate", "query", "pretty", "minify", "get", "set", "merge",
              "keys", "flatten")


def parse_json(text: str, what: str = "input", tool_name: str = NAME) -> Any:
    """Strict JSON (no NaN/Infinity); errors name the tool, line and column."""
    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise ToolError("validation_error", f"{tool_name}: {what} is not valid JSON: {exc.msg} "
                                            f"at line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:
        raise ToolError("validation_error", f"{tool_name}: {what}: {exc}") from None
    except RecursionError:
        raise ToolError("validation_error", f"{tool_name}: {what} is nested too deeply") from None


def _document(params: dict, ctx: ToolContext) -> Any:
    if "input" in params:
        check_size(NAME, params["input"], ctx)
        return parse_json(params["input"])
    if "data" in params:
        return copy.deepcopy(params["data"])
    raise ToolError("validation_error", f"{NAME}: give 'input' (JSON text) or 'data' (a value)")


def deep_merge(base: Any, other: Any) -> Any:
    """Objects merge key by key, recursively; anything else is replaced by ``other``."""
    if isinstance(base, dict) and isinstance(other, dict):
        merged = dict(base)
        for key, value in other.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return other


def flatten(value: Any, separator: str, prefix: str = "") -> dict:
    """``{"a": {"b": [1]}}`` -> ``{"a.b.0": 1}``; empty containers stay as leaves."""
    if isinstance(value, dict) and value:
        items = value.items()
    elif isinstance(value, list) and value:
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    out: dict = {}
    for key, child in items:
        out.update(flatten(child, separator, f"{prefix}{separator}{key}" if prefix else key))
    return out


def _validate(doc: Any, params: dict, ctx: ToolContext) -> dict:
    """Well-formedness, plus a JSON Schema check when ``schema`` is given: delegated to
    data-validation (no remote $ref fetched, time- and memory-bounded)."""
    if "schema" not in params:
        return {"valid": True, "type": json_type(doc)}
    from ..text.data_validation import data_validation

    checked = data_validation({"data": doc, "schema": params["schema"], "check_formats": False,
                               "max_errors": 50, "timeout": 5}, ctx)
    found = [{"path": e["pointer"].lstrip("/"), "message": e["message"]}
             for e in checked["errors"]]
    return {"valid": checked["valid"], "type": json_type(doc), "errors": found}


def _query(doc: Any, expression: str) -> Any:
    import jmespath

    try:
        return jmespath.search(expression, doc)
    except jmespath.exceptions.ParseError as exc:
        raise ToolError("validation_error", f"{NAME}: bad JMESPath expression {expression!r} "
                                            f"at column {exc.lex_position}") from None
    except jmespath.exceptions.JMESPathError as exc:
        message = str(exc).splitlines()[0]
        raise ToolError("validation_error", f"{NAME}: JMESPath query failed: {message}") from None


def _need(params: dict, key: str, operation: str) -> Any:
    if key not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs '{key}'")
    return params[key]


@tool(NAME, category="data",
      description="Parse, validate (optionally against a JSON Schema), query with JMESPath, "
                  "pretty-print or minify JSON; get/set by dotted path, deep-merge, list keys, "
                  "flatten.",
      schema={
          "properties": {
              "operation": {"enum": list(OPERATIONS), "default": "parse"},
              "input": {"type": "string", "description": "JSON text"},
              "data": {"description": "an already-parsed value (instead of input)"},
              "query": {"type": "string", "minLength": 1, "description": "JMESPath expression"},
              "path": {"type": "string", "description": "dotted path, e.g. 'a.items.0.name'"},
              "value": {"description": "value to store (operation set)"},
              "other": {"description": "object to merge in, or its JSON text (operation merge)"},
              "schema": {"type": "object", "description": "JSON Schema (operation validate)"},
              "indent": {"type": "integer", "minimum": 0, "maximum": 8, "default": 2},
              "sort_keys": {"type": "boolean", "default": False},
              "separator": {"type": "string", "minLength": 1, "default": "."},
          },
          "additionalProperties": False,
      },
      examples=[
          Example({"operation": "query", "input": '{"users": [{"name": "ann", "age": 31}, '
                   '{"name": "bob", "age": 17}]}', "query": "users[?age > `18`].name"},
                  "names of adult users", expect={"result": ["ann"]}),
          Example({"operation": "get", "input": '{"a": {"b": [10, 20]}}', "path": "a.b.1"},
                  "read a nested value", expect={"result": 20, "found": True}),
          Example({"operation": "merge", "data": {"a": {"x": 1}}, "other": {"a": {"y": 2}}},
                  "deep-merge two objects", expect={"result": {"a": {"x": 1, "y": 2}}}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Run one JSON operation over ``input`` (text) or ``data`` (value)."""
    operation = params["operation"]
    if operation == "validate" and "input" in params:
        check_size(NAME, params["input"], ctx)
        try:
            doc = parse_json(params["input"])
        except ToolError as exc:
            return {"valid": False, "error": exc.message}
        return _validate(doc, params, ctx)
    doc = _document(params, ctx)
    if operation == "parse":
        return {"result": doc, "type": json_type(doc)}
    if operation == "validate":
        return _validate(doc, params, ctx)
    if operation == "query":
        return {"result": _query(doc, _need(params, "query", operation))}
    if operation in ("pretty", "minify"):
        indent, separators = (params["indent"], None) if operation == "pretty" \
            else (None, (",", ":"))
        text = json.dumps(doc, indent=indent, separators=separators,
                          sort_keys=params["sort_keys"], ensure_ascii=False)
        return {"result": text}
    if operation == "get":
        found, value = dotted_get(doc, _need(params, "path", operation))
        return {"result": value, "found": found}
    if operation == "set":
        value = copy.deepcopy(_need(params, "value", operation))
        return {"result": dotted_set(NAME, doc, _need(params, "path", operation), value)}
    if operation == "merge":
        other = _need(params, "other", operation)
        if isinstance(other, str):
            check_size(NAME, other, ctx, "other")
            other = parse_json(other, "other")
        return {"result": deep_merge(doc, other)}
    if operation == "keys":
        if not isinstance(doc, dict):
            raise ToolError("validation_error", f"{NAME}: 'keys' needs an object, "
                                                f"got {json_type(doc)}")
        return {"result": list(doc)}
    return {"result": flatten(doc, params["separator"])}
