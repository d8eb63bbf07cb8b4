"""How one answer reaches Discord: queued, streamed, delivered, remembered.

The `Responder` runs one request of the `AnswerService` for a reply target: it
shows the place in line while the request waits, streams the text through a
`ThrottledEditor`, then delivers the final pages (answer text, then the quotes
as an embed) and remembers the exchange, so a reply to it is a follow-up. Under
an answer whose quotes are in another language than the answer, a
`TranslateView` button shows them machine-translated, to the person who clicked
only; the answer and its verbatim quotes are never changed.

It takes the service, the prompts and the memory (and the gate, for the
button's own opening), never the bot. Nothing here queues, prompts or
retrieves: that is the service's job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.discord.format import (
    answer_pages,
    locale_language,
    ordinal,
    paginate,
    stream_preview,
    translation_pages,
)
from bot.discord.streaming import ThrottledEditor
from bot.discord.targets import InteractionTarget
from bot.errors import ArticlebotError
from bot.results import Answer, Turn

if TYPE_CHECKING:
    from bot.discord.gate import Gate
    from bot.discord.memory import ConversationMemory
    from bot.discord.targets import ReplyTarget
    from bot.prompting import PromptLibrary
    from bot.service import AnswerService

log = logging.getLogger(__name__)

Run = Callable[[Callable[[str], None], Callable[[int], None]], Awaitable[Answer]]


class Responder:
    """Runs one service request for one target, from place in line to final pages."""

    def __init__(
        self,
        service: AnswerService,
        prompts: PromptLibrary,
        memory: ConversationMemory,
        *,
        gate: Gate,
        stream_interval_s: float = 1.0,
        button_timeout_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.service = service
        self.prompts = prompts
        self.memory = memory
        self.gate = gate
        self.stream_interval_s = stream_interval_s
        self.button_timeout_s = button_timeout_s
        self.clock = clock
        self.sleep = sleep

    def editor(self, target: ReplyTarget) -> ThrottledEditor:
        return ThrottledEditor(target.progress, interval=self.stream_interval_s,
                               clock=self.clock, sleep=self.sleep)  # fmt: skip

    async def run(
        self, target: ReplyTarget, run: Run, *, ui_language: str, asker_id: int
    ) -> tuple[Answer, list[discord.Message]]:
        editor = self.editor(target)

        def on_text(text: str) -> None:
            # What the message would show, so a token that changes nothing visible (a space,
            # a line break) costs no edit.
            editor.update(stream_preview(text))

        def on_position(position: int) -> None:
            editor.update(self.prompts.message("queue_position", ui_language, position=position,
                                               ordinal=ordinal(position)))  # fmt: skip

        try:
            answer = await run(on_text, on_position)
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
            self.memory.remember([m.id for m in sent], Turn(answer.question, answer.answer))
        return answer, sent

    async def translate_view(self, answer: Answer, asker_id: int) -> TranslateView | None:
        if not answer.citations:
            return None
        languages = {d.doc_id: d.lang for d in await self.service.documents()}
        if all(
            languages.get(c.doc_id, answer.language) == answer.language for c in answer.citations
        ):
            return None
        return TranslateView(self, answer=answer, asker_id=asker_id, languages=languages)


class TranslationFailed(ArticlebotError):
    def __init__(self) -> None:
        super().__init__("no translation was kept (empty, or withheld by the translation check)",
                         key="translation_failed")


class TranslateView(discord.ui.View):
    """The "Translate quotes" button: the quotes machine-translated, for the clicker only.

    The answer message, with its verbatim quotes, is never changed."""

    def __init__(self, responder: Responder, *, answer: Answer, asker_id: int,
                 languages: dict[str, str]) -> None:  # fmt: skip
        super().__init__(timeout=responder.button_timeout_s)
        self.responder = responder
        self.answer = answer
        self.asker_id = asker_id
        self.languages = languages
        self.message: discord.Message | None = None
        self.translate.label = responder.prompts.message("translate_button", answer.language)

    def target_language(self, interaction: discord.Interaction) -> str:
        """The asker gets the answer's language; anyone else their Discord language."""
        if interaction.user.id == self.asker_id:
            return self.answer.language
        return locale_language(interaction.locale) or self.answer.language

    @discord.ui.button(label="Translate quotes", style=discord.ButtonStyle.secondary, emoji="🌐")
    async def translate(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        language = self.target_language(interaction)
        prompts = self.responder.prompts
        gate = self.responder.gate
        async with gate.open(interaction, ephemeral=True, language=language) as request:
            await request.start()
            todo = [c for c in self.answer.citations
                    if self.languages.get(c.doc_id, language) != language]  # fmt: skip
            if not todo:
                text = prompts.message("already_in_language", language)
                await request.target.finish(paginate(text))
                return
            texts = await self.responder.service.translate(
                [c.quote for c in todo], language, user_id=interaction.user.id
            )
            numbered = [(c.n, c.title or c.doc_id, text)
                        for c, text in zip(todo, texts, strict=True) if text.strip()]  # fmt: skip
            if not numbered:
                raise TranslationFailed()
            label = prompts.message("machine_translation", language)
            await request.target.finish(translation_pages(numbered, label=label))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item) -> None:
        language = locale_language(interaction.locale) or self.answer.language
        await self.responder.gate.errors.report(
            error, InteractionTarget(interaction, ephemeral=True), language
        )

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        try:
            await self.message.edit(view=None)
        except discord.HTTPException as exc:
            log.info("could not remove an expired translate button: %s", exc)
