"""file-operations through the registry, on real files in tmp_path."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    return (tmp_path / "root").resolve()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret")
    return secret


def ctx(root: Path, **kw) -> ToolContext:
    return ToolContext(settings=ToolSettings(allowed_paths=[str(root)], **kw))


def ops(c: ToolContext, **params) -> dict:
    return REGISTRY.invoke("file-operations", params, c)


def fails(c: ToolContext, kind: str, **params) -> str:
    with pytest.raises(ToolError) as info:
        ops(c, **params)
    assert info.value.error_type == kind, info.value.message
    return info.value.message


def test_write_then_read_text(root):
    c = ctx(root)
    written = ops(c, operation="write", path="notes.txt", content="héllo\n")
    assert written["created"] and written["bytes_written"] == len("héllo\n".encode())
    assert (root / "notes.txt").read_text(encoding="utf-8") == "héllo\n"
    assert ops(c, operation="read", path="notes.txt")["result"] == "héllo\n"


def test_read_and_write_other_encodings_and_base64(root):
    c = ctx(root)
    ops(c, operation="write", path="l1.txt", content="café", encoding="latin-1")
    assert (root / "l1.txt").read_bytes() == b"caf\xe9"
    assert ops(c, operation="read", path="l1.txt", encoding="latin-1")["result"] == "café"
    blob = bytes(range(256))
    ops(c, operation="write", path="b.bin", content=base64.b64encode(blob).decode(),
        encoding="base64")
    read = ops(c, operation="read", path="b.bin", encoding="base64")
    assert base64.b64decode(read["result"]) == blob and read["size"] == 256


def test_reading_binary_as_text_explains_what_to_do(root):
    (root / "b.bin").write_bytes(b"\xff\xfe\x00")
    message = fails(ctx(root), "validation_error", operation="read", path="b.bin")
    assert "base64" in message and "0xff" in message


def test_bad_encoding_and_bad_base64(root):
    c = ctx(root)
    assert "unknown text encoding" in fails(c, "validation_error", operation="write", path="x",
                                            content="a", encoding="zlib")
    assert "base64" in fails(c, "validation_error", operation="write", path="x",
                             content="!!!", encoding="base64")
    assert "cannot encode" in fails(c, "validation_error", operation="write", path="x",
                                    content="€", encoding="ascii")


def test_write_modes_create_and_append(root):
    c = ctx(root)
    ops(c, operation="write", path="f", content="a", mode="create")
    assert "already exists" in fails(c, "validation_error", operation="write", path="f",
                                     content="b", mode="create")
    ops(c, operation="write", path="f", content="bc", mode="append")
    assert (root / "f").read_text() == "abc"
    ops(c, operation="write", path="f", content="z")
    assert (root / "f").read_text() == "z"


def test_size_caps_on_read_write_and_append(root):
    c = ctx(root, max_file_size=8)
    (root / "big").write_bytes(b"x" * 9)
    assert "max_file_size" in fails(c, "validation_error", operation="read", path="big")
    fails(c, "validation_error", operation="write", path="new", content="x" * 9)
    assert not (root / "new").exists()
    ops(c, operation="write", path="log", content="12345")
    fails(c, "validation_error", operation="write", path="log", content="6789", mode="append")
    assert (root / "log").read_text() == "12345"


def test_write_needs_content_and_an_existing_parent(root):
    c = ctx(root)
    assert "content" in fails(c, "validation_error", operation="write", path="f")
    assert "mkdir" in fails(c, "not_found", operation="write", path="no/such/f", content="x")


@pytest.mark.parametrize("operation", ["read", "write", "delete", "list", "stat", "exists",
                                       "mkdir", "copy", "move"])
def test_every_operation_refuses_paths_outside_the_root(root, outside, operation):
    c = ctx(root)
    message = fails(c, "permission_denied", operation=operation, path=str(outside),
                    content="x", destination="inside.txt")
    assert "allowed roots" in message
    assert outside.read_text() == "secret"


def test_symlink_to_outside_cannot_be_read_or_written_through(root, outside):
    (root / "link").symlink_to(outside)
    c = ctx(root)
    fails(c, "permission_denied", operation="read", path="link")
    fails(c, "permission_denied", operation="write", path="link", content="pwned")
    fails(c, "permission_denied", operation="write", path="link", content="x", mode="append")
    assert outside.read_text() == "secret"
    # the link itself may be inspected and removed
    assert ops(c, operation="stat", path="link")["type"] == "symlink"
    ops(c, operation="delete", path="link")
    assert outside.exists() and not (root / "link").is_symlink()


def test_copy_destination_outside_is_refused(root, outside):
    (root / "a").write_text("a")
    fails(ctx(root), "permission_denied", operation="copy", path="a",
          destination=str(outside.parent / "copied"))
    assert not (outside.parent / "copied").exists()


def test_list_stat_exists(root):
    c = ctx(root)
    (root / "d").mkdir()
    (root / "f.txt").write_text("abc")
    listing = ops(c, operation="list", path=".")
    assert [(e["name"], e["type"]) for e in listing["result"]] == [("d", "dir"), ("f.txt", "file")]
    assert listing["result"][1]["size"] == 3 and not listing["truncated"]
    assert ops(c, operation="list", path=".", max_entries=1)["truncated"]
    info = ops(c, operation="stat", path="f.txt")
    assert info["type"] == "file" and info["size"] == 3 and info["mtime"] > 0
    assert ops(c, operation="exists", path="f.txt") == {"result": True, "type": "file",
                                                         "path": str(root / "f.txt")}
    assert ops(c, operation="exists", path="nope")["result"] is False
    fails(c, "validation_error", operation="list", path="f.txt")
    fails(c, "not_found", operation="stat", path="nope")


def test_delete_files_and_directories(root):
    c = ctx(root)
    (root / "f").write_text("x")
    (root / "empty").mkdir()
    (root / "full").mkdir()
    (root / "full" / "g").write_text("y")
    ops(c, operation="delete", path="f")
    ops(c, operation="delete", path="empty")
    assert "recursive" in fails(c, "validation_error", operation="delete", path="full")
    ops(c, operation="delete", path="full", recursive=True)
    assert list(root.iterdir()) == []
    fails(c, "not_found", operation="delete", path="f")
    fails(c, "permission_denied", operation="delete", path=".", recursive=True)
    assert root.is_dir()


def test_recursive_delete_does_not_follow_symlinks(root, outside):
    (root / "d").mkdir()
    (root / "d" / "out").symlink_to(outside.parent)
    ops(ctx(root), operation="delete", path="d", recursive=True)
    assert outside.read_text() == "secret"


def test_copy_file_and_tree(root, outside):
    c = ctx(root)
    (root / "a.txt").write_text("A")
    ops(c, operation="copy", path="a.txt", destination="b.txt")
    assert (root / "b.txt").read_text() == "A"
    assert "overwrite" in fails(c, "validation_error", operation="copy", path="a.txt",
                                destination="b.txt")
    (root / "a.txt").write_text("A2")
    ops(c, operation="copy", path="a.txt", destination="b.txt", overwrite=True)
    assert (root / "b.txt").read_text() == "A2"
    (root / "tree" / "sub").mkdir(parents=True)
    (root / "tree" / "sub" / "f").write_text("F")
    (root / "tree" / "escape").symlink_to(outside)
    ops(c, operation="copy", path="tree", destination="tree2")
    assert (root / "tree2" / "sub" / "f").read_text() == "F"
    assert (root / "tree2" / "escape").is_symlink()  # copied as a link, content not pulled in
    assert "inside itself" in fails(c, "validation_error", operation="copy", path="tree",
                                    destination="tree/sub/again")


def test_copy_tree_is_size_capped(root):
    (root / "tree").mkdir()
    for i in range(3):
        (root / "tree" / f"f{i}").write_bytes(b"x" * 5)
    fails(ctx(root, max_file_size=12), "validation_error", operation="copy", path="tree",
          destination="copy")
    assert not (root / "copy").exists()


def test_move_and_mkdir(root):
    c = ctx(root)
    made = ops(c, operation="mkdir", path="x/y/z")
    assert made["created"] and (root / "x" / "y" / "z").is_dir()
    assert ops(c, operation="mkdir", path="x/y/z")["created"] is False
    fails(c, "not_found", operation="mkdir", path="p/q", parents=False)
    (root / "f").write_text("x")
    ops(c, operation="move", path="f", destination="x/g")
    assert not (root / "f").exists() and (root / "x" / "g").read_text() == "x"
    (root / "h").write_text("h")
    fails(c, "validation_error", operation="move", path="h", destination="x/g")
    ops(c, operation="move", path="h", destination="x/g", overwrite=True)
    assert (root / "x" / "g").read_text() == "h"
    fails(c, "validation_error", operation="move", path="x", destination="x/y/inner")
    fails(c, "validation_error", operation="copy", path="x/g")


def test_schema_violations_are_validation_errors(root):
    c = ctx(root)
    fails(c, "validation_error", operation="explode", path="x")
    fails(c, "validation_error", operation="read")
    fails(c, "validation_error", operation="read", path="x", bogus=1)
    fails(c, "validation_error", operation="list", path=".", max_entries=0)
