"""The gateway's start-up failure: one line for the operator, an exit status."""


class GatewayError(Exception):
    """A start-up failure the operator can fix: one line, an exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code
