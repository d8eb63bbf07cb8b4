"""Domain errors: each message is written for the person who has to act on it.

Front ends (CLI, terminal chat, Discord) catch `ArticlebotError` and show its
message as one line; anything else is a bug and is logged with its traceback.
"""

from __future__ import annotations


class ArticlebotError(Exception):
    """Base class. `str(error)` is a one-line message that names the fix.

    `key` and `values` name a text in `prompts/messages.toml`, so a chat front end
    can show the same error in the user's language.
    """

    exit_code = 1

    def __init__(self, message: str, *, key: str | None = None, values: dict | None = None):
        super().__init__(message)
        self.key = key
        self.values = values or {}


class InputError(ArticlebotError):
    """The user's input cannot be answered as given (empty, too long, unknown document)."""

    exit_code = 2


class ModelError(ArticlebotError):
    """A model file is missing, truncated, fails its checksum or cannot be loaded."""


class StoreError(ArticlebotError):
    """The index cannot be read or written (locked, corrupt, unreachable server)."""


class BusyError(ArticlebotError):
    """The answer queue is full; the request was not queued."""

    def __init__(self, message: str = "the answer queue is full; try again in a minute"):
        super().__init__(message, key="busy")


class CooldownError(ArticlebotError):
    """The user asked again before their cooldown ended."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, key="cooldown", values={"seconds": max(1, round(retry_after))})
        self.retry_after = retry_after
