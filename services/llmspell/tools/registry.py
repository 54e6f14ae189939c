"""The tool registry: finds built-in tools by name or alias, lists, searches, invokes."""

from __future__ import annotations

import importlib
import time
from typing import Any

from .base import Example, ToolContext, ToolError, ToolSpec, declared

FAMILY_MODULES = (
    "llmspell.tools.utility",
    "llmspell.tools.text",
    "llmspell.tools.data",
    "llmspell.tools.media",
    "llmspell.tools.filesystem",
    "llmspell.tools.system",
    "llmspell.tools.web",
)


class ToolRegistry:
    """All built-in tools, keyed by canonical kebab-case name and by aliases."""

    def __init__(self, specs: list[ToolSpec]):
        self._by_name: dict[str, ToolSpec] = {}
        self._alias: dict[str, str] = {}
        for spec in specs:
            if spec.name in self._by_name:
                raise ValueError(f"tool {spec.name} declared twice")
            self._by_name[spec.name] = spec
            for alias in spec.aliases:
                self._alias[alias] = spec.name

    @classmethod
    def builtin(cls) -> "ToolRegistry":
        """The registry of every built-in tool: from the cached catalog when it is
        current (no tool code imported), else by importing every family."""
        from . import catalog

        key = catalog.source_key()
        specs = catalog.load(key)
        if specs is None:
            for module in FAMILY_MODULES:
                importlib.import_module(module)
            specs = declared()
            catalog.save(key, specs)
        return cls(specs)

    def resolve(self, name: str) -> ToolSpec:
        """The tool called ``name`` (canonical or alias); raise not_found."""
        canonical = self._alias.get(name, name)
        spec = self._by_name.get(canonical)
        if spec is None:
            hint = self.suggest(name)
            more = f"; did you mean {hint}?" if hint else "; see 'llmspell tool list'"
            raise ToolError("not_found", f"no tool named '{name}'{more}")
        return spec

    def exists(self, name: str) -> bool:
        return self._alias.get(name, name) in self._by_name

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def specs(self, category: str | None = None) -> list[ToolSpec]:
        """Tools sorted by name, optionally of one category."""
        return [s for _, s in sorted(self._by_name.items())
                if category is None or s.category == category]

    def categories(self) -> list[str]:
        return sorted({s.category for s in self._by_name.values()})

    def search(self, query: str) -> list[ToolSpec]:
        """Tools whose name, alias, category or description contain every query word,
        best matches (name hits) first."""
        words = [w for w in query.lower().split() if w]
        scored = []
        for spec in self._by_name.values():
            name_text = " ".join((spec.name, *spec.aliases))
            text = f"{name_text} {spec.category} {spec.description}".lower()
            if words and all(w in text for w in words):
                score = sum(3 if w in name_text else 2 if w in spec.category else 1 for w in words)
                scored.append((-score, spec.name, spec))
        return [spec for *_, spec in sorted(scored)]

    def suggest(self, name: str) -> str | None:
        import difflib

        candidates = list(self._by_name) + list(self._alias)
        close = difflib.get_close_matches(name, candidates, n=1)
        return close[0] if close else None

    def invoke(self, name: str, params: Any, ctx: ToolContext) -> dict:
        """Validate and run one tool; always returns a dict or raises ToolError."""
        spec = self.resolve(name)
        clean = spec.validate(params)
        try:
            result = spec.run(clean, ctx)
        except ToolError:
            raise
        except TimeoutError as exc:
            raise ToolError("timeout", f"{spec.name}: {exc or 'timed out'}") from None
        except PermissionError as exc:
            raise ToolError("permission_denied", f"{spec.name}: {exc}") from None
        except Exception as exc:  # a tool bug or an unexpected condition: say what, keep going
            raise ToolError("execution_error", f"{spec.name}: {type(exc).__name__}: {exc}") from None
        if not isinstance(result, dict):
            raise ToolError("execution_error", f"{spec.name}: returned {type(result).__name__}")
        return result

    def test(self, name: str, ctx: ToolContext) -> list[dict]:
        """Check every example of a tool: params valid, and (when runnable) the call
        succeeds and contains ``expect``. One report dict per example."""
        spec = self.resolve(name)
        reports = []
        for i, example in enumerate(spec.examples):
            reports.append(self._check_example(spec, i, example, ctx))
        return reports

    def _check_example(self, spec: ToolSpec, index: int, example: Example,
                       ctx: ToolContext) -> dict:
        report = {"example": index, "description": example.description, "ran": False}
        started = time.perf_counter()
        try:
            spec.validate(example.params)
            if example.run:
                report["ran"] = True
                result = self.invoke(spec.name, example.params, ctx)
                missing = _missing(example.expect or {}, result)
                if missing:
                    raise ToolError("execution_error", f"result lacks expected {missing}")
            report["status"] = "ok"
        except ToolError as exc:
            report.update(status="failed", error_type=exc.error_type, error=exc.message)
        report["seconds"] = round(time.perf_counter() - started, 4)
        return report


def _missing(expect: dict, result: dict) -> dict:
    """The part of ``expect`` that ``result`` does not contain (recursively for dicts)."""
    missing = {}
    for key, want in expect.items():
        have = result.get(key, _ABSENT)
        if isinstance(want, dict) and isinstance(have, dict):
            sub = _missing(want, have)
            if sub:
                missing[key] = sub
        elif have != want:
            missing[key] = want
    return missing


_ABSENT = object()
