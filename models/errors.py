"""The error of the model layer: a model that cannot be used, with a message naming the fix.

`ModelError` is raised for a model file that is missing, truncated, never verified
or unloadable, and for an LLM server that cannot be reached or fails an answer.
Like every error a front end shows, it carries `str()` (one line that names the
fix), `exit_code` for the CLI, and `key`/`values` naming a text in
`prompts/messages.toml` for chat front ends.

What this module does not do: import anything of articlebot's (the model layer is
the bottom layer), or decide how the error is shown (see `bot.errors`).
"""

from __future__ import annotations


class ModelError(Exception):
    """A model file is missing, truncated, fails its checksum or cannot be loaded."""

    exit_code = 1

    def __init__(self, message: str, *, key: str | None = None, values: dict | None = None):
        super().__init__(message)
        self.key = key
        self.values = values or {}
