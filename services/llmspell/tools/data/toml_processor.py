"""toml-processor: TOML <-> JSON, and dotted-path queries."""

from __future__ import annotations

import json
from typing import Any

from ..base import Example, ToolContext, ToolError, tool
from ._common import check_size, dotted_get, json_type, to_jsonable
from .json_processor import parse_json

NAME = "toml-processor"


def load_toml(text: str) -> dict:
    """A TOML document as JSON-able data (dates and times become ISO strings);
    parse errors carry tomllib's line and column."""
    import tomllib

    try:
        return to_jsonable(NAME, tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ToolError("validation_error", f"{NAME}: input is not valid TOML: {exc}") from None


def _first_null(value: Any, path: str = "") -> str | None:
    """Dotted path of the first null inside a value, if any (TOML has no null)."""
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        where = f"{path}.{key}" if path else str(key)
        if child is None:
            return where
        found = _first_null(child, where)
        if found:
            return found
    return None


def dump_toml(value: Any) -> str:
    """TOML text of an object; nulls and non-object documents are refused."""
    import tomli_w

    if not isinstance(value, dict):
        raise ToolError("validation_error",
                        f"{NAME}: a TOML document must be an object, got {json_type(value)}")
    null = _first_null(value)
    if null:
        raise ToolError("validation_error",
                        f"{NAME}: TOML has no null, but '{null}' is null; drop it or give it "
                        f"a value")
    return tomli_w.dumps(value)


@tool(NAME, category="data",
      description="Convert TOML to JSON and back, or read a value by dotted path; parse "
                  "errors name the line and column.",
      schema={
          "properties": {
              "operation": {"enum": ["parse", "to_json", "to_toml", "query"],
                            "default": "parse"},
              "input": {"type": "string", "description": "TOML text (JSON text for to_toml)"},
              "data": {"type": "object",
                       "description": "an object to write as TOML (to_toml, instead of input)"},
              "path": {"type": "string", "default": "", "description": "dotted path (query)"},
              "indent": {"type": "integer", "minimum": 0, "maximum": 8, "default": 2},
          },
          "additionalProperties": False,
      },
      examples=[
          Example({"input": "[server]\nport = 8080\nhosts = [\"a\", \"b\"]\n"},
                  "TOML text to a value",
                  expect={"result": {"server": {"port": 8080, "hosts": ["a", "b"]}}}),
          Example({"operation": "to_toml", "data": {"title": "demo", "owner": {"name": "ann"}}},
                  "an object to TOML text",
                  expect={"result": 'title = "demo"\n\n[owner]\nname = "ann"\n'}),
          Example({"operation": "query", "input": "[db]\nuser = \"app\"\n", "path": "db.user"},
                  "read one key", expect={"result": "app", "found": True}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Convert or query TOML."""
    operation = params["operation"]
    if operation == "to_toml":
        if "data" in params:
            return {"result": dump_toml(params["data"])}
        if "input" not in params:
            raise ToolError("validation_error",
                            f"{NAME}: to_toml needs 'data' (an object) or 'input' (JSON text)")
        check_size(NAME, params["input"], ctx)
        return {"result": dump_toml(parse_json(params["input"], tool_name=NAME))}
    if "input" not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs 'input' "
                                            f"(TOML text)")
    check_size(NAME, params["input"], ctx)
    doc = load_toml(params["input"])
    if operation == "parse":
        return {"result": doc}
    if operation == "to_json":
        return {"result": json.dumps(doc, indent=params["indent"] or None, ensure_ascii=False)}
    found, value = dotted_get(doc, params["path"])
    return {"result": value, "found": found}
