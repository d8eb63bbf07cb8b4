"""How one answer reaches Discord: acknowledged, queued, streamed, delivered.

A `ReplyTarget` is where an answer goes: an interaction (slash command,
context menu, button) or a message that mentioned the bot. The `Responder`
runs one request of the `AnswerService` for a target: it shows the place in
line while the request waits, streams the text by editing one message at most
once per `stream_interval_s` (`ThrottledEditor`), then delivers the final pages
(answer text, then the quotes as an embed) and remembers the exchange, so a
reply to it is a follow-up. Under an answer whose quotes are in another
language than the answer, a `TranslateView` button shows them machine-translated,
to the person who clicked only.

Every send and edit passes `allowed_mentions=none`. A reply that cannot be
delivered is logged with where it was going; it is never dropped silently.
Nothing here queues, prompts or retrieves: that is the service's job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol

import discord

from bot.results import Answer, Turn
from bot.discord_format import (
    NO_MENTIONS,
    Page,
    answer_pages,
    locale_language,
    ordinal,
    paginate,
    stream_preview,
    translation_pages,
)
from bot.errors import ArticlebotError

if TYPE_CHECKING:
    from bot.discord_bot import ArticlebotBot

log = logging.getLogger(__name__)

Run = Callable[[Callable[[str], None], Callable[[int], None]], Awaitable[Answer]]


class AccessDenied(ArticlebotError):
    """The guild, channel or the user's roles are not on the allow-lists."""

    def __init__(self) -> None:
        super().__init__("articlebot is not available here", key="not_allowed")


class AdminOnly(ArticlebotError):
    """Only the configured admins may change the documents."""

    def __init__(self) -> None:
        super().__init__("only articlebot's admins can do that", key="admins_only")


# -- where replies go ------------------------------------------------------------------


class ReplyTarget(Protocol):
    async def progress(self, text: str) -> None:
        """Shows `text` (place in line, streamed answer) in the one progress message."""

    async def finish(
        self, pages: list[Page], view: discord.ui.View | None = None
    ) -> list[discord.Message]:
        """Delivers the final pages; returns the messages sent."""

    async def fail(self, text: str) -> None:
        """Shows a short error message to the user."""


def _send_kwargs(page: Page) -> dict:
    kwargs = page.kwargs()
    if kwargs["content"] is None:
        del kwargs["content"]
    return kwargs


