"""file-watcher: snapshots, diffs and a bounded wait on a real directory."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    (base / "sub").mkdir(parents=True)
    (base / "a.txt").write_text("a")
    (base / "sub" / "b.txt").write_text("b")
    return base.resolve()


def ctx(root: Path, **kw) -> ToolContext:
    return ToolContext(settings=ToolSettings(allowed_paths=[str(root)], **kw))


def watch(c: ToolContext, **params) -> dict:
    return REGISTRY.invoke("file-watcher", params, c)


def test_snapshot_describes_entries_with_hashes(root):
    snap = watch(ctx(root), operation="snapshot")
    assert sorted(snap["entries"]) == ["a.txt", "sub", "sub/b.txt"]
    assert snap["entries"]["a.txt"]["sha256"] == hashlib.sha256(b"a").hexdigest()
    assert snap["entries"]["sub"]["type"] == "dir" and snap["root"] == str(root)
    flat = watch(ctx(root), operation="snapshot", recursive=False)
    assert sorted(flat["entries"]) == ["a.txt", "sub"]


def test_diff_reports_created_modified_deleted(root):
    c = ctx(root)
    before = watch(c, operation="snapshot")
    stamp = os.stat(root / "a.txt")
    (root / "a.txt").write_text("A")  # same size: the hash tells
    os.utime(root / "a.txt", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    (root / "sub" / "b.txt").unlink()
    (root / "new.txt").write_text("n")
    changes = watch(c, operation="diff", snapshot=before)
    assert changes["changed"] is True
    assert changes["created"] == ["new.txt"]
    assert changes["modified"] == ["a.txt"]
    assert changes["deleted"] == ["sub/b.txt"]
    again = watch(c, operation="diff", snapshot=changes["snapshot"])
    assert again["changed"] is False


def test_wait_sees_a_change_made_by_another_thread(root):
    c = ctx(root)
    before = watch(c, operation="snapshot")
    writer = threading.Timer(0.2, (root / "late.txt").write_text, args=("x",))
    writer.start()
    try:
        result = watch(c, operation="wait", snapshot=before, timeout=10)
    finally:
        writer.join()
    assert result["changed"] and result["created"] == ["late.txt"]
    assert result["timed_out"] is False


def test_wait_times_out_without_change(root):
    result = watch(ctx(root), operation="wait", timeout=0.2)
    assert result == {**result, "changed": False, "timed_out": True, "created": []}


def test_wait_is_bounded_by_the_tool_timeout(root):
    result = watch(ctx(root, timeout=0.1), operation="wait", timeout=3600)
    assert result["timed_out"] is True


def test_snapshot_of_one_file_and_max_entries(root):
    c = ctx(root)
    single = watch(c, operation="snapshot", path="a.txt")
    assert list(single["entries"]) == ["a.txt"]
    capped = watch(c, operation="snapshot", max_entries=1)
    assert capped["count"] == 1 and capped["truncated"] is True


def test_empty_directory_snapshot_survives_a_lua_style_round_trip(root):
    (root / "empty").mkdir()
    c = ctx(root)
    snap = watch(c, operation="snapshot", path="empty")
    snap["entries"] = []  # an empty Lua table may come back as a list
    assert watch(c, operation="diff", path="empty", snapshot=snap)["changed"] is False


def test_errors(root, tmp_path):
    c = ctx(root)
    snap = watch(c, operation="snapshot", path="sub")
    cases = [({"operation": "diff"}, "validation_error"),
             ({"operation": "diff", "snapshot": snap}, "validation_error"),  # other root
             ({"operation": "diff", "snapshot": {"root": str(root)}}, "validation_error"),
             ({"operation": "wait", "timeout": 0}, "validation_error"),
             ({"path": str(tmp_path)}, "permission_denied"),
             ({"path": "missing"}, "not_found")]
    for params, kind in cases:
        with pytest.raises(ToolError) as info:
            watch(c, **params)
        assert info.value.error_type == kind, params
