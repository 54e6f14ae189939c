"""Every documented example of the data and media tools passes `registry.test`."""

import pytest

from llmspell.tools.base import ToolContext
from llmspell.tools.registry import ToolRegistry

DATA_TOOLS = ["json-processor", "csv-analyzer", "yaml-processor", "toml-processor",
              "xml-processor", "graph-analyzer", "data-transformer"]
MEDIA_TOOLS = ["image-metadata", "audio-metadata"]


@pytest.fixture(scope="module")
def registry():
    return ToolRegistry.builtin()


@pytest.mark.parametrize("name", DATA_TOOLS + MEDIA_TOOLS)
def test_examples_pass(registry, name):
    reports = registry.test(name, ToolContext())
    assert 1 <= len(reports) <= 3
    assert [r["status"] for r in reports] == ["ok"] * len(reports), reports
    assert any(r["ran"] for r in reports)


def test_families_register_exactly_these_tools(registry):
    assert {s.name for s in registry.specs("data")} >= set(DATA_TOOLS)
    assert {s.name for s in registry.specs("media")} == set(MEDIA_TOOLS)
    assert registry.resolve("json_processor").name == "json-processor"


def test_family_imports_stay_cheap():
    import subprocess
    import sys

    code = ("import sys, llmspell.tools.data, llmspell.tools.media; "
            "heavy = {'yaml', 'PIL', 'mutagen', 'jmespath', 'defusedxml', 'jsonschema'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
