"""HMAC signing and verification of Jupyter messages, and replay protection.

The signature of a message is the hex HMAC digest, keyed with the connection key,
over its four JSON frames: header, parent_header, metadata, content (buffers are
not signed). An empty key disables signing: messages carry an empty signature and
any signature is accepted, as jupyter_client does.
"""

from collections import deque
from collections.abc import Sequence
from hmac import compare_digest

from llmspell.wire.errors import WireError

try:  # CPython's OpenSSL HMAC object: copy() costs half of hmac.HMAC.copy()
    from _hashlib import hmac_new as _hmac_new
except ImportError:  # pragma: no cover - Python built without OpenSSL
    from hmac import new as _hmac_new

DEFAULT_SCHEME = "hmac-sha256"
DEFAULT_REPLAY_HISTORY = 1 << 16


class Signer:
    """Signs and verifies messages for one key and one ``hmac-<hashlib name>`` scheme."""

    __slots__ = ("scheme", "_base")

    def __init__(self, key: bytes | str, scheme: str = DEFAULT_SCHEME):
        if isinstance(key, str):
            key = key.encode()
        digest, _, hash_name = scheme.partition("-")
        if digest != "hmac" or not hash_name:
            raise ValueError(f"unsupported signature scheme {scheme!r}: expected 'hmac-<hash>'")
        try:
            base = _hmac_new(key or b"probe", digestmod=hash_name)
            base.copy().hexdigest()
        except (ValueError, TypeError) as e:
            raise ValueError(f"unsupported signature scheme {scheme!r}: {e}") from None
        self.scheme = scheme
        self._base = base if key else None

    @property
    def enabled(self) -> bool:
        """False when the key is empty (no signing, no verification)."""
        return self._base is not None

    def sign(self, parts: Sequence[bytes]) -> bytes:
        """Return the hex signature (ASCII bytes) of the four JSON frames, or b'' unkeyed."""
        if self._base is None:
            return b""
        h = self._base.copy()
        for part in parts:
            h.update(part)
        return h.hexdigest().encode()

    def verify(self, signature: bytes, parts: Sequence[bytes]) -> None:
        """Raise WireError unless ``signature`` signs ``parts`` (constant-time comparison)."""
        if self._base is None:
            return
        if not signature:
            raise WireError("missing signature")
        if not compare_digest(signature, self.sign(parts)):
            raise WireError("bad signature")


class ReplayGuard:
    """Remembers the last ``maxlen`` signatures and refuses any one seen again."""

    __slots__ = ("maxlen", "_seen", "_order")

    def __init__(self, maxlen: int = DEFAULT_REPLAY_HISTORY):
        if maxlen < 1:
            raise ValueError("ReplayGuard maxlen must be at least 1")
        self.maxlen = maxlen
        self._seen: set[bytes] = set()
        self._order: deque[bytes] = deque()

    def __len__(self) -> int:
        return len(self._order)

    def check(self, signature: bytes) -> None:
        """Record ``signature``; raise WireError('replayed') if it is already recorded."""
        if signature in self._seen:
            raise WireError("replayed")
        self._seen.add(signature)
        self._order.append(signature)
        if len(self._order) > self.maxlen:
            self._seen.discard(self._order.popleft())
