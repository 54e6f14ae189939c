"""regex-matcher: Python regular expressions with a catastrophic-backtracking guard.

The pattern is compiled here (so syntax errors come back at once, with their
position); the matching runs under :func:`run_bounded`, which kills it at the
deadline. Offsets in results are 0-based character positions, ``end`` exclusive.
"""

from __future__ import annotations

import re
from itertools import islice

from ..base import Example, ToolContext, ToolError, tool
from ..utility._common import invalid, need
from ._bounded import run_bounded

NAME = "regex-matcher"
MAX_PATTERN = 1000
MAX_INPUT = 1024 * 1024
MAX_OUTPUT = 10 * 1024 * 1024
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE,
          "a": re.ASCII}


def compile_pattern(pattern: str, flags: str) -> re.Pattern:
    bits = 0
    for letter in flags.lower():
        bits |= _FLAGS[letter]
    try:
        return re.compile(pattern, bits)
    except re.error as exc:
        where = f"position {exc.pos}" if exc.pos is not None else "an unknown position"
        if exc.lineno and exc.lineno > 1:
            where += f" (line {exc.lineno}, column {exc.colno})"
        raise invalid(NAME, f"invalid pattern at {where}: {exc.msg}") from None
    except (OverflowError, RecursionError) as exc:
        raise invalid(NAME, f"pattern too complex: {exc}") from None


def describe(m: re.Match) -> dict:
    return {"text": m.group(0), "start": m.start(), "end": m.end(),
            "groups": list(m.groups()), "named": m.groupdict(),
            "spans": [list(m.span(i)) for i in range(1, (m.re.groups or 0) + 1)]}


def _findall_item(m: re.Match):
    """What ``re.findall`` would give for this match."""
    if m.re.groups == 0:
        return m.group(0)
    if m.re.groups == 1:
        return m.group(1)
    return list(m.groups())


def _matches(compiled: re.Pattern, text: str, limit: int, shape) -> dict:
    found = list(islice(compiled.finditer(text), limit + 1))
    items = [shape(m) for m in found[:limit]]
    return {"matches": items, "count": len(items), "truncated": len(found) > limit}


def _replace(compiled: re.Pattern, text: str, replacement: str, count: int) -> dict:
    try:
        result, n = compiled.subn(replacement, text, count=count)
    except (re.error, IndexError) as exc:
        raise invalid(NAME, f"invalid replacement {replacement!r}: {exc}") from None
    if len(result) > MAX_OUTPUT:
        raise ToolError("execution_error", f"{NAME}: result larger than {MAX_OUTPUT} characters")
    return {"result": result, "replacements": n}


def _operation(params: dict, compiled: re.Pattern):
    """The work to run bounded, as a no-argument function."""
    operation, text = params["operation"], params["input"]
    if operation in ("match", "search", "fullmatch"):
        def single():
            m = getattr(compiled, operation)(text)
            return {"matched": m is not None, "match": describe(m) if m else None}
        return single
    if operation in ("findall", "finditer"):
        shape = _findall_item if operation == "findall" else describe
        return lambda: _matches(compiled, text, params["max_matches"], shape)
    if operation == "replace":
        replacement = need(params, "replacement", NAME, operation)
        return lambda: _replace(compiled, text, replacement, params["count"])
    def split():
        parts = compiled.split(text, maxsplit=params["count"])
        return {"parts": parts, "count": len(parts)}
    return split


@tool(
    NAME,
    category="utility",
    description=("Regular expressions (Python syntax): match, fullmatch, search, findall, "
                 "finditer with groups and named groups, replace (\\1, \\g<name>), split; "
                 "flags i m s x a; long-running matches are stopped at a time limit."),
    schema={
        "properties": {
            "operation": {"enum": ["match", "fullmatch", "search", "findall", "finditer",
                                   "replace", "split"], "default": "search"},
            "pattern": {"type": "string", "maxLength": MAX_PATTERN},
            "input": {"type": "string", "maxLength": MAX_INPUT},
            "flags": {"type": "string", "pattern": "^[imsxaIMSXA]*$", "default": "",
                      "description": "letters: i ignore case, m multiline, s dot-all, "
                                     "x verbose, a ASCII"},
            "replacement": {"type": "string", "maxLength": 10_000},
            "count": {"type": "integer", "minimum": 0, "default": 0,
                      "description": "replace: most replacements; split: most splits "
                                     "(0 = all)"},
            "max_matches": {"type": "integer", "minimum": 1, "maximum": 10_000,
                            "default": 1000},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 30, "default": 2,
                        "description": "seconds before the match is abandoned"},
        },
        "required": ["pattern", "input"],
        "additionalProperties": False,
    },
    examples=[
        Example({"pattern": r"(?P<user>\w+)@(?P<host>[\w.]+)", "input": "mail bob@example.org"},
                "named groups", {"matched": True}),
        Example({"operation": "findall", "pattern": r"\d+", "input": "a1 b22 c333"},
                "all numbers", {"matches": ["1", "22", "333"], "count": 3}),
        Example({"operation": "replace", "pattern": r"(\w+) (\w+)", "replacement": r"\2 \1",
                 "input": "hello world"}, "swap words", {"result": "world hello"}),
        Example({"operation": "split", "pattern": r"\s*,\s*", "input": "a , b,c"},
                "split on commas", {"parts": ["a", "b", "c"]}),
    ],
)
def regex_matcher(params: dict, ctx: ToolContext) -> dict:
    compiled = compile_pattern(params["pattern"], params["flags"])
    work = _operation(params, compiled)
    timeout = min(params["timeout"], ctx.settings.timeout)
    return run_bounded(work, timeout=timeout, label=f"{NAME}: matching")
