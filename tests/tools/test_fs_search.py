"""file-search (find and grep) through the registry on a real tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = (tmp_path / "root")
    (base / "src" / "deep").mkdir(parents=True)
    (base / ".hidden").mkdir()
    (base / "src" / "a.lua").write_text("local x = 1\nTool.invoke('calc')\n")
    (base / "src" / "deep" / "b.lua").write_text("-- none\nprint(TOOL.INVOKE)\n")
    (base / "src" / "c.txt").write_text("Tool.invoke in text\n")
    (base / ".hidden" / "h.lua").write_text("Tool.invoke hidden\n")
    (base / "bin.dat").write_bytes(b"Tool.invoke\x00\x01\x02")
    return base.resolve()


def ctx(root: Path, **kw) -> ToolContext:
    return ToolContext(settings=ToolSettings(allowed_paths=[str(root)], **kw))


def search(c: ToolContext, **params) -> dict:
    return REGISTRY.invoke("file-search", params, c)


def test_find_by_name_glob_recursively(root):
    found = search(ctx(root), operation="find", pattern="*.lua")
    assert [f["path"] for f in found["result"]] == ["src/a.lua", "src/deep/b.lua"]
    assert found["result"][0]["type"] == "file" and found["result"][0]["size"] > 0


def test_find_non_recursive_hidden_and_path_patterns(root):
    c = ctx(root)
    top = search(c, pattern="*", recursive=False)
    assert [f["path"] for f in top["result"]] == ["bin.dat", "src"]
    hidden = search(c, pattern="*.lua", include_hidden=True)
    assert ".hidden/h.lua" in [f["path"] for f in hidden["result"]]
    by_path = search(c, pattern="src/deep/*")
    assert [f["path"] for f in by_path["result"]] == ["src/deep/b.lua"]


def test_find_stops_at_max_results(root):
    found = search(ctx(root), pattern="*", max_results=2)
    assert found["count"] == 2 and found["truncated"] is True


def test_symlinks_leaving_the_root_are_skipped_and_loops_not_followed(root, tmp_path):
    (tmp_path / "secret.lua").write_text("Tool.invoke secret\n")
    (root / "src" / "out.lua").symlink_to(tmp_path / "secret.lua")
    (root / "src" / "outdir").symlink_to(tmp_path)
    (root / "src" / "loop").symlink_to(root)
    (root / "src" / "alias.lua").symlink_to(root / "src" / "a.lua")
    c = ctx(root)
    found = search(c, pattern="*.lua")
    paths = [f["path"] for f in found["result"]]
    assert "src/out.lua" not in paths and "src/alias.lua" in paths
    assert not any(p.startswith(("src/outdir/", "src/loop/")) for p in paths)
    assert found["skipped_outside"] == 2
    grep = search(c, operation="grep", regex="secret")
    assert grep["result"] == []


def test_grep_reports_line_numbers_and_skips_binary(root):
    hits = search(ctx(root), operation="grep", regex=r"Tool\.invoke")
    assert [(h["path"], h["line"], h["column"]) for h in hits["result"]] == [
        ("src/a.lua", 2, 1), ("src/c.txt", 1, 1)]
    assert hits["files_skipped_binary"] == 1


def test_grep_ignore_case_and_file_pattern(root):
    hits = search(ctx(root), operation="grep", regex=r"tool\.invoke", ignore_case=True,
                  pattern="*.lua")
    assert [(h["path"], h["line"]) for h in hits["result"]] == [("src/a.lua", 2),
                                                                ("src/deep/b.lua", 2)]


def test_grep_caps_bytes_per_file(root):
    (root / "long.txt").write_text("x\n" * 100 + "needle\n")
    c = ctx(root)
    assert search(c, operation="grep", regex="needle", pattern="long.txt")["count"] == 1
    cut = search(c, operation="grep", regex="needle", pattern="long.txt", max_bytes_per_file=50)
    assert cut["count"] == 0 and cut["files_cut"] == 1


def test_grep_max_results(root):
    (root / "many.txt").write_text("hit\n" * 10)
    hits = search(ctx(root), operation="grep", regex="hit", max_results=3)
    assert hits["count"] == 3 and hits["truncated"]


def test_catastrophic_regex_is_stopped_by_the_tool_timeout(root):
    (root / "evil.txt").write_text("a" * 40 + "!\n")
    with pytest.raises(ToolError) as info:
        search(ctx(root, timeout=0.3), operation="grep", regex=r"(a|aa)+$", pattern="evil.txt")
    assert info.value.error_type == "timeout" and "simplify" in info.value.message


def test_errors(root, tmp_path):
    c = ctx(root)
    cases = [({"operation": "grep"}, "validation_error"),
             ({"operation": "grep", "regex": "(unclosed"}, "validation_error"),
             ({"path": "src/a.lua"}, "validation_error"),
             ({"path": "missing"}, "not_found"),
             ({"path": str(tmp_path)}, "permission_denied"),
             ({"path": "src/../.."}, "permission_denied"),
             ({"max_results": 0}, "validation_error"),
             ({"operation": "locate"}, "validation_error")]
    for params, kind in cases:
        with pytest.raises(ToolError) as info:
            search(c, **params)
        assert info.value.error_type == kind, params
