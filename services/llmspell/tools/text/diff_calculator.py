"""diff-calculator: unified diffs, similarity and line counts between two texts."""

from __future__ import annotations

import difflib

from ..base import Example, ToolContext, tool

NAME = "diff-calculator"
MAX_TEXT = 2 * 1024 * 1024
CHAR_SIMILARITY_LIMIT = 20_000  # above this combined size, similarity is measured on lines


def _line_counts(diff: list[str], old_lines: list[str]) -> dict:
    body = diff[2:]  # after the '---' and '+++' headers
    added = sum(line.startswith("+") for line in body)
    removed = sum(line.startswith("-") for line in body)
    return {"lines_added": added, "lines_removed": removed,
            "lines_unchanged": len(old_lines) - removed}


def _normalize(text: str, params: dict) -> str:
    if params["ignore_case"]:
        text = text.lower()
    if params["ignore_whitespace"]:
        text = "".join(" ".join(line.split()) + "\n" for line in text.splitlines())
    return text


def similarity(old: str, new: str, old_lines: list[str], new_lines: list[str]) -> tuple:
    """Similarity ratio 0..1: per character for small texts, per line for large ones."""
    if len(old) + len(new) <= CHAR_SIMILARITY_LIMIT:
        return difflib.SequenceMatcher(None, old, new, autojunk=False).ratio(), "characters"
    return difflib.SequenceMatcher(None, old_lines, new_lines).ratio(), "lines"


@tool(
    NAME,
    category="utility",
    description=("Compare two texts: a unified diff with context lines, a similarity ratio "
                 "between 0 and 1, and counts of added, removed and unchanged lines."),
    schema={
        "properties": {
            "old": {"type": "string", "maxLength": MAX_TEXT},
            "new": {"type": "string", "maxLength": MAX_TEXT},
            "context": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 3,
                        "description": "unchanged lines shown around each change"},
            "old_name": {"type": "string", "maxLength": 200, "default": "old"},
            "new_name": {"type": "string", "maxLength": 200, "default": "new"},
            "ignore_case": {"type": "boolean", "default": False},
            "ignore_whitespace": {"type": "boolean", "default": False,
                                  "description": "compare lines with spaces collapsed"},
        },
        "required": ["old", "new"],
        "additionalProperties": False,
    },
    examples=[
        Example({"old": "a\nb\nc\n", "new": "a\nB\nc\nd\n"}, "two changes",
                {"lines_added": 2, "lines_removed": 1, "identical": False}),
        Example({"old": "kitten", "new": "sitting"}, "character similarity",
                {"similarity": 0.6153846153846154}),
    ],
)
def diff_calculator(params: dict, ctx: ToolContext) -> dict:
    old = _normalize(params["old"], params)
    new = _normalize(params["new"], params)
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    diff = list(difflib.unified_diff(old_lines, new_lines, params["old_name"],
                                     params["new_name"], n=params["context"]))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in diff)
    ratio, basis = similarity(old, new, old_lines, new_lines)
    return {"diff": text, "identical": old == new, "similarity": ratio,
            "similarity_basis": basis, "hunks": sum(line.startswith("@@") for line in diff),
            **_line_counts(diff, old_lines)}
