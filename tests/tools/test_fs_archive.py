"""archive-handler: round trips, and each extraction refusal with a crafted archive."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry

REGISTRY = ToolRegistry.builtin()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root").mkdir()
    return (tmp_path / "root").resolve()


def ctx(root: Path, **kw) -> ToolContext:
    return ToolContext(settings=ToolSettings(allowed_paths=[str(root)], **kw))


def arc(c: ToolContext, **params) -> dict:
    return REGISTRY.invoke("archive-handler", params, c)


def fails(c: ToolContext, kind: str, **params) -> str:
    with pytest.raises(ToolError) as info:
        arc(c, **params)
    assert info.value.error_type == kind, info.value.message
    return info.value.message


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(path, "w") as tar:
        for info, data in members:
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if data else None)


def entry(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def make_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            z.writestr(info, data)


def tree(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*"))


@pytest.mark.parametrize("name", ["pack.zip", "pack.tar", "pack.tar.gz", "pack.tgz"])
def test_create_list_extract_round_trip(root, tmp_path, name):
    (root / "docs" / "sub").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("A")
    (root / "docs" / "sub" / "b.bin").write_bytes(bytes(range(256)))
    (tmp_path / "secret").write_text("secret")
    (root / "docs" / "leak").symlink_to(tmp_path / "secret")  # outside: not packed
    c = ctx(root)
    made = arc(c, operation="create", path=name, sources=["docs"])
    assert made["members"] == 4
    listed = arc(c, operation="list", path=name)
    names = sorted(m["name"] for m in listed["result"])
    assert names == ["docs", "docs/a.txt", "docs/sub", "docs/sub/b.bin"]
    done = arc(c, operation="extract", path=name, destination="out")
    assert done["files"] == 2 and done["bytes"] == 257
    assert (root / "out" / "docs" / "sub" / "b.bin").read_bytes() == bytes(range(256))
    assert tree(root / "out") == ["docs", "docs/a.txt", "docs/sub", "docs/sub/b.bin"]


def test_create_refuses_existing_archive_and_outside_sources(root, tmp_path):
    (root / "f").write_text("x")
    c = ctx(root)
    arc(c, operation="create", path="a.zip", sources=["f"])
    fails(c, "validation_error", operation="create", path="a.zip", sources=["f"])
    arc(c, operation="create", path="a.zip", sources=["f"], overwrite=True)
    fails(c, "permission_denied", operation="create", path="b.zip", sources=[str(tmp_path)])
    fails(c, "validation_error", operation="create", path="b.rar", sources=["f"])
    fails(c, "validation_error", operation="create", path="b.zip")


def test_extract_refuses_existing_files_unless_overwrite(root):
    (root / "f").write_text("new")
    c = ctx(root)
    arc(c, operation="create", path="a.tar", sources=["f"])
    (root / "out").mkdir()
    (root / "out" / "f").write_text("old")
    assert "overwrite" in fails(c, "validation_error", operation="extract", path="a.tar",
                                destination="out")
    assert (root / "out" / "f").read_text() == "old"
    arc(c, operation="extract", path="a.tar", destination="out", overwrite=True)
    assert (root / "out" / "f").read_text() == "new"


BAD_ZIPS = {
    "dotdot": [("ok.txt", b"fine"), ("../evil.txt", b"x")],
    "absolute": [("/tmp/evil.txt", b"x")],
    "nested-dotdot": [("a/../../evil.txt", b"x")],
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_zip_slip_is_refused_and_nothing_is_written(root, case):
    make_zip(root / "bad.zip", BAD_ZIPS[case])
    c = ctx(root)
    message = fails(c, "permission_denied", operation="extract", path="bad.zip",
                    destination="out")
    assert "refusing to extract" in message
    assert not (root / "out").exists() or tree(root / "out") == []
    assert not (root.parent / "evil.txt").exists()
    listed = arc(c, operation="list", path="bad.zip")["result"]
    assert any("unsafe" in m for m in listed)


def test_zip_symlink_member_pointing_outside_is_refused(root):
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    make_zip(root / "l.zip", [(link, b"/etc/passwd")])
    assert "absolute" in fails(ctx(root), "permission_denied", operation="extract",
                               path="l.zip", destination="out")


BAD_TARS = {
    "dotdot": [(entry("../evil"), b"x")],
    "absolute": [(entry("/evil"), b"x")],
    "symlink-absolute": [(entry("l", tarfile.SYMTYPE, "/etc/passwd"), b"")],
    "symlink-up": [(entry("d/l", tarfile.SYMTYPE, "../../x"), b"")],
    "hardlink-out": [(entry("h", tarfile.LNKTYPE, "../outside"), b"")],
    "hardlink-abs": [(entry("h", tarfile.LNKTYPE, "/etc/passwd"), b"")],
    "char-device": [(entry("tty", tarfile.CHRTYPE), b"")],
    "block-device": [(entry("sda", tarfile.BLKTYPE), b"")],
    "fifo": [(entry("pipe", tarfile.FIFOTYPE), b"")],
}


@pytest.mark.parametrize("case", sorted(BAD_TARS))
def test_crafted_tar_members_are_refused(root, case):
    make_tar(root / "bad.tar", [(entry("good.txt"), b"good")] + BAD_TARS[case])
    fails(ctx(root), "permission_denied", operation="extract", path="bad.tar",
          destination="out")
    assert not (root / "out" / "good.txt").exists()


def test_symlink_chain_that_only_escapes_on_disk_is_refused(root):
    # 'p' -> '.' is harmless and 'p/q' -> '..' looks like '.' lexically,
    # but on disk p/q/.. is the destination's parent.
    make_tar(root / "chain.tar", [(entry("p", tarfile.SYMTYPE, "."), b""),
                                  (entry("p/q", tarfile.SYMTYPE, ".."), b"")])
    assert "outside" in fails(ctx(root), "permission_denied", operation="extract",
                              path="chain.tar", destination="out")


def test_writing_through_an_existing_symlink_in_the_destination_is_refused(root, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (root / "out").mkdir()
    (root / "out" / "evil").symlink_to(tmp_path / "elsewhere")
    make_tar(root / "t.tar", [(entry("evil/x.txt"), b"x")])
    fails(ctx(root), "permission_denied", operation="extract", path="t.tar", destination="out")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_safe_symlinks_and_hardlinks_are_extracted(root):
    make_tar(root / "ok.tar", [(entry("d/f.txt"), b"data"),
                               (entry("d/alias", tarfile.SYMTYPE, "f.txt"), b""),
                               (entry("copy.txt", tarfile.LNKTYPE, "d/f.txt"), b"")])
    done = arc(ctx(root), operation="extract", path="ok.tar", destination="out")
    assert (root / "out" / "d" / "alias").is_symlink()
    assert (root / "out" / "d" / "alias").read_text() == "data"
    assert (root / "out" / "copy.txt").read_text() == "data" and done["symlinks"] == 1


def test_too_many_members(root):
    make_zip(root / "many.zip", [(f"f{i}", b"x") for i in range(5)])
    c = ctx(root)
    assert "more than 4" in fails(c, "validation_error", operation="extract", path="many.zip",
                                  destination="out", max_members=4)
    assert arc(c, operation="list", path="many.zip", max_members=4)["truncated"] is True


def test_zip_bomb_single_member_over_the_file_limit(root):
    make_zip(root / "bomb.zip", [("zeros", b"\0" * 200_000)])
    assert (root / "bomb.zip").stat().st_size < 2_000  # it really is a bomb
    message = fails(ctx(root, max_file_size=100_000), "validation_error", operation="extract",
                    path="bomb.zip", destination="out")
    assert "per-file limit" in message
    assert not (root / "out" / "zeros").exists()


def test_zip_bomb_many_members_over_the_total_limit(root):
    make_zip(root / "bomb.zip", [(f"z{i}", b"\0" * 1000) for i in range(11)])
    message = fails(ctx(root, max_file_size=1000), "validation_error", operation="extract",
                    path="bomb.zip", destination="out")
    assert "extraction limit" in message


def test_hardlink_amplification_is_stopped_while_writing(root):
    members = [(entry("f"), b"x" * 900)]
    members += [(entry(f"h{i}", tarfile.LNKTYPE, "f"), b"") for i in range(15)]
    make_tar(root / "amp.tar", members)
    assert "zip bomb" in fails(ctx(root, max_file_size=1000), "validation_error",
                               operation="extract", path="amp.tar", destination="out")


def test_gzip_and_gunzip_round_trip(root):
    (root / "log.txt").write_text("line\n" * 100)
    c = ctx(root)
    packed = arc(c, operation="gzip", path="log.txt")
    assert packed["path"] == str(root / "log.txt.gz")
    assert gzip.decompress((root / "log.txt.gz").read_bytes()) == b"line\n" * 100
    unpacked = arc(c, operation="gunzip", path="log.txt.gz", destination="copy.txt")
    assert (root / "copy.txt").read_text() == "line\n" * 100 and unpacked["size"] == 500
    fails(c, "validation_error", operation="gunzip", path="log.txt.gz", destination="copy.txt")


def test_gunzip_bomb_and_garbage(root):
    (root / "bomb.gz").write_bytes(gzip.compress(b"\0" * 50_000))
    c = ctx(root, max_file_size=10_000)
    assert "expands beyond" in fails(c, "validation_error", operation="gunzip", path="bomb.gz")
    assert tree(root) == ["bomb.gz"]  # neither output nor temporary file left
    (root / "junk.gz").write_bytes(b"not gzip at all")
    fails(c, "validation_error", operation="gunzip", path="junk.gz")


def test_damaged_archives_and_schema(root, tmp_path):
    (root / "junk.zip").write_bytes(b"PK\x03\x04 garbage")
    c = ctx(root)
    assert "not a readable zip" in fails(c, "validation_error", operation="list", path="junk.zip")
    fails(c, "validation_error", operation="extract", path="junk.zip")
    fails(c, "not_found", operation="list", path="none.zip")
    fails(c, "permission_denied", operation="list", path=str(tmp_path / "x.zip"))
    fails(c, "validation_error", operation="list", path="junk.zip", format="rar")
    fails(c, "validation_error", operation="unpack", path="junk.zip")
