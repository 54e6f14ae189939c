"""image-metadata: format, size, mode, frames, DPI and EXIF of an image; optional thumbnail."""

from __future__ import annotations

import base64
import io
import math
import warnings

from ..base import Example, ToolContext, ToolError, tool
from ._input import INPUT_PROPERTIES, load_bytes

NAME = "image-metadata"
MAX_PIXELS = 50_000_000
_TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGP8z8DAwMAAAAYIAQHLR3Z1"
             "AAAAAElFTkSuQmCC")
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825


def open_image(data: bytes):
    """A lazily decoded Pillow image; refuses unknown formats and decompression bombs."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ToolError("validation_error", f"{NAME}: refusing a possible decompression bomb: "
                                            f"{exc}") from None
    except UnidentifiedImageError:
        raise ToolError("validation_error", f"{NAME}: data is not an image format Pillow "
                                            f"can read") from None
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        raise ToolError("validation_error",
                        f"{NAME}: image is {image.width}x{image.height} ({pixels} pixels), above "
                        f"the {MAX_PIXELS}-pixel cap; refusing a possible decompression bomb")
    return image


def describe(image) -> dict:
    """Format, geometry, mode, frame count and DPI of an opened image."""
    dpi = image.info.get("dpi")
    return {
        "format": image.format, "mime": image.get_format_mimetype(),
        "width": image.width, "height": image.height, "mode": image.mode,
        "bands": len(image.getbands()), "frames": getattr(image, "n_frames", 1),
        "animated": bool(getattr(image, "is_animated", False)),
        "dpi": [round(float(d), 2) for d in dpi] if dpi else None,
    }


def exif_value(value):
    """An EXIF value as JSON-able data: rationals become floats, binary blobs a size note."""
    from PIL.TiffImagePlugin import IFDRational

    if isinstance(value, IFDRational):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (tuple, list)):
        return [exif_value(v) for v in value]
    if isinstance(value, bytes):
        text = value.rstrip(b"\x00")
        if len(text) <= 64 and text.isascii() and text.decode().isprintable():
            return text.decode()
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value.rstrip("\x00")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value if isinstance(value, (int, bool)) or value is None else str(value)


def exif_tags(image) -> dict:
    """Named EXIF tags; the Exif sub-IFD is merged in, GPS tags nest under GPSInfo."""
    from PIL import ExifTags

    exif = image.getexif()
    tags = {ExifTags.TAGS.get(k, f"0x{k:04x}"): exif_value(v) for k, v in exif.items()
            if k not in (_EXIF_IFD, _GPS_IFD)}
    tags.update({ExifTags.TAGS.get(k, f"0x{k:04x}"): exif_value(v)
                 for k, v in exif.get_ifd(_EXIF_IFD).items()})
    gps = exif.get_ifd(_GPS_IFD)
    if gps:
        tags["GPSInfo"] = {ExifTags.GPSTAGS.get(k, f"0x{k:04x}"): exif_value(v)
                           for k, v in gps.items()}
    return tags


def thumbnail_png(image, size: int) -> str:
    """The first frame scaled to fit ``size`` x ``size``, as base64 PNG."""
    frame = image.copy()
    frame.thumbnail((size, size))
    if frame.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        frame = frame.convert("RGBA")
    out = io.BytesIO()
    frame.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


@tool(NAME, category="media",
      description="Read an image's format, width, height, mode, frame count, DPI and EXIF "
                  "tags (Pillow); optionally return a small PNG thumbnail as base64.",
      schema={
          "properties": {
              **INPUT_PROPERTIES,
              "exif": {"type": "boolean", "default": True, "description": "include EXIF tags"},
              "thumbnail": {"type": "boolean", "default": False},
              "thumbnail_size": {"type": "integer", "minimum": 8, "maximum": 256,
                                 "default": 64},
          },
          "additionalProperties": False,
      },
      examples=[
          Example({"data_base64": _TINY_PNG}, "a 2x1 red PNG",
                  expect={"format": "PNG", "width": 2, "height": 1, "mode": "RGB", "frames": 1}),
          Example({"path": "photo.jpg", "thumbnail": True}, "a file in the allowed roots, with "
                  "a thumbnail", run=False),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Describe one image."""
    data = load_bytes(NAME, params, ctx)
    image = open_image(data)
    try:
        result = describe(image)
        result["byte_size"] = len(data)
        if params["exif"]:
            result["exif"] = exif_tags(image)
        if params["thumbnail"]:
            result["thumbnail_base64"] = thumbnail_png(image, params["thumbnail_size"])
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ToolError("validation_error", f"{NAME}: image data is damaged: {exc}") from None
    return result
