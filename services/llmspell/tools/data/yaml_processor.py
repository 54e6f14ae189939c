"""yaml-processor: YAML <-> JSON with safe loading only, multi-document streams, queries."""

from __future__ import annotations

import json
from typing import Any

from ..base import Example, ToolContext, ToolError, tool
from ._common import check_size, dotted_get, to_jsonable
from .json_processor import parse_json

NAME = "yaml-processor"


def load_yaml(text: str) -> list[Any]:
    """Every document of a YAML stream, via ``yaml.safe_load_all`` only, as JSON-able
    values. Python-object tags are refused; errors name the line and column."""
    import yaml

    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.constructor.ConstructorError as exc:
        problem = str(exc.problem or exc)
        if "tag:yaml.org,2002:python/" in problem:
            tag = problem.split("tag:yaml.org,2002:", 1)[1].split("'")[0]
            raise ToolError("permission_denied",
                            f"{NAME}: refusing the !!{tag} tag{_where(exc)}: only plain YAML "
                            f"data is loaded, never Python objects") from None
        raise ToolError("validation_error", f"{NAME}: {problem}{_where(exc)}") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise ToolError("validation_error",
                        f"{NAME}: input is not valid YAML: {problem}{_where(exc)}") from None
    except RecursionError:
        raise ToolError("validation_error", f"{NAME}: input is nested too deeply") from None
    return to_jsonable(NAME, docs)


def _where(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def dump_yaml(value: Any, multi: bool, indent: int, sort_keys: bool) -> str:
    """YAML text of a value (or of each document of a list when ``multi``)."""
    import yaml

    options = {"sort_keys": sort_keys, "allow_unicode": True, "indent": indent,
               "default_flow_style": False}
    if multi:
        if not isinstance(value, list):
            raise ToolError("validation_error",
                            f"{NAME}: multi_document output needs a list of documents")
        return yaml.safe_dump_all(value, explicit_start=True, **options)
    return yaml.safe_dump(value, **options)


@tool(NAME, category="data",
      description="Convert YAML to JSON and back (safe loading only; Python tags refused), "
                  "with multi-document streams and dotted-path queries.",
      schema={
          "properties": {
              "operation": {"enum": ["parse", "to_json", "to_yaml", "query"],
                            "default": "parse"},
              "input": {"type": "string",
                        "description": "YAML text (JSON text for to_yaml)"},
              "data": {"description": "a value to write as YAML (to_yaml, instead of input)"},
              "multi_document": {"type": "boolean", "default": False,
                                 "description": "treat input/output as a list of documents"},
              "path": {"type": "string", "default": "", "description": "dotted path (query)"},
              "indent": {"type": "integer", "minimum": 1, "maximum": 8, "default": 2},
              "sort_keys": {"type": "boolean", "default": False},
          },
          "additionalProperties": False,
      },
      examples=[
          Example({"input": "name: app\nports: [80, 443]\n"}, "YAML text to a value",
                  expect={"result": {"name": "app", "ports": [80, 443]}}),
          Example({"operation": "to_yaml", "data": {"name": "app", "debug": False}},
                  "a value to YAML text", expect={"result": "name: app\ndebug: false\n"}),
          Example({"operation": "query", "input": "a: 1\n---\nb: {c: 2}\n",
                   "multi_document": True, "path": "1.b.c"},
                  "query the second document", expect={"result": 2, "found": True}),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Convert or query YAML."""
    operation = params["operation"]
    multi = params["multi_document"]
    if operation == "to_yaml":
        if "data" in params:
            value = params["data"]
        elif "input" in params:
            check_size(NAME, params["input"], ctx)
            value = parse_json(params["input"], tool_name=NAME)
        else:
            raise ToolError("validation_error",
                            f"{NAME}: to_yaml needs 'data' (a value) or 'input' (JSON text)")
        return {"result": dump_yaml(value, multi, params["indent"], params["sort_keys"])}
    if "input" not in params:
        raise ToolError("validation_error", f"{NAME}: operation '{operation}' needs 'input' "
                                            f"(YAML text)")
    check_size(NAME, params["input"], ctx)
    docs = load_yaml(params["input"])
    if not multi and len(docs) > 1:
        raise ToolError("validation_error", f"{NAME}: input holds {len(docs)} documents; "
                                            f"set multi_document = true")
    doc = docs if multi else (docs[0] if docs else None)
    if operation == "parse":
        return {"result": doc, "documents": len(docs)}
    if operation == "to_json":
        return {"result": json.dumps(doc, indent=params["indent"], ensure_ascii=False,
                                     sort_keys=params["sort_keys"])}
    found, value = dotted_get(doc, params["path"])
    return {"result": value, "found": found}
