"""Bot-level errors, and the one tuple of errors every front end shows to its user.

Each layer owns its domain errors: `models.errors.ModelError`,
`retrieval.errors.RetrievalError` (`DocumentError`, `StoreError`), and here the
bot's own (`ArticlebotError`: `InputError`, `BusyError`, `CooldownError`). All of
them carry the same attributes: `str()` is a one-line message that names the fix,
`exit_code` is the CLI's exit status, and `key`/`values` name a text in
`prompts/messages.toml`, so a chat front end can show it in the user's language.

Front ends (CLI, terminal chat, Discord, bench) catch `USER_ERRORS` and show the
message; anything else is a bug and is logged with its traceback. The lower
layers' errors are re-exported here for convenience.

What this module does not do: decide how an error is shown (each front end does).
"""

from __future__ import annotations

from models.errors import ModelError
from retrieval.errors import DocumentError, RetrievalError, StoreError

__all__ = [
    "INPUT_ERRORS",
    "USER_ERRORS",
    "ArticlebotError",
    "BusyError",
    "CooldownError",
    "DocumentError",
    "InputError",
    "ModelError",
    "RetrievalError",
    "StoreError",
]


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


class BusyError(ArticlebotError):
    """The answer queue is full; the request was not queued."""

    def __init__(self, message: str = "the answer queue is full; try again in a minute"):
        super().__init__(message, key="busy")


class CooldownError(ArticlebotError):
    """The user asked again before their cooldown ended."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, key="cooldown", values={"seconds": max(1, round(retry_after))})
        self.retry_after = retry_after


USER_ERRORS = (ArticlebotError, RetrievalError, ModelError)
"""Every error whose message is meant for a person: what each front end's edge catches."""

INPUT_ERRORS = (InputError, DocumentError)
"""Errors in what the user gave (a question, a file): their message is written for that
user, so a chat front end may show it as it is when it has no text of its own for it."""
