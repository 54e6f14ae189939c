"""hash-calculator: message digests and HMACs, with constant-time verification."""

from __future__ import annotations

import base64
import hashlib
import hmac

from ..base import Example, ToolContext, tool
from ._common import invalid, need, to_bytes

NAME = "hash-calculator"
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512",
              "blake2b", "blake2s", "sha3_256", "sha3_512")
MAX_INPUT = 10 * 1024 * 1024


def _digest(data: bytes, algorithm: str, key: str | None) -> bytes:
    if key is not None:
        return hmac.new(key.encode("utf-8"), data, algorithm).digest()
    return hashlib.new(algorithm, data).digest()


def _render(digest: bytes, fmt: str) -> str:
    return digest.hex() if fmt == "hex" else base64.b64encode(digest).decode("ascii")


def _expected_bytes(expected: str, size: int) -> bytes:
    """Decode an expected digest given as hex (any case) or base64."""
    text = expected.strip()
    if len(text) == 2 * size:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise invalid(NAME, "parameter 'expected' is neither a hex nor a base64 digest") from None


@tool(
    NAME,
    category="utility",
    description=("Hash text with md5, sha1, sha2, sha3 or blake2 (hex or base64 output), "
                 "compute an HMAC when a key is given, and verify a string against an "
                 "expected hash or HMAC in constant time."),
    schema={
        "properties": {
            "operation": {"enum": ["hash", "hmac", "verify"], "default": "hash"},
            "input": {"type": "string", "maxLength": MAX_INPUT},
            "input_encoding": {"enum": ["utf-8", "hex", "base64"], "default": "utf-8",
                               "description": "how 'input' encodes its bytes"},
            "algorithm": {"enum": list(ALGORITHMS), "default": "sha256"},
            "format": {"enum": ["hex", "base64"], "default": "hex"},
            "key": {"type": "string", "description": "HMAC key (utf-8)"},
            "expected": {"type": "string", "description": "for verify: the hash to compare with"},
        },
        "required": ["input"],
        "additionalProperties": False,
    },
    examples=[
        Example({"input": "hello"}, "sha256 of a string",
                {"hash": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}),
        Example({"operation": "hmac", "input": "message", "key": "secret", "algorithm": "sha1"},
                "HMAC-SHA1", {"hash": "0caf649feee4953d87bf903ac1176c45e028df16"}),
        Example({"operation": "verify", "input": "hello", "algorithm": "md5",
                 "expected": "5d41402abc4b2a76b9719d911017c592"}, "verify", {"valid": True}),
    ],
)
def hash_calculator(params: dict, ctx: ToolContext) -> dict:
    operation, algorithm = params["operation"], params["algorithm"]
    key = params.get("key")
    if operation == "hmac":
        key = need(params, "key", NAME, "hmac")
    data = to_bytes(params["input"], params["input_encoding"], NAME, "input")
    digest = _digest(data, algorithm, key)
    result = {"algorithm": algorithm, "hmac": key is not None,
              "hash": _render(digest, params["format"]), "format": params["format"]}
    if operation == "verify":
        expected = _expected_bytes(need(params, "expected", NAME, "verify"), len(digest))
        result["valid"] = hmac.compare_digest(digest, expected)
    return result
