"""Signer and ReplayGuard: digests, schemes, constant-time verify, bounded replay history."""

import hashlib
import hmac

import pytest
from jupyter_client.session import Session

from llmspell.wire import ReplayGuard, Signer, WireError

PARTS = [b'{"msg_id":"a","msg_type":"t"}', b"{}", b'{"m":1}', b'{"code":"1+1"}']


@pytest.mark.parametrize("hash_name", ["sha256", "sha512", "sha1", "md5", "sha3_256", "blake2b"])
def test_sign_is_hex_hmac_over_the_four_parts(hash_name):
    key = b"secret-key"
    expected = hmac.new(key, b"".join(PARTS), getattr(hashlib, hash_name)).hexdigest().encode()
    assert Signer(key, f"hmac-{hash_name}").sign(PARTS) == expected


@pytest.mark.parametrize("scheme", ["hmac-sha256", "hmac-sha512"])
def test_sign_matches_jupyter_client_session(scheme):
    key = b"0123456789abcdef"
    assert Signer(key, scheme).sign(PARTS) == Session(key=key, signature_scheme=scheme).sign(PARTS)


def test_str_key_is_its_utf8_bytes():
    assert Signer("k\u00e9y").sign(PARTS) == Signer("k\u00e9y".encode()).sign(PARTS)


@pytest.mark.parametrize(
    "scheme", ["hmac-nosuchhash", "sha256", "hmac-", "md5-sha256", "hmac-shake_128"]
)
def test_unknown_scheme_fails_at_construction(scheme):
    with pytest.raises(ValueError, match="unsupported signature scheme"):
        Signer(b"key", scheme)


def test_verify_accepts_own_signature_and_rejects_tampering():
    signer = Signer(b"key")
    signature = signer.sign(PARTS)
    signer.verify(signature, PARTS)
    tampered = [*PARTS[:3], b'{"code":"1+2"}']
    with pytest.raises(WireError) as err:
        signer.verify(signature, tampered)
    assert err.value.reason == "bad signature"


def test_verify_rejects_other_key_and_missing_signature():
    with pytest.raises(WireError) as err:
        Signer(b"key").verify(Signer(b"other").sign(PARTS), PARTS)
    assert err.value.reason == "bad signature"
    with pytest.raises(WireError) as err:
        Signer(b"key").verify(b"", PARTS)
    assert err.value.reason == "missing signature"


def test_empty_key_means_no_signing():
    signer = Signer(b"")
    assert not signer.enabled
    assert signer.sign(PARTS) == b""
    signer.verify(b"", PARTS)
    signer.verify(b"anything", PARTS)  # as jupyter_client: no key, no check
    assert Signer(b"k").enabled


def test_replay_guard_refuses_repeat():
    guard = ReplayGuard(8)
    guard.check(b"sig-1")
    guard.check(b"sig-2")
    with pytest.raises(WireError) as err:
        guard.check(b"sig-1")
    assert err.value.reason == "replayed"


def test_replay_guard_is_bounded_and_forgets_oldest_first():
    guard = ReplayGuard(3)
    for i in range(5):
        guard.check(b"s%d" % i)
    assert len(guard) == 3
    guard.check(b"s0")  # forgotten, so accepted again (and now newest)
    for remembered in (b"s3", b"s4", b"s0"):
        with pytest.raises(WireError):
            guard.check(remembered)
    assert len(guard) == 3


def test_replay_guard_needs_positive_size():
    with pytest.raises(ValueError):
        ReplayGuard(0)
