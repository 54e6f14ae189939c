"""audio-metadata through the real registry.

Fixtures are built here: WAV with the stdlib ``wave`` module; FLAC, MP3 and OGG
Vorbis as minimal hand-made streams (header blocks / silent frames / Ogg pages)
that mutagen then tags. mutagen cannot encode audio, and no M4A fixture is built.
"""

import base64
import struct
import wave

import pytest

from llmspell.tools.base import ToolContext, ToolError, ToolSettings
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def registry():
    return ToolRegistry.builtin()


@pytest.fixture
def call(registry):
    return lambda ctx=None, **params: registry.invoke("audio-metadata", params,
                                                      ctx or ToolContext())


def b64(path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def make_wav(path, channels=2, rate=44100, width=2, seconds=1.0):
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(b"\0" * int(rate * seconds) * channels * width)
    return path


def make_flac(path, rate=44100, channels=2, bps=16, samples=88200):
    """fLaC marker plus a STREAMINFO block; mutagen adds the Vorbis comments."""
    from mutagen.flac import FLAC

    packed = (rate << 44) | ((channels - 1) << 41) | ((bps - 1) << 36) | samples
    info = struct.pack(">HH", 4096, 4096) + bytes(6) + packed.to_bytes(8, "big") + bytes(16)
    path.write_bytes(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
    audio = FLAC(str(path))
    audio["title"], audio["artist"] = "Tone", "Tester"
    audio.save()
    return path


def make_mp3(path, frames=40):
    """Silent MPEG-1 layer III frames (128 kbps, 44.1 kHz); mutagen adds ID3 tags."""
    from mutagen.easyid3 import EasyID3

    path.write_bytes((b"\xff\xfb\x90\x00" + bytes(413)) * frames)
    tags = EasyID3()
    tags["title"], tags["album"] = "Song", "Demo"
    tags.save(str(path))
    return path


def make_ogg(path, rate=48000, seconds=2):
    """Vorbis identification, comment and setup headers in Ogg pages written by mutagen."""
    from mutagen.ogg import OggPage

    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, rate, 0, 96000, 0, 0xB8, 1)
    comment = b"\x03vorbis" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 1) + \
        struct.pack("<I", 10) + b"TITLE=Wave" + b"\x01"
    pages = []
    for seq, packets in enumerate([[ident], [comment, b"\x05vorbis" + bytes(8)], [bytes(10)]]):
        page = OggPage()
        page.packets, page.serial, page.sequence = packets, 7, seq
        page.first, page.last = seq == 0, seq == 2
        page.position = rate * seconds if seq == 2 else 0
        pages.append(page.write())
    path.write_bytes(b"".join(pages))
    return path


def test_wav_via_stdlib(call, tmp_path):
    out = call(data_base64=b64(make_wav(tmp_path / "a.wav", channels=2, rate=22050, seconds=0.5)))
    assert (out["format"], out["mime"], out["channels"], out["sample_rate"]) == \
        ("WAV", "audio/wav", 2, 22050)
    assert (out["bits_per_sample"], out["frames"]) == (16, 11025)
    assert out["duration"] == pytest.approx(0.5)
    assert out["bitrate"] == 22050 * 2 * 16 and out["tags"] == {}


def test_flac_stream_info_and_tags(call, tmp_path):
    out = call(data_base64=b64(make_flac(tmp_path / "a.flac")))
    assert (out["format"], out["mime"], out["channels"], out["sample_rate"]) == \
        ("FLAC", "audio/flac", 2, 44100)
    assert out["bits_per_sample"] == 16 and out["duration"] == pytest.approx(2.0)
    assert out["tags"] == {"title": ["Tone"], "artist": ["Tester"]}


def test_mp3_duration_and_id3_tags(call, tmp_path):
    out = call(data_base64=b64(make_mp3(tmp_path / "a.mp3", frames=40)))
    assert (out["format"], out["sample_rate"], out["channels"], out["bitrate"]) == \
        ("MP3", 44100, 2, 128000)
    assert out["duration"] == pytest.approx(40 * 1152 / 44100, rel=0.01)
    assert out["tags"] == {"title": ["Song"], "album": ["Demo"]}


def test_ogg_vorbis(call, tmp_path):
    out = call(data_base64=b64(make_ogg(tmp_path / "a.ogg")))
    assert (out["format"], out["channels"], out["sample_rate"]) == ("OGG Vorbis", 1, 48000)
    assert out["duration"] == pytest.approx(2.0) and out["tags"] == {"title": ["Wave"]}


def test_unknown_format_is_validation_error(call):
    with pytest.raises(ToolError) as err:
        call(data_base64=base64.b64encode(b"definitely not audio" * 10).decode())
    assert err.value.error_type == "validation_error"
    assert "not a recognised audio format" in err.value.message


def test_broken_wav_is_validation_error(call):
    junk = b"RIFF" + struct.pack("<I", 100) + b"WAVE" + b"fmt " + bytes(20)
    with pytest.raises(ToolError) as err:
        call(data_base64=base64.b64encode(junk).decode())
    assert err.value.error_type == "validation_error"


def test_path_input(call, tmp_path):
    make_wav(tmp_path / "b.wav", channels=1, rate=8000, seconds=0.25)
    ctx = ToolContext(settings=ToolSettings(allowed_paths=[str(tmp_path)]))
    out = call(ctx, path="b.wav")
    assert (out["channels"], out["duration"]) == (1, 0.25)
    with pytest.raises(ToolError) as err:
        call(ctx, path="/etc/hostname")
    assert err.value.error_type == "permission_denied"


def test_size_cap(call, tmp_path):
    ctx = ToolContext(settings=ToolSettings(max_file_size=1000))
    with pytest.raises(ToolError, match="tools.max_file_size"):
        call(ctx, data_base64=b64(make_wav(tmp_path / "big.wav")))


def test_schema_violation(call):
    with pytest.raises(ToolError) as err:
        call(data_base64="AAAA", format="mp3")
    assert err.value.error_type == "validation_error"
    with pytest.raises(ToolError, match="exactly one of"):
        call()
