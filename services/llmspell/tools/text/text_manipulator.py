"""text-manipulator: case conversions, trimming, counting, replacing, splitting, slugs."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from ..base import Example, ToolContext, ToolError, tool
from ..utility._common import invalid, need

NAME = "text-manipulator"
MAX_TEXT = 10 * 1024 * 1024
_ALNUM = re.compile(r"[^\W_]+")
_TITLE_WORD = re.compile("[^\\W_]+(?:['\u2019][^\\W_]+)?")  # they're, they\u2019re
ALIASES = {"camelCase": "camel_case", "PascalCase": "pascal_case", "kebab-case": "kebab_case",
           "CONSTANT_CASE": "constant_case", "strip": "trim"}


def words(text: str) -> list[str]:
    """Split identifiers and prose alike: 'parseHTTPResponse v2' -> parse HTTP Response v2.
    A word ends before a capital that follows a lower-case letter or digit, and before
    the last capital of a run that goes on in lower case."""
    found = []
    for run in _ALNUM.findall(text):
        start = 0
        for i in range(1, len(run)):
            before, here, after = run[i - 1], run[i], run[i + 1:i + 2]
            if here.isupper() and (before.islower() or before.isdigit()
                                   or (before.isupper() and after.islower())):
                found.append(run[start:i])
                start = i
        found.append(run[start:])
    return found


def slugify(text: str, separator: str = "-") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)


def _case(op: str, text: str) -> str:
    parts = words(text)
    if op == "snake_case":
        return "_".join(w.lower() for w in parts)
    if op == "kebab_case":
        return "-".join(w.lower() for w in parts)
    if op == "constant_case":
        return "_".join(w.upper() for w in parts)
    if op == "pascal_case":
        return "".join(w[:1].upper() + w[1:].lower() for w in parts)
    first, *rest = parts or [""]
    return first.lower() + "".join(w[:1].upper() + w[1:].lower() for w in rest)


def _trim(params: dict, text: str) -> str:
    chars, side = params.get("characters"), params["side"]
    return {"both": text.strip, "left": text.lstrip, "right": text.rstrip}[side](chars)


def _truncate(params: dict, text: str) -> str:
    length = need(params, "length", NAME, "truncate")
    suffix = params["suffix"]
    if len(text) <= length:
        return text
    if length <= len(suffix):
        return text[:length]
    cut = text[:length - len(suffix)]
    in_word = not (text[len(cut)].isspace() or cut[-1:].isspace())
    if params.get("word_boundary") and in_word:
        head = cut.rsplit(None, 1)
        cut = head[0] if len(head) > 1 else cut  # drop the cut word, unless it is the only one
    return cut.rstrip() + suffix


def _replace(params: dict, text: str) -> str:
    old = need(params, "find", NAME, "replace")
    new, count = params.get("replacement", ""), params.get("count", 0)
    sensitive = params["case_sensitive"] or not old
    if sensitive:
        hits = text.count(old) if old else len(text) + 1
    else:
        hits = sum(1 for _ in re.finditer(re.escape(old), text, re.IGNORECASE))
    hits = min(hits, count) if count else hits
    if len(text) + hits * (len(new) - len(old)) > MAX_TEXT:
        raise ToolError("execution_error", f"{NAME}: result would exceed {MAX_TEXT} characters")
    if sensitive:
        return text.replace(old, new, count or -1)
    return re.sub(re.escape(old), lambda _: new, text, count=count, flags=re.IGNORECASE)


def _count(op: str, text: str) -> int:
    if op == "word_count":
        return len(text.split())
    if op == "line_count":
        return len(text.splitlines())
    return len(text)


_SIMPLE = {
    "upper": str.upper, "lower": str.lower,
    "title": lambda t: _TITLE_WORD.sub(lambda m: m.group().capitalize(), t),
    "capitalize": str.capitalize, "swapcase": str.swapcase,
    "reverse": lambda t: t[::-1],
}
_PARAM_OPS = {
    "trim": _trim, "truncate": _truncate, "replace": _replace,
    "slugify": lambda p, t: slugify(t, p.get("separator") or "-"),
    "wrap": lambda p, t: textwrap.fill(t, width=p["width"], break_long_words=True),
    "split": lambda p, t: t.split(p.get("separator") or None, p.get("count", 0) or -1),
}
OPERATIONS = (*_SIMPLE, "snake_case", "camel_case", "pascal_case", "kebab_case",
              "constant_case", *_PARAM_OPS, "join", "word_count", "char_count", "line_count",
              "stats")


@tool(
    NAME,
    category="utility",
    description=("Transform text: upper, lower, title, capitalize, swapcase, snake_case, "
                 "camel_case, pascal_case, kebab_case, constant_case, reverse, trim, truncate, "
                 "replace, split, join, slugify, wrap; count words, characters and lines."),
    schema={
        "properties": {
            "operation": {"enum": [*OPERATIONS, *ALIASES]},
            "input": {"type": "string", "maxLength": MAX_TEXT},
            "items": {"type": "array", "items": {"type": ["string", "number", "boolean"]},
                      "description": "join: the pieces"},
            "separator": {"type": "string", "maxLength": 100,
                          "description": "split/join separator (split default: whitespace), "
                                         "slugify separator (default '-')"},
            "find": {"type": "string", "maxLength": MAX_TEXT},
            "replacement": {"type": "string", "maxLength": MAX_TEXT},
            "case_sensitive": {"type": "boolean", "default": True},
            "count": {"type": "integer", "minimum": 0,
                      "description": "replace: most replacements; split: most splits"},
            "length": {"type": "integer", "minimum": 0, "description": "truncate: characters"},
            "suffix": {"type": "string", "maxLength": 100, "default": "..."},
            "word_boundary": {"type": "boolean", "description": "truncate at a space"},
            "width": {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 80},
            "characters": {"type": "string", "description": "trim: these instead of space"},
            "side": {"enum": ["both", "left", "right"], "default": "both"},
        },
        "required": ["operation"],
        "additionalProperties": False,
    },
    examples=[
        Example({"operation": "snake_case", "input": "parseHTTPResponse"}, "identifier case",
                {"result": "parse_http_response"}),
        Example({"operation": "slugify", "input": "Héllo, Wörld!"}, "URL slug",
                {"result": "hello-world"}),
        Example({"operation": "truncate", "input": "The quick brown fox", "length": 12},
                "truncate", {"result": "The quick..."}),
        Example({"operation": "word_count", "input": "one two  three"}, "count words",
                {"result": 3}),
    ],
)
def text_manipulator(params: dict, ctx: ToolContext) -> dict:
    op = ALIASES.get(params["operation"], params["operation"])
    if op == "join":
        items = need(params, "items", NAME, op)
        joined = (params.get("separator") or "").join(
            str(i).lower() if isinstance(i, bool) else str(i) for i in items)
        return {"result": joined, "operation": op}
    text = need(params, "input", NAME, op)
    if op == "stats":
        return {"result": {"characters": len(text), "words": len(text.split()),
                           "lines": len(text.splitlines()),
                           "bytes": len(text.encode("utf-8", "surrogatepass"))},
                "operation": op}
    if op in _SIMPLE:
        result = _SIMPLE[op](text)
    elif op in _PARAM_OPS:
        result = _PARAM_OPS[op](params, text)
    elif op.endswith("_count"):
        result = _count(op, text)
    elif op.endswith("_case"):
        result = _case(op, text)
    else:  # the schema lists every operation
        raise invalid(NAME, f"unknown operation {op!r}")
    return {"result": result, "operation": op}
