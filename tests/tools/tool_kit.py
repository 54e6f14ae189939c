"""Helpers shared by tool tests (a uniquely named module: never import a conftest)."""

import pytest
from llmspell.tools.base import ToolError


def error_of(call, tool_name, **params) -> ToolError:
    """The ToolError that calling ``tool_name`` with ``params`` raises."""
    with pytest.raises(ToolError) as err:
        call(tool_name, **params)
    return err.value
