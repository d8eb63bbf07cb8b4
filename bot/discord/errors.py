"""The one error handler of the Discord front end: an error becomes a short message.

`ErrorReporter.describe` turns a user-facing error (`bot.errors.USER_ERRORS`) into its text from
`prompts/messages.toml` in the user's language (an `InputError` without a usable
text shows its own message, written for the person asking); anything else is
logged with its traceback and the user sees a generic apology. `report` shows
that text on a reply target, and `guard(target, language)` wraps a callback so
that every error inside ends there, while cancellation goes on. Every guarded
request is counted in `in_flight` until it has ended, so a shutdown can wait
until the answers being written are delivered (`InFlight.drain`).

It decides no access, queues nothing and sends nothing but that one message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Self

import discord

from bot.errors import INPUT_ERRORS, USER_ERRORS
from bot.prompting import PromptError

if TYPE_CHECKING:
    from bot.discord.targets import ReplyTarget
    from bot.prompting import PromptLibrary

log = logging.getLogger(__name__)


class InFlight:
    """The requests being handled now; `drain` waits until there are none."""

    def __init__(self) -> None:
        self._items: set[object] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: object) -> None:
        self._items.add(item)
        self._idle.clear()

    def discard(self, item: object) -> None:
        self._items.discard(item)
        if not self._items:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Waits until no request is in flight; False when some still are after `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class ErrorReporter:
    def __init__(self, prompts: PromptLibrary) -> None:
        self.prompts = prompts
        self.in_flight = InFlight()

    def describe(self, error: BaseException, language: str) -> str:
        """The user's message for `error`; logs what the operator needs."""
        if isinstance(error, USER_ERRORS):
            if error.key:
                try:
                    return self.prompts.message(error.key, language, **error.values)
                except PromptError:
                    log.error("no usable message %r for %s", error.key, type(error).__name__)
            if isinstance(error, INPUT_ERRORS):
                return str(error)  # written for the person asking
            log.error("request failed: %s", error)
        else:
            log.error("unexpected error while answering", exc_info=error)
        return self.prompts.message("error", language)

    async def report(self, error: BaseException, target: ReplyTarget, language: str) -> None:
        text = self.describe(error, language)
        try:
            await target.fail(text)
        except discord.HTTPException as exc:
            log.error("could not show an error message to the user (%s): %s", text, exc)

    def guard(self, target: ReplyTarget, language: str) -> Guard:
        return Guard(self, target, language)


class Guard:
    """`async with errors.guard(target, language)`: errors inside become a user message.

    `language` may change inside (once a message's language is detected). The request
    counts as in flight from the guard's making until its exit (after any report)."""

    def __init__(self, errors: ErrorReporter, target: ReplyTarget, language: str) -> None:
        self.errors = errors
        self.target = target
        self.language = language
        errors.in_flight.add(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type, error, traceback) -> bool:
        try:
            if error is None or not isinstance(error, Exception):
                return False  # cancellation and exits go on
            await self.errors.report(error, self.target, self.language)
            return True
        finally:
            self.errors.in_flight.discard(self)
