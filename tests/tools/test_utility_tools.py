"""uuid-generator, hash-calculator, base64-encoder, random-generator, unit-converter."""

import base64
import hashlib
import hmac
import uuid

import pytest
from llmspell.tools.base import ToolContext
from tool_kit import error_of

UTILITY_TOOLS = ["calculator", "uuid-generator", "hash-calculator", "base64-encoder",
                 "date-time-handler", "random-generator", "unit-converter"]


@pytest.mark.parametrize("name", UTILITY_TOOLS)
def test_examples_pass_and_metadata(registry, name):
    spec = registry.resolve(name)
    assert (spec.category, spec.security_level) == ("utility", "safe")
    assert registry.resolve(name.replace("-", "_")) is spec
    reports = registry.test(name, ToolContext())
    assert reports and all(r["status"] == "ok" for r in reports), reports


def test_family_imports_stay_cheap():
    import subprocess
    import sys

    code = ("import sys, llmspell.tools.utility, llmspell.tools.text; "
            "print(sorted({'jinja2', 'jsonschema'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- uuid-generator ------------------------------------------------------------
def test_uuid_versions_and_formats(call):
    out = call("uuid-generator", count=5)
    assert len(set(out["uuids"])) == 5 and out["uuid"] == out["uuids"][0]
    assert all(uuid.UUID(u).version == 4 for u in out["uuids"])
    assert uuid.UUID(call("uuid-generator", version=1)["uuid"]).version == 1
    v5 = call("uuid-generator", version=5, namespace="dns", name="python.org")["uuid"]
    assert v5 == str(uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"))
    ns = str(uuid.uuid4())
    v3 = call("uuid-generator", version=3, namespace=ns, name="x", format="hex")["uuid"]
    assert v3 == uuid.uuid3(uuid.UUID(ns), "x").hex
    urn = call("uuid-generator", format="urn", uppercase=True)["uuid"]
    assert urn.startswith("urn:uuid:") and urn[9:] == urn[9:].upper()


def test_uuid_errors_and_parse(call):
    assert "needs parameter 'namespace'" in error_of(call, "uuid-generator", version=5,
                                                     name="x").message
    assert "namespace" in error_of(call, "uuid-generator", version=5, namespace="nope",
                                   name="x").message
    assert "count must be 1" in error_of(call, "uuid-generator", version=5, namespace="url",
                                         name="x", count=2).message
    braced = "{12345678-1234-5678-1234-567812345678}"
    parsed = call("uuid-generator", operation="parse", input=braced)
    assert parsed["valid"] and parsed["uuid"] == "12345678-1234-5678-1234-567812345678"
    assert call("uuid-generator", operation="parse", input="nope")["valid"] is False


# -- hash-calculator -------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"])
def test_hash_algorithms(call, algorithm):
    out = call("hash-calculator", input="héllo", algorithm=algorithm)
    assert out["hash"] == hashlib.new(algorithm, "héllo".encode()).hexdigest()
    b64 = call("hash-calculator", input="héllo", algorithm=algorithm, format="base64")["hash"]
    assert base64.b64decode(b64).hex() == out["hash"]


def test_hash_binary_input_hmac_and_verify(call):
    assert call("hash-calculator", input="00ff", input_encoding="hex")["hash"] == \
        hashlib.sha256(b"\x00\xff").hexdigest()
    mac = hmac.new(b"k", b"msg", "sha256").hexdigest()
    assert call("hash-calculator", operation="hmac", input="msg", key="k")["hash"] == mac
    assert call("hash-calculator", operation="verify", input="msg", key="k",
                expected=mac.upper())["valid"] is True
    digest = hashlib.md5(b"abc").digest()
    assert call("hash-calculator", operation="verify", input="abc", algorithm="md5",
                expected=base64.b64encode(digest).decode())["valid"] is True
    assert call("hash-calculator", operation="verify", input="abd", algorithm="md5",
                expected=digest.hex())["valid"] is False
    assert error_of(call, "hash-calculator", operation="verify", input="a",
                    expected="not a digest!").error_type == "validation_error"
    assert "needs parameter 'key'" in error_of(call, "hash-calculator", operation="hmac",
                                               input="a").message
    assert error_of(call, "hash-calculator", input="a", algorithm="crc32").error_type == \
        "validation_error"


# -- base64-encoder ----------------------------------------------------------------
def test_base64_round_trips(call):
    assert call("base64-encoder", input="héllo?")["output"] == \
        base64.b64encode("héllo?".encode()).decode()
    raw = bytes(range(250, 256))
    url = call("base64-encoder", input=raw.hex(), input_encoding="hex", variant="urlsafe",
               padding=False)["output"]
    assert "=" not in url and "+" not in url and "/" not in url
    back = call("base64-encoder", operation="decode", input=url, variant="urlsafe",
                output_encoding="hex")
    assert back == {"output": raw.hex(), "variant": "urlsafe", "bytes": 6}


def test_base64_decode_tolerates_padding_and_whitespace(call):
    for text in ("aGVsbG8=", "aGVsbG8", "aGVs\nbG8=\n", "  aGVsbG8  "):
        assert call("base64-encoder", operation="decode", input=text)["output"] == "hello"


@pytest.mark.parametrize("text, fragment", [
    ("aGVs*G8=", "invalid standard base64 character '*' at position 4"),
    ("_w", "(it is valid in urlsafe base64)"),
    ("a", "invalid base64 length"),
    ("aG=Vsbw==", "padding '=' in the middle"),
    ("/w==", "not UTF-8 text"),
])
def test_base64_decode_errors(call, text, fragment):
    err = error_of(call, "base64-encoder", operation="decode", input=text)
    assert err.error_type == "validation_error" and fragment in err.message


# -- random-generator ----------------------------------------------------------------
def test_random_ranges_and_seeds(call):
    ints = call("random-generator", min=1, max=6, count=200)["values"]
    assert set(ints) <= set(range(1, 7)) and all(type(i) is int for i in ints)
    floats = call("random-generator", operation="float", min=2, max=3, count=50,
                  precision=2)["values"]
    assert all(2 <= f <= 3 and round(f, 2) == f for f in floats)
    seeded = [call("random-generator", operation="integer", max=10**9, count=5, seed=7)["values"]
              for _ in range(2)]
    assert seeded[0] == seeded[1]
    items = list(range(20))
    shuffles = [call("random-generator", operation="shuffle", items=items, seed="s")["values"]
                for _ in range(2)]
    assert shuffles[0] == shuffles[1] and sorted(shuffles[0]) == items
    picks = call("random-generator", operation="choice", items=items, count=20, unique=True)
    assert sorted(picks["values"]) == items


def test_random_secrets(call):
    pw = call("random-generator", operation="password", length=40, exclude_ambiguous=True)["value"]
    assert len(pw) == 40 and not set(pw) & set("Il1O0o")
    assert any(c.isupper() for c in pw) and any(c.isdigit() for c in pw)
    assert pw.isalnum() is False   # symbols are on by default
    digits = call("random-generator", operation="password", length=8, lowercase=False,
                  uppercase=False, symbols=False)["value"]
    assert digits.isdigit()
    assert len(call("random-generator", operation="token", length=16)["value"]) == 32
    err = error_of(call, "random-generator", operation="password", seed=1)
    assert err.error_type == "validation_error" and "seed" in err.message


def test_random_errors(call):
    assert "greater than" in error_of(call, "random-generator", min=5, max=1).message
    assert "unique" in error_of(call, "random-generator", operation="choice", items=[1],
                                count=2, unique=True).message
    assert "items" in error_of(call, "random-generator", operation="choice").message
    assert error_of(call, "random-generator", count=10**6).error_type == "validation_error"


# -- unit-converter ------------------------------------------------------------------
@pytest.mark.parametrize("value, source, target, expected", [
    (1, "km", "m", 1000), (1, "mi", "km", 1.609344), (12, "in", "ft", 1), (3, "feet", "yd", 1),
    (1, "kg", "lb", 2.2046226218487757), (16, "oz", "lb", 1), (1, "t", "kg", 1000),
    (100, "C", "F", 212), (32, "fahrenheit", "celsius", 0), (0, "K", "C", -273.15),
    (98.6, "F", "C", 37.0), (90, "min", "h", 1.5), (1, "wk", "s", 604800),
    (1, "KiB", "B", 1024), (1, "GB", "MB", 1000), (1, "GiB", "MiB", 1024), (8, "bit", "B", 1),
    (1, "Mbit", "kB", 125), (36, "km/h", "m/s", 10), (1, "knot", "km/h", 1.852),
])
def test_unit_conversions(call, value, source, target, expected):
    out = call("unit-converter", value=value, **{"from": source, "to": target})
    assert out["value"] == pytest.approx(expected)
    assert type(out["value"]) is type(expected)


@pytest.mark.parametrize("source, target, fragment", [
    ("kg", "m", "cannot convert kg (mass) to m (length)"),
    ("furlong", "m", "unknown unit 'furlong'"),
    ("metr", "m", "did you mean 'metre'"),
    ("mb", "B", "ambiguous; write one of: MB, Mbit"),
])
def test_unit_errors(call, source, target, fragment):
    err = error_of(call, "unit-converter", value=1, **{"from": source, "to": target})
    assert err.error_type == "validation_error" and fragment in err.message


def test_unit_listing_and_absolute_zero(call):
    listing = call("unit-converter", operation="list")["categories"]
    assert {"length", "mass", "temperature", "time", "data", "speed"} <= set(listing)
    assert "below absolute zero" in error_of(call, "unit-converter", value=-1, **{
        "from": "K", "to": "C"}).message