class InteractionTarget:
    """Replies to a slash command, context menu or button (after `defer`)."""

    def __init__(self, interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral

    async def progress(self, text: str) -> None:
        await self.interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    async def finish(
        self, pages: list[Page], view: discord.ui.View | None = None
    ) -> list[discord.Message]:
        sent: list[discord.Message] = []
        for index, page in enumerate(pages):
            kwargs = page.kwargs() if index == 0 else _send_kwargs(page)
            if view is not None and index == len(pages) - 1:
                kwargs["view"] = view
            try:
                if index == 0:
                    message = await self.interaction.edit_original_response(**kwargs)
                else:
                    message = await self.interaction.followup.send(
                        **kwargs, ephemeral=self.ephemeral, wait=True
                    )
            except discord.HTTPException as exc:
                message = await self._fallback(page, kwargs, exc)
                if message is None:
                    break
            sent.append(message)
        return sent

    async def _fallback(self, page: Page, kwargs: dict, exc: Exception) -> discord.Message | None:
        """The interaction expired (15 minutes) or was deleted: post in its channel instead."""
        channel = self.interaction.channel
        where = f"channel {self.interaction.channel_id}, user {self.interaction.user.id}"
        if self.ephemeral or not isinstance(channel, discord.abc.Messageable):
            log.error("could not deliver a reply to an interaction (%s): %s", where, exc)
            return None
        log.warning("interaction reply failed (%s), posting in the channel instead: %s", where, exc)
        fallback = _send_kwargs(page)
        if "view" in kwargs:
            fallback["view"] = kwargs["view"]
        try:
            return await channel.send(**fallback)
        except discord.HTTPException as again:
            log.error("could not deliver a reply (%s): %s", where, again)
            return None

    async def fail(self, text: str) -> None:
        response = self.interaction.response
        if not response.is_done():
            await response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await self.interaction.edit_original_response(
                content=text, embeds=[], view=None, allowed_mentions=NO_MENTIONS
            )


class MessageTarget:
    """Replies to a message (a mention, a reply, a DM, a message in an answer thread)."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message
        self.sent: discord.Message | None = None

    async def _reply(self, **kwargs) -> discord.Message:
        reference = self.message.to_reference(fail_if_not_exists=False)
        return await self.message.channel.send(reference=reference, **kwargs)

    async def progress(self, text: str) -> None:
        if self.sent is None:
            self.sent = await self._reply(content=text, allowed_mentions=NO_MENTIONS)
        else:
            await self.sent.edit(content=text, allowed_mentions=NO_MENTIONS)

    async def finish(
        self, pages: list[Page], view: discord.ui.View | None = None
    ) -> list[discord.Message]:
        sent: list[discord.Message] = []
        for index, page in enumerate(pages):
            kwargs = page.kwargs() if index == 0 and self.sent else _send_kwargs(page)
            if view is not None and index == len(pages) - 1:
                kwargs["view"] = view
            try:
                if index == 0 and self.sent is not None:
                    message = await self.sent.edit(**kwargs)
                elif index == 0:
                    message = self.sent = await self._reply(**kwargs)
                else:
                    message = await self.message.channel.send(**kwargs)
            except discord.HTTPException as exc:
                log.error("could not deliver a reply in channel %s to message %s: %s",
                          self.message.channel.id, self.message.id, exc)  # fmt: skip
                break
            sent.append(message)
        return sent

    async def fail(self, text: str) -> None:
        if self.sent is None:
            self.sent = await self._reply(content=text, allowed_mentions=NO_MENTIONS)
        else:
            await self.sent.edit(content=text, embeds=[], view=None, allowed_mentions=NO_MENTIONS)


# -- streaming ---------------------------------------------------------------------------


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


# -- conversations ------------------------------------------------------------------------


class ConversationMemory:
    """Which exchange each answer message belongs to, and each answer thread's exchanges.

    Bounded (least recently used first out). It makes a reply to a /ask answer, whose
    question Discord does not keep, a follow-up; reply chains between messages are
    also read back from Discord when this memory does not know them (after a restart).
    """

    def __init__(self, max_entries: int = 5000, *, thread_turns: int = 20) -> None:
        self.max_entries = max_entries
        self._turns: OrderedDict[int, Turn] = OrderedDict()
        self._threads: OrderedDict[int, deque[Turn]] = OrderedDict()
        self._thread_turns = thread_turns

    def remember(self, message_ids: Iterable[int], turn: Turn) -> None:
        for message_id in message_ids:
            self._turns[message_id] = turn
            self._turns.move_to_end(message_id)
        while len(self._turns) > self.max_entries:
            self._turns.popitem(last=False)

    def turn(self, message_id: int) -> Turn | None:
        return self._turns.get(message_id)

    def add_thread_turn(self, thread_id: int, turn: Turn) -> None:
        turns = self._threads.setdefault(thread_id, deque(maxlen=self._thread_turns))
        turns.append(turn)
        self._threads.move_to_end(thread_id)
        while len(self._threads) > self.max_entries:
            self._threads.popitem(last=False)

    def thread_turns(self, thread_id: int) -> list[Turn]:
        return list(self._threads.get(thread_id, ()))


# -- one answer ---------------------------------------------------------------------------


class Responder:
    """Runs one service request for one target, from place in line to final pages."""

    def __init__(self, bot: ArticlebotBot) -> None:
        self.bot = bot

    def editor(self, target: ReplyTarget) -> ThrottledEditor:
        async def show(text: str) -> None:
            await target.progress(stream_preview(text))

        return ThrottledEditor(show, interval=self.bot.settings.discord.stream_interval_s,
                               clock=self.bot.clock, sleep=self.bot.sleep)  # fmt: skip

    async def run(
        self, target: ReplyTarget, run: Run, *, ui_language: str, asker_id: int
    ) -> tuple[Answer, list[discord.Message]]:
        prompts = self.bot.prompts
        editor = self.editor(target)

        def on_position(position: int) -> None:
            editor.update(prompts.message("queue_position", ui_language, position=position,
                                          ordinal=ordinal(position)))  # fmt: skip

        try:
            answer = await run(editor.update, on_position)
        finally:
            await editor.close()
        view = await self.translate_view(answer, asker_id)
        pages = answer_pages(answer)
        if editor.shows:
            await editor.ready()
        sent = await target.finish(pages, view)
        if view is not None and sent:
            view.message = sent[-1]
        if answer.answered and sent:
            self.bot.memory.remember([m.id for m in sent], Turn(answer.question, answer.answer))
        return answer, sent

    async def translate_view(self, answer: Answer, asker_id: int) -> TranslateView | None:
        if not answer.citations:
            return None
        languages = await self.bot.document_languages()
        if all(
            languages.get(c.doc_id, answer.language) == answer.language for c in answer.citations
        ):
            return None
        return TranslateView(self.bot, answer=answer, asker_id=asker_id, languages=languages)


class TranslationFailed(ArticlebotError):
    def __init__(self) -> None:
        super().__init__("the model returned no translation", key="translation_failed")


class TranslateView(discord.ui.View):
    """The "Translate quotes" button: the quotes machine-translated, for the clicker only.

    The answer message, with its verbatim quotes, is never changed."""

    def __init__(self, bot: ArticlebotBot, *, answer: Answer, asker_id: int,
                 languages: dict[str, str]) -> None:  # fmt: skip
        super().__init__(timeout=bot.settings.discord.button_timeout_s)
        self.bot = bot
        self.answer = answer
        self.asker_id = asker_id
        self.languages = languages
        self.message: discord.Message | None = None
        self.translate.label = bot.prompts.message("translate_button", answer.language)

    def target_language(self, interaction: discord.Interaction) -> str:
        """The asker gets the answer's language; anyone else their Discord language."""
        if interaction.user.id == self.asker_id:
            return self.answer.language
        return locale_language(interaction.locale) or self.answer.language

    @discord.ui.button(label="Translate quotes", style=discord.ButtonStyle.secondary, emoji="🌐")
    async def translate(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        language = self.target_language(interaction)
        target = InteractionTarget(interaction, ephemeral=True)
        async with self.bot.guard(target, language):
            self.bot.check_access(interaction)
            await interaction.response.defer(ephemeral=True, thinking=True)
            todo = [c for c in self.answer.citations
                    if self.languages.get(c.doc_id, language) != language]  # fmt: skip
            prompts = self.bot.prompts
            if not todo:
                await target.finish(paginate(prompts.message("already_in_language", language)))
                return
            texts = await self.bot.service.translate(
                [c.quote for c in todo], language, user_id=interaction.user.id
            )
            numbered = [(c.n, c.title or c.doc_id, text)
                        for c, text in zip(todo, texts, strict=True) if text.strip()]  # fmt: skip
            if not numbered:
                raise TranslationFailed()
            label = prompts.message("machine_translation", language)
            await target.finish(translation_pages(numbered, label=label))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item) -> None:
        language = locale_language(interaction.locale) or self.answer.language
        await self.bot.report_error(error, InteractionTarget(interaction, ephemeral=True), language)

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        try:
            await self.message.edit(view=None)
        except discord.HTTPException as exc:
            log.info("could not remove an expired translate button: %s", exc)
