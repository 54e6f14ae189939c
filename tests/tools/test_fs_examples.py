"""Every documented example of the filesystem tools passes `llmspell tool test`."""

from __future__ import annotations

import pytest
from llmspell.tools.base import ToolContext, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()
TOOLS = ["file-operations", "file-search", "file-converter", "archive-handler", "file-watcher"]


def test_the_family_is_complete():
    assert [s.name for s in REGISTRY.specs("filesystem")] == sorted(TOOLS)
    assert all(s.security_level == "restricted" for s in REGISTRY.specs("filesystem"))
    assert REGISTRY.resolve("file_operations").name == "file-operations"


@pytest.mark.parametrize("name", TOOLS)
@pytest.mark.parametrize("where", ["default", "confined"])
def test_examples_pass(name, where, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = ToolSettings() if where == "default" else ToolSettings(allowed_paths=[str(tmp_path)])
    reports = REGISTRY.test(name, ToolContext(settings=settings))
    assert reports and [r["status"] for r in reports] == ["ok"] * len(reports), reports
    assert any(r["ran"] for r in reports) or name == "archive-handler"
