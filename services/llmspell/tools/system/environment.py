"""environment-reader: read environment variables with secrets masked."""

from __future__ import annotations

import os

from ..base import Example, ToolContext, ToolError, tool
from .sensitive import masked

SCHEMA = {
    "properties": {
        "operation": {"type": "string", "enum": ["get", "names", "list"], "default": "list",
                      "description": "get one variable, list names, or list names with values"},
        "name": {"type": "string", "minLength": 1, "description": "get: the variable"},
        "default": {"type": ["string", "null"], "default": None,
                    "description": "get: the result when the variable is not set"},
        "prefix": {"type": "string", "default": "",
                   "description": "names/list: only names starting with this (case-sensitive)"},
    },
    "required": [],
    "additionalProperties": False,
}


@tool("environment-reader", category="system", security_level="restricted", schema=SCHEMA,
      description="Read environment variables: one, all names, or names with values; values "
                  "of secret-looking names (KEY, TOKEN, PASSWORD, ...) are shown as ***.",
      examples=[
          Example({"operation": "get", "name": "LLMSPELL_SURELY_UNSET", "default": "none"},
                  "A missing variable gives the default", expect={"result": "none",
                                                                   "exists": False}),
          Example({"operation": "names", "prefix": "LC_"}, "Locale variable names"),
          Example({"operation": "list", "prefix": "LLMSPELL_"}, "llmspell settings from the "
                  "environment, secrets masked"),
      ])
def environment_reader(params: dict, ctx: ToolContext) -> dict:
    """Answer one environment question, masking secrets."""
    op = params["operation"]
    if op == "get":
        if "name" not in params:
            raise ToolError("validation_error", "operation 'get' needs 'name'")
        name = params["name"]
        if name not in os.environ:
            return {"result": params["default"], "name": name, "exists": False, "masked": False}
        value, hidden = masked(name, os.environ[name])
        return {"result": value, "name": name, "exists": True, "masked": hidden}
    names = sorted(n for n in os.environ if n.startswith(params["prefix"]))
    if op == "names":
        return {"result": names, "count": len(names)}
    values, hidden = {}, []
    for name in names:
        values[name], was_masked = masked(name, os.environ[name])
        if was_masked:
            hidden.append(name)
    return {"result": values, "count": len(values), "masked": hidden}
