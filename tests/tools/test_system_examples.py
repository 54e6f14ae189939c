"""Every documented example of the system tools passes `llmspell tool test`."""

from __future__ import annotations

import pytest
from llmspell.tools.base import ToolContext, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()
TOOLS = {"environment-reader": "restricted", "process-executor": "privileged",
         "system-monitor": "safe", "service-checker": "safe"}


def test_the_family_is_complete():
    assert {s.name: s.security_level for s in REGISTRY.specs("system")} == TOOLS


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_examples_pass(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reports = REGISTRY.test(name, ToolContext(settings=ToolSettings()))
    assert reports and [r["status"] for r in reports] == ["ok"] * len(reports), reports
    assert any(r["ran"] for r in reports)
