"""The exceptions of llmspell.wire: one per kind of bad input."""


class WireError(ValueError):
    """A received message was rejected; log it once and drop it.

    ``reason`` is a short stable string for counting and logging (``REASONS`` lists
    those raised by parsing, signing and encoding); ``detail`` says more.
    """

    REASONS = (
        "no delimiter",
        "truncated",
        "oversize",
        "missing signature",
        "bad signature",
        "replayed",
        "invalid json",
        "bad header",
        "unserializable",
    )

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class ConnectionFileError(ValueError):
    """A connection file is missing, unreadable, not JSON, or lacks a required field."""
