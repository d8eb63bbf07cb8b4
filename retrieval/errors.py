"""The errors of the retrieval layer, each with a message for the person who must act.

`RetrievalError` is the base; `DocumentError` is a document that cannot be
ingested (missing, unsupported, too big, not UTF-8, no text: exit code 2, the
input is at fault); `StoreError` is an index that cannot be read or written
(locked, corrupt, an unreachable Chroma server). An embedder that cannot load
raises `models.errors.ModelError`.

Every one carries what the front ends use: `str()` is one line that names the
fix, `exit_code` is the CLI's exit status, and `key`/`values` name a text in
`prompts/messages.toml`, so a chat front end can show it in the user's language.

What this module does not do: import the bot layer, or show errors (see `bot.errors`,
whose `USER_ERRORS` every front end catches).
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class. `str(error)` is a one-line message that names the fix."""

    exit_code = 1

    def __init__(self, message: str, *, key: str | None = None, values: dict | None = None):
        super().__init__(message)
        self.key = key
        self.values = values or {}


class DocumentError(RetrievalError):
    """A document cannot be ingested as given (unreadable, unsupported, too big, no text)."""

    exit_code = 2


class StoreError(RetrievalError):
    """The index cannot be read or written (locked, corrupt, unreachable server)."""
