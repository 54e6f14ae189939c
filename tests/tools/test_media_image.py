"""image-metadata through the real registry, on images Pillow builds in the test."""

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def registry():
    return ToolRegistry.builtin()


@pytest.fixture
def call(registry):
    return lambda ctx=None, **params: registry.invoke("image-metadata", params,
                                                      ctx or ToolContext())


def encode(image: Image.Image, fmt: str, **save) -> str:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return base64.b64encode(out.getvalue()).decode()


def png_header(width: int, height: int) -> str:
    """A PNG whose header claims a huge size (how decompression bombs look)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + \
        chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    return base64.b64encode(data).decode()


def test_png_basics_and_dpi(call):
    out = call(data_base64=encode(Image.new("RGBA", (40, 30)), "PNG", dpi=(150, 150)))
    assert (out["format"], out["mime"], out["width"], out["height"]) == \
        ("PNG", "image/png", 40, 30)
    assert (out["mode"], out["bands"], out["frames"], out["animated"]) == ("RGBA", 4, 1, False)
    assert out["dpi"] == [pytest.approx(150, abs=0.1)] * 2
    assert out["exif"] == {} and "thumbnail_base64" not in out


def test_jpeg_exif_tags_are_named(call):
    exif = Image.Exif()
    exif[0x010F] = "Camera Co"
    exif.get_ifd(0x8769)[0x9003] = "2024:01:02 03:04:05"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (59.0, 54.0, 30.5)
    out = call(data_base64=encode(Image.new("RGB", (8, 8)), "JPEG", exif=exif))
    tags = out["exif"]
    assert tags["Make"] == "Camera Co"
    assert tags["DateTimeOriginal"] == "2024:01:02 03:04:05"
    assert tags["GPSInfo"] == {"GPSLatitudeRef": "N", "GPSLatitude": [59.0, 54.0, 30.5]}
    assert "exif" not in call(data_base64=encode(Image.new("RGB", (8, 8)), "JPEG", exif=exif),
                              exif=False)


def test_animated_gif_frames(call):
    frames = [Image.new("RGB", (10, 10), (80 * i, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50)
    meta = call(data_base64=base64.b64encode(out.getvalue()).decode())
    assert (meta["format"], meta["frames"], meta["animated"]) == ("GIF", 3, True)


@pytest.mark.parametrize("mode", ["RGB", "CMYK", "P"])
def test_thumbnail_is_a_small_png(call, mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = call(data_base64=encode(Image.new(mode, (200, 100)), fmt), thumbnail=True,
               thumbnail_size=32)
    thumb = Image.open(io.BytesIO(base64.b64decode(out["thumbnail_base64"])))
    assert thumb.format == "PNG" and thumb.size == (32, 16)


def test_pixel_cap_refuses_bombs(call):
    for width, height in ((8000, 7000), (10_000, 10_000), (100_000, 100_000)):
        with pytest.raises(ToolError) as err:
            call(data_base64=png_header(width, height))
        assert err.value.error_type == "validation_error"
        assert "decompression bomb" in err.value.message


def test_damaged_image_data(call):
    full = base64.b64decode(encode(Image.effect_noise((64, 64), 50), "PNG"))
    truncated = base64.b64encode(full[:len(full) // 2]).decode()
    with pytest.raises(ToolError) as err:
        call(data_base64=truncated, thumbnail=True)
    assert err.value.error_type == "validation_error"
    assert "damaged" in err.value.message


def test_not_an_image_and_bad_base64(call):
    with pytest.raises(ToolError, match="not an image format"):
        call(data_base64=base64.b64encode(b"just some text").decode())
    with pytest.raises(ToolError, match="not valid base64"):
        call(data_base64="***")


def test_needs_exactly_one_input(call, tmp_path):
    with pytest.raises(ToolError, match="exactly one of"):
        call()
    with pytest.raises(ToolError, match="exactly one of"):
        call(data_base64="AAAA", path="x.png")


def test_size_cap(call):
    ctx = ToolContext(settings=ToolSettings(max_file_size=50))
    with pytest.raises(ToolError, match="tools.max_file_size"):
        call(ctx, data_base64=encode(Image.effect_noise((32, 32), 50), "PNG"))


def test_path_inside_allowed_roots(call, tmp_path):
    Image.new("L", (7, 5)).save(tmp_path / "pic.png")
    ctx = ToolContext(settings=ToolSettings(allowed_paths=[str(tmp_path)]))
    out = call(ctx, path=str(tmp_path / "pic.png"))
    assert (out["width"], out["height"], out["mode"]) == (7, 5, "L")
    assert call(ctx, path="pic.png")["width"] == 7


def test_path_outside_roots_and_missing(call, tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    Image.new("L", (2, 2)).save(outside / "pic.png")
    ctx = ToolContext(settings=ToolSettings(allowed_paths=[str(inside)]))
    with pytest.raises(ToolError) as err:
        call(ctx, path=str(outside / "pic.png"))
    assert err.value.error_type == "permission_denied"
    assert err.value.message.startswith("image-metadata: ")
    with pytest.raises(ToolError) as err:
        call(ctx, path="missing.png")
    assert err.value.error_type == "not_found"


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(data_base64="AAAA", thumbnail_size=1000)
    assert err.value.error_type == "validation_error"
    assert "thumbnail_size" in err.value.message
