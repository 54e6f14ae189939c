"""Path confinement (llmspell.tools.paths) against real files and symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from llmspell.tools.base import ToolError, ToolSettings
from llmspell.tools.paths import (
    AtomicWriter,
    check_size,
    open_regular,
    os_error,
    read_bytes,
    resolve_path,
    write_atomic,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    return (tmp_path / "root").resolve()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret")
    return secret


def settings(*roots: Path, **kw) -> ToolSettings:
    return ToolSettings(allowed_paths=[str(r) for r in roots], **kw)


def refused(path: str, s: ToolSettings, kind: str = "permission_denied", **kw) -> ToolError:
    with pytest.raises(ToolError) as info:
        resolve_path(path, s, **kw)
    assert info.value.error_type == kind
    return info.value


def test_relative_paths_resolve_against_the_first_root(root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    assert resolve_path("a/b.txt", settings(root, other)) == root / "a" / "b.txt"
    assert resolve_path(str(other / "x"), settings(root, other)) == other.resolve() / "x"


def test_absolute_path_outside_is_refused_naming_path_and_roots(root, outside):
    error = refused(str(outside), settings(root))
    assert str(outside) in error.message and str(root) in error.message


def test_dotdot_escape_is_refused_but_dotdot_inside_is_fine(root):
    (root / "sub").mkdir()
    assert resolve_path("sub/../x.txt", settings(root)) == root / "x.txt"
    error = refused("sub/../../outside.txt", settings(root))
    assert "'..'" in error.message


def test_symlink_to_outside_file_and_dir_is_refused(root, outside):
    (root / "link.txt").symlink_to(outside)
    (root / "dirlink").symlink_to(outside.parent)
    refused("link.txt", settings(root))
    refused("dirlink/outside.txt", settings(root))
    # a new file below a symlinked parent directory is refused too
    refused("dirlink/new.txt", settings(root), for_write=True)


def test_dangling_symlink_pointing_outside_is_refused(root, tmp_path):
    (root / "dangling").symlink_to(tmp_path / "not-yet-there")
    refused("dangling", settings(root))


def test_symlink_inside_the_root_resolves_to_its_target(root):
    (root / "real.txt").write_text("x")
    (root / "alias.txt").symlink_to("real.txt")
    assert resolve_path("alias.txt", settings(root)) == root / "real.txt"
    kept = resolve_path("alias.txt", settings(root), follow_symlinks=False)
    assert kept == root / "alias.txt" and kept.is_symlink()


def test_no_follow_keeps_a_link_to_outside_without_reading_it(root, outside):
    (root / "out").symlink_to(outside)
    assert resolve_path("out", settings(root), follow_symlinks=False) == root / "out"


def test_root_given_through_a_symlink_is_honoured(root, tmp_path):
    alias = tmp_path / "alias-root"
    alias.symlink_to(root)
    assert resolve_path(str(alias / "f"), settings(alias)) == root / "f"


def test_nul_and_empty_paths_are_validation_errors(root):
    refused("a\x00b", settings(root), "validation_error")
    refused("", settings(root), "validation_error")


def test_must_exist_and_for_write(root):
    error = refused("missing.txt", settings(root), "not_found", must_exist=True)
    assert "missing.txt" in error.message
    refused(str(root), settings(root), for_write=True)
    refused(".", settings(root), for_write=True)


def test_empty_allowed_paths_means_the_working_directory(root, outside, monkeypatch):
    monkeypatch.chdir(root)
    assert resolve_path("x", ToolSettings()) == root / "x"
    refused(str(outside), ToolSettings())


def test_check_size_accepts_bytes_paths_and_counts(root):
    s = settings(root, max_file_size=10)
    (root / "small").write_bytes(b"12345")
    assert check_size(root / "small", s) == 5
    assert check_size(b"0123456789", s) == 10
    with pytest.raises(ToolError) as info:
        check_size(11, s)
    assert info.value.error_type == "validation_error" and "max_file_size" in info.value.message


def test_read_bytes_caps_size_and_refuses_specials(root):
    s = settings(root, max_file_size=4)
    (root / "big").write_bytes(b"12345")
    (root / "ok").write_bytes(b"1234")
    assert read_bytes(root / "ok", s) == b"1234"
    with pytest.raises(ToolError, match="over the 4 B limit"):
        read_bytes(root / "big", s)
    os.mkfifo(root / "fifo")  # must not block the open
    with pytest.raises(ToolError, match="not a regular file"):
        read_bytes(root / "fifo", s)
    with pytest.raises(ToolError, match="directory"):
        read_bytes(root, s)


def test_open_regular_refuses_a_final_symlink(root):
    (root / "real").write_text("x")
    (root / "link").symlink_to(root / "real")
    with pytest.raises(ToolError) as info:
        open_regular(root / "link")
    assert info.value.error_type == "permission_denied"


def test_write_atomic_replaces_a_symlink_instead_of_following_it(root, outside):
    (root / "link").symlink_to(outside)
    write_atomic(root / "link", b"new", settings(root))
    assert outside.read_text() == "secret"
    assert not (root / "link").is_symlink() and (root / "link").read_bytes() == b"new"


def test_write_atomic_exclusive_and_cleanup(root):
    write_atomic(root / "f", b"one", settings(root), exclusive=True)
    with pytest.raises(ToolError, match="already exists"):
        write_atomic(root / "f", b"two", settings(root), exclusive=True)
    with pytest.raises(RuntimeError), AtomicWriter(root / "f") as handle:
        handle.write(b"partial")
        raise RuntimeError("boom")
    assert (root / "f").read_bytes() == b"one"
    assert sorted(p.name for p in root.iterdir()) == ["f"]  # no temporary files left


def test_write_atomic_keeps_the_mode_of_the_replaced_file(root):
    target = root / "script"
    target.write_text("old")
    target.chmod(0o750)
    write_atomic(target, b"new", settings(root))
    assert target.stat().st_mode & 0o777 == 0o750


def test_os_error_maps_kinds():
    assert os_error(FileNotFoundError(2, "No such file"), "read", "x").error_type == "not_found"
    assert os_error(PermissionError(13, "Denied"), "read", "x").error_type == "permission_denied"
    assert os_error(OSError(28, "No space"), "write", "x").error_type == "execution_error"
