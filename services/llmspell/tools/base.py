"""The tool contract: what a built-in tool declares, how it fails, what it may use.

A tool is a plain function ``run(params: dict, ctx: ToolContext) -> dict`` declared
with :func:`tool`. Its parameters are checked against its JSON Schema before it runs;
it fails by raising :class:`ToolError` with one of :data:`ERROR_TYPES`.

Family modules (``utility``, ``data``, ...) must stay cheap to import: heavy
third-party imports belong inside the tool function, so listing tools stays fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

ERROR_TYPES = ("not_found", "validation_error", "execution_error", "timeout", "permission_denied")
SECURITY_LEVELS = ("safe", "restricted", "privileged")
CATEGORIES = ("utility", "data", "filesystem", "system", "web", "media")
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class ToolError(Exception):
    """A tool failure the caller should see: ``error_type`` is one of ERROR_TYPES."""

    def __init__(self, error_type: str, message: str):
        if error_type not in ERROR_TYPES:
            raise ValueError(f"unknown tool error type {error_type!r}")
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class Example:
    """A documented call. ``expect`` is a subset the result must contain when run;
    ``run=False`` marks examples that need the network or files (validated only)."""

    params: dict
    description: str = ""
    expect: dict | None = None
    run: bool = True


@dataclass
class ToolSettings:
    """The ``[tools]`` configuration section, as tools see it."""

    allowed_paths: list[str] = field(default_factory=list)
    max_file_size: int = 10 * 1024 * 1024
    process_allowlist: list[str] = field(default_factory=lambda: ["echo", "ls", "cat"])
    process_timeout: float = 10.0
    max_output: int = 1024 * 1024
    http_timeout: float = 10.0
    http_max_bytes: int = 5 * 1024 * 1024
    http_max_redirects: int = 5
    allow_link_local: bool = False
    blocked_hosts: list[str] = field(default_factory=list)
    timeout: float = 30.0

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> "ToolSettings":
        """Build from ``config.get('tools')``; unknown keys are ignored here."""
        known = {k: v for k, v in section.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class ToolContext:
    """What a running tool may use: its settings and a logger callable."""

    settings: ToolSettings = field(default_factory=ToolSettings)
    log: Callable[[str, str], None] = lambda level, message: None


@dataclass
class ToolSpec:
    """A registered tool: metadata plus the function that runs it."""

    name: str
    category: str
    description: str
    security_level: str
    schema: dict
    run: Callable[[dict, ToolContext], dict]
    examples: list[Example] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    _validator: Callable[[Any], Any] | None = field(default=None, repr=False)

    def validate(self, params: Any) -> dict:
        """Check ``params`` against the schema (with defaults filled); raise validation_error."""
        if self._validator is None:
            import fastjsonschema

            self._validator = fastjsonschema.compile(self.schema)
        if params is None:
            params = {}
        params = self._empty_tables_as_arrays(params)
        try:
            result = self._validator(params)
        except Exception as exc:  # fastjsonschema.JsonSchemaValueException
            raise ToolError("validation_error", _describe_violation(self.name, exc)) from None
        return result if isinstance(result, dict) else params

    def _empty_tables_as_arrays(self, params: Any) -> Any:
        """Lua has one empty table for ``{}`` and ``[]``: where the schema wants an
        array, an empty object parameter is taken as the empty array."""
        if not isinstance(params, dict):
            return params
        props = self.schema.get("properties", {})
        fixed = {}
        for key, value in params.items():
            kind = props.get(key, {}).get("type")
            wants_array = kind == "array" or (isinstance(kind, list) and "array" in kind
                                              and "object" not in kind)
            fixed[key] = [] if value == {} and wants_array else value
        return fixed

    def describe(self) -> dict:
        """Metadata as plain JSON-able data (for list/info replies)."""
        return {
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "security_level": self.security_level,
            "aliases": list(self.aliases),
            "parameters": self.schema,
            "examples": [{"description": e.description, "params": e.params} for e in self.examples],
        }


def _describe_violation(tool_name: str, exc: Exception) -> str:
    """Turn a fastjsonschema error into 'param X: must be ...'."""
    message = getattr(exc, "message", str(exc))
    path = getattr(exc, "name", "data") or "data"
    param = path[len("data"):].lstrip(".") if path.startswith("data") else path
    message = message.replace(path + " ", "", 1) if message.startswith(path) else message
    if param:
        return f"{tool_name}: parameter '{param}' {message}"
    return f"{tool_name}: parameters {message}"


_DECLARED: list[ToolSpec] = []


def tool(name: str, *, category: str, description: str, schema: dict,
         security_level: str = "safe", examples: list[Example] | None = None,
         aliases: tuple[str, ...] = ()) -> Callable:
    """Declare a built-in tool. The snake_case alias of ``name`` is added automatically."""
    if not _KEBAB.match(name):
        raise ValueError(f"tool name {name!r} is not kebab-case")
    if category not in CATEGORIES or security_level not in SECURITY_LEVELS:
        raise ValueError(f"tool {name}: bad category or security level")
    schema = {"type": "object", **schema}

    def register(fn: Callable[[dict, ToolContext], dict]) -> Callable:
        snake = name.replace("-", "_")
        all_aliases = tuple(dict.fromkeys((snake, *aliases) if snake != name else aliases))
        _DECLARED.append(ToolSpec(name, category, description, security_level, schema, fn,
                                  list(examples or []), all_aliases))
        return fn

    return register


def declared() -> list[ToolSpec]:
    """Every tool declared so far by imported family modules."""
    return list(_DECLARED)
