"""Streaming an answer into one Discord message: the newest text, at most once per interval.

Discord rate-limits edits, so a streamed answer is shown by editing one message
at most once per `stream_interval_s` (llmcord's habit), skipping the texts in
between. What is shown and where is the caller's: this module only times it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import discord

log = logging.getLogger(__name__)


class ThrottledEditor:
    """Shows the newest text through `show`, at most once per `interval` seconds.

    `update` may be called any number of times (it is what the service's streaming
    callback calls); in-between texts are skipped, the newest one is always shown.
    """

    def __init__(
        self,
        show: Callable[[str], Awaitable[None]],
        *,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._show = show
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._latest: str | None = None
        self._shown: str | None = None
        self._last = float("-inf")
        self._task: asyncio.Task | None = None
        self._showing = False
        self._closed = False
        self.shows = 0

    def update(self, text: str) -> None:
        if self._closed:
            return
        self._latest = text
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def ready(self) -> None:
        """Waits until the next edit is allowed."""
        wait = self._last + self.interval - self._clock()
        if wait > 0:
            await self._sleep(wait)

    async def _run(self) -> None:
        while not self._closed and self._latest is not None and self._latest != self._shown:
            await self.ready()
            if self._closed:
                return
            text = self._latest
            self._showing = True
            try:
                await self._show(text)
            except discord.HTTPException as exc:  # the final message will try again
                log.warning("could not update a streaming message: %s", exc)
            finally:
                self._showing = False
                self._shown = text
                self._last = self._clock()
                self.shows += 1

    async def close(self) -> None:
        """Stops updating; an edit already on its way is finished, a waiting one dropped."""
        self._closed = True
        task = self._task
        if task is None or task.done():
            return
        if not self._showing:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
