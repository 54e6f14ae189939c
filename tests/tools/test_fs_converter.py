"""file-converter through the registry on real files."""

from __future__ import annotations

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


def convert(c: ToolContext, **params) -> dict:
    return REGISTRY.invoke("file-converter", params, c)


def fails(c: ToolContext, kind: str, **params) -> str:
    with pytest.raises(ToolError) as info:
        convert(c, **params)
    assert info.value.error_type == kind, info.value.message
    return info.value.message


def test_latin1_file_to_utf8_file(root):
    (root / "in.txt").write_bytes("déjà vu\n".encode("latin-1"))
    done = convert(ctx(root), path="in.txt", from_encoding="latin-1", output="out.txt")
    assert (root / "out.txt").read_bytes() == "déjà vu\n".encode()
    assert done["size"] == len("déjà vu\n".encode())


def test_utf8_to_utf16_and_errors_replace(root):
    c = ctx(root)
    convert(c, content="hi", to_encoding="utf-16", output="u16.txt")
    assert (root / "u16.txt").read_bytes().decode("utf-16") == "hi"
    assert "cannot encode" in fails(c, "validation_error", content="€", to_encoding="ascii",
                                    output="a.txt")
    convert(c, content="€1", to_encoding="ascii", errors="replace", output="a.txt")
    assert (root / "a.txt").read_bytes() == b"?1"


def test_line_endings_both_ways_including_lone_cr(root):
    c = ctx(root)
    assert convert(c, content="a\r\nb\rc\n", line_endings="lf")["result"] == "a\nb\nc\n"
    assert convert(c, content="a\nb\r\n", line_endings="crlf")["result"] == "a\r\nb\r\n"
    same = convert(c, content="a\n", line_endings="lf")
    assert same["changed"] is False


def test_tabs_to_spaces_and_back(root):
    c = ctx(root)
    assert convert(c, content="\tx\ty\r\n", tabs="to_spaces", tab_size=4)["result"] == \
        "    x   y\r\n"
    assert convert(c, content="      x  y\n", tabs="to_tabs", tab_size=4)["result"] == \
        "\t  x  y\n"
    assert convert(c, content="  \t x\n", tabs="to_tabs", tab_size=4)["result"] == "\t x\n"


def test_output_rules(root, tmp_path):
    c = ctx(root)
    (root / "f.txt").write_text("a\r\n")
    assert "already exists" in fails(c, "validation_error", path="f.txt", line_endings="lf",
                                     output="f.txt")
    convert(c, path="f.txt", line_endings="lf", output="f.txt", overwrite=True)
    assert (root / "f.txt").read_bytes() == b"a\n"
    fails(c, "permission_denied", content="x", output=str(tmp_path / "escape.txt"))
    assert not (tmp_path / "escape.txt").exists()
    fails(c, "permission_denied", path=str(tmp_path / "nothing"))


def test_input_errors(root):
    c = ctx(root, max_file_size=16)
    (root / "bad.txt").write_bytes(b"ok \xff")
    assert "0xff" in fails(c, "validation_error", path="bad.txt")
    assert convert(c, path="bad.txt", errors="replace")["result"] == "ok \ufffd"
    assert "exactly one" in fails(c, "validation_error")
    fails(c, "validation_error", path="bad.txt", content="x")
    fails(c, "validation_error", content="x", from_encoding="no-such-codec", output="o")
    fails(c, "not_found", path="missing.txt")
    (root / "big.txt").write_text("x" * 17)
    fails(c, "validation_error", path="big.txt")
    fails(c, "validation_error", content="x", tab_size=0)
    fails(c, "validation_error", content="x", line_endings="cr")
