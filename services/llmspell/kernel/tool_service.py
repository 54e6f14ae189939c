"""Tool commands as the kernel serves them: the content of ``tool_request`` messages.

``handle(content)`` takes ``{command: list|info|invoke|search|test|categories|exists,
...}`` and returns ``{status: ok, ...}`` or ``{status: error, error_type, message}``.
The Lua ``Tool`` API and the CLI (through the kernel) both end here.
"""

from __future__ import annotations

from typing import Any

from ..tools.base import ToolContext, ToolError
from ..tools.registry import ToolRegistry

COMMANDS = ("list", "info", "invoke", "search", "test", "categories", "exists")


class ToolService:
    """Runs tool commands against one registry with one tool context."""

    def __init__(self, registry: ToolRegistry, context: ToolContext):
        self.registry = registry
        self.context = context

    def handle(self, content: dict) -> dict:
        """Serve one tool_request; never raises for bad input."""
        command = content.get("command")
        if command not in COMMANDS:
            return _error("validation_error",
                          f"unknown tool command {command!r} (expected one of {', '.join(COMMANDS)})")
        try:
            return {"status": "ok", **getattr(self, f"_{command}")(content)}
        except ToolError as exc:
            return _error(exc.error_type, exc.message)

    def _list(self, content: dict) -> dict:
        category = content.get("category")
        if category is not None and category not in self.registry.categories():
            raise ToolError("not_found", f"no tool category '{category}' "
                            f"(categories: {', '.join(self.registry.categories())})")
        return {"tools": [_summary(s) for s in self.registry.specs(category)]}

    def _info(self, content: dict) -> dict:
        return {"tool": self.registry.resolve(_name(content)).describe()}

    def _invoke(self, content: dict) -> dict:
        params = content.get("params") or {}
        if not isinstance(params, dict):
            raise ToolError("validation_error", "params must be an object")
        name = _name(content)
        return {"tool": self.registry.resolve(name).name,
                "result": self.registry.invoke(name, params, self.context)}

    def _search(self, content: dict) -> dict:
        query = content.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ToolError("validation_error", "search needs a non-empty query")
        return {"tools": [_summary(s) for s in self.registry.search(query)]}

    def _test(self, content: dict) -> dict:
        reports = self.registry.test(_name(content), self.context)
        return {"tool": self.registry.resolve(_name(content)).name, "examples": reports,
                "passed": all(r["status"] == "ok" for r in reports)}

    def _categories(self, content: dict) -> dict:
        return {"categories": self.registry.categories()}

    def _exists(self, content: dict) -> dict:
        return {"exists": self.registry.exists(_name(content))}


def _name(content: dict) -> str:
    name = content.get("name")
    if not isinstance(name, str) or not name:
        raise ToolError("validation_error", "a tool name is required")
    return name


def _summary(spec: Any) -> dict:
    return {"name": spec.name, "category": spec.category, "description": spec.description,
            "security_level": spec.security_level}


def _error(error_type: str, message: str) -> dict:
    return {"status": "error", "error_type": error_type, "message": message}
