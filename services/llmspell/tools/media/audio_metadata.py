"""audio-metadata: duration, channels, sample rate and tags of WAV, MP3, FLAC, OGG, M4A."""

from __future__ import annotations

import io

from ..base import Example, ToolContext, ToolError, tool
from ._input import INPUT_PROPERTIES, load_bytes

NAME = "audio-metadata"
_TINY_WAV = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQgAAAAAAAAAAAAAAA=="
_FORMATS = {"EasyMP3": "MP3", "MP3": "MP3", "FLAC": "FLAC", "OggVorbis": "OGG Vorbis",
            "OggOpus": "OGG Opus", "OggFLAC": "OGG FLAC", "OggSpeex": "OGG Speex",
            "EasyMP4": "M4A", "MP4": "M4A", "WAVE": "WAV", "AIFF": "AIFF"}


def wav_info(data: bytes) -> dict | None:
    """PCM WAV details read with the stdlib ``wave`` module, or None when it cannot."""
    import wave

    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    try:
        with wave.open(io.BytesIO(data)) as wav:
            channels, rate = wav.getnchannels(), wav.getframerate()
            width, frames = wav.getsampwidth(), wav.getnframes()
    except (wave.Error, EOFError):
        return None  # e.g. a float or extensible WAV: mutagen may still read it
    return {"format": "WAV", "mime": "audio/wav", "channels": channels, "sample_rate": rate,
            "bits_per_sample": width * 8, "sample_width": width, "frames": frames,
            "duration": frames / rate if rate else 0.0,
            "bitrate": rate * channels * width * 8, "tags": {}}


def _tag_value(value) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value if isinstance(value, str) else str(value)


def mutagen_info(data: bytes) -> dict:
    """Stream details and simplified tags read by mutagen; unknown data is refused."""
    import mutagen

    try:
        audio = mutagen.File(io.BytesIO(data), easy=True)
    except (mutagen.MutagenError, EOFError, ValueError) as exc:
        reason = str(exc) or "it is damaged or truncated"
        raise ToolError("validation_error", f"{NAME}: cannot read the audio data: "
                                            f"{reason}") from None
    if audio is None:
        raise ToolError("validation_error", f"{NAME}: data is not a recognised audio format "
                                            f"(WAV, MP3, FLAC, OGG, M4A)")
    info = audio.info
    tags = {}
    for key in (audio.tags.keys() if audio.tags is not None else ()):
        values = audio.tags[key]
        values = values if isinstance(values, list) else [values]
        tags[key] = [_tag_value(v) for v in values]
    kind = type(audio).__name__
    return {"format": _FORMATS.get(kind, kind), "mime": audio.mime[0] if audio.mime else None,
            "channels": getattr(info, "channels", None),
            "sample_rate": getattr(info, "sample_rate", None),
            "bits_per_sample": getattr(info, "bits_per_sample", None),
            "duration": getattr(info, "length", None),
            "bitrate": getattr(info, "bitrate", None) or None, "tags": tags}


@tool(NAME, category="media",
      description="Read an audio file's format, duration, channels, sample rate, bitrate and "
                  "tags: WAV via the standard library, MP3/FLAC/OGG/M4A via mutagen.",
      schema={"properties": dict(INPUT_PROPERTIES), "additionalProperties": False},
      examples=[
          Example({"data_base64": _TINY_WAV}, "four silent samples of 8 kHz mono 16-bit WAV",
                  expect={"format": "WAV", "channels": 1, "sample_rate": 8000,
                          "bits_per_sample": 16, "frames": 4, "duration": 0.0005}),
          Example({"path": "song.mp3"}, "a file in the allowed roots", run=False),
      ])
def run(params: dict, ctx: ToolContext) -> dict:
    """Describe one audio file."""
    data = load_bytes(NAME, params, ctx)
    result = wav_info(data) or mutagen_info(data)
    result["byte_size"] = len(data)
    return result
