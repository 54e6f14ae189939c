"""Fixtures shared by tool tests (a test module may define its own variant)."""

import pytest
from llmspell.tools.base import ToolContext
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def registry():
    """The built-in registry, as `llmspell` builds it."""
    return ToolRegistry.builtin()


@pytest.fixture(scope="module")
def call(registry):
    """``call(tool_name, **params)``: the tool's result with default settings."""
    return lambda tool_name, **params: registry.invoke(tool_name, params, ToolContext())
