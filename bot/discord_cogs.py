"""articlebot's Discord commands and its message listener: thin glue over the service.

Every callback goes the same way: check the allow-lists (in memory, before
anything is queued), acknowledge the interaction with `defer(thinking=True)` (well
within Discord's 3 seconds, before any slow work), then hand the work to the
`AnswerService` through the bot's `Responder`. Errors leave through
`bot.guard(...)`, the bot's one error handler.

- `AskCog`: `/ask`, `/summary`, `/quote`, `/sources`, `/help`, and the message
  context menu "Ask articlebot about this".
- `AdminCog`: `/ingest` (an attached .txt, .md or .html file) and `/remove`, for
  the configured admins only.
- `ConversationCog`: @mentions, replies to an answer (the reply chain is the
  memory), direct messages, and messages in answer threads. Loaded only with
  the Message Content intent.

Names and descriptions are English `locale_str`s; `ArticlebotTranslator` gives
their German localisations.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.results import Turn
from bot.discord_format import (
    NO_MENTIONS,
    embeds_from_lines,
    locale_language,
    paginate,
    quote_pages,
    shorten,
)
from bot.discord_reply import InteractionTarget, MessageTarget
from bot.errors import InputError
from bot.language import NATIVE_NAMES, SUPPORTED
from retrieval.documents import MAX_DOCUMENT_BYTES, SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from bot.discord_bot import ArticlebotBot

log = logging.getLogger(__name__)

GERMAN = {
    # /ask
    "ask": "frage",
    "Answer a question about the articles, with word-for-word quotes.":
        "Beantwortet eine Frage zu den Artikeln, mit wörtlichen Zitaten.",
    "question": "frage",
    "Your question, in any language.": "Deine Frage, in jeder Sprache.",
    "document": "dokument",
    "Only use this document (see /sources).": "Nur dieses Dokument verwenden (siehe /quellen).",
    # /summary
    "summary": "zusammenfassung",
    "Summarise the articles, or only what they say about a focus.":
        "Fasst die Artikel zusammen, oder nur, was sie zu einem Thema sagen.",
    "language": "sprache",
    "Language of the summary.": "Sprache der Zusammenfassung.",
    "focus": "fokus",
    "Only what the articles say about this, e.g. Kursk.":
        "Nur, was die Artikel dazu sagen, z. B. Kursk.",
    # /quote
    "quote": "zitat",
    "The best passages word for word, instantly (no AI model).":
        "Die passendsten Stellen wörtlich, sofort (ohne KI-Modell).",
    "query": "suche",
    "What the passage is about.": "Worum es in der Stelle geht.",
    # /sources, /help
    "sources": "quellen",
    "List the ingested documents.": "Listet die eingelesenen Dokumente auf.",
    "help": "hilfe",
    "How to use articlebot.": "So benutzt du articlebot.",
    # admins
    "ingest": "einlesen",
    "Admins: add a document from an attached .txt, .md or .html file.":
        "Admins: ein Dokument aus einer angehängten .txt-, .md- oder .html-Datei hinzufügen.",
    "file": "datei",
    "The document to add.": "Das Dokument, das hinzugefügt wird.",
    "remove": "entfernen",
    "Admins: remove a document.": "Admins: ein Dokument entfernen.",
    "The document to remove (see /sources).": "Das Dokument, das entfernt wird (siehe /quellen).",
    # context menu
    "Ask articlebot about this": "articlebot dazu fragen",
}  # fmt: skip
TRANSLATIONS: dict[discord.Locale, dict[str, str]] = {discord.Locale.german: GERMAN}


class ArticlebotTranslator(app_commands.Translator):
    """Command names, descriptions and option names: English, with German localisations."""

    def __init__(self, table: dict[discord.Locale, dict[str, str]] | None = None) -> None:
        self.table = TRANSLATIONS if table is None else table

    async def translate(self, string: _, locale: discord.Locale, context) -> str | None:
        return self.table.get(locale, {}).get(string.message)


LANGUAGE_CHOICES = [app_commands.Choice(name=NATIVE_NAMES[code], value=code) for code in SUPPORTED]


async def document_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for document options: ids and titles containing what was typed."""
    bot: ArticlebotBot = interaction.client  # type: ignore[assignment]
    if not bot.allowed(interaction):
        return []
    docs = await bot.service.run_blocking(bot.library.store.documents)
    typed = current.lower()
    return [
        app_commands.Choice(name=shorten(f"{d.doc_id} — {d.title}", 100), value=d.doc_id)
        for d in docs if typed in f"{d.doc_id} {d.title}".lower()
    ][:25]  # fmt: skip


def strip_mentions(text: str, user_id: int) -> str:
    """The question without the mention of the bot (`<@id>` or `<@!id>`)."""
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


class AskCog(commands.Cog):
    def __init__(self, bot: ArticlebotBot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(
            name=_("Ask articlebot about this"), callback=self.ask_about_message
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)

    async def _ask(self, interaction: discord.Interaction, question: str, *,
                   document: str | None = None, open_thread: bool = False) -> None:  # fmt: skip
        bot = self.bot
        language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction)
        async with bot.guard(target, language):
            bot.check_access(interaction)
            await interaction.response.defer(thinking=True)
            doc_ids = await bot.check_documents(document)
            answer, sent = await bot.responder.run(
                target,
                lambda on_text, on_position: bot.service.ask(
                    question, user_id=interaction.user.id, doc_ids=doc_ids,
                    language_hint=locale_language(interaction.locale),
                    on_text=on_text, on_position=on_position,
                ),
                ui_language=language,
                asker_id=interaction.user.id,
            )  # fmt: skip
            # Follow-ups inside a thread are messages: without Message Content, no threads.
            wants_thread = bot.settings.discord.threads and bot.message_content and open_thread
            if (
                wants_thread
                and answer.answered
                and sent
                and isinstance(interaction.channel, discord.TextChannel)
            ):
                await bot.open_thread(sent[0], answer.question)

    @app_commands.command(
        name=_("ask"),
        description=_("Answer a question about the articles, with word-for-word quotes."),
    )
    @app_commands.rename(question=_("question"), document=_("document"))
    @app_commands.describe(
        question=_("Your question, in any language."),
        document=_("Only use this document (see /sources)."),
    )
    @app_commands.autocomplete(document=document_choices)
    async def ask(
        self, interaction: discord.Interaction, question: str, document: str | None = None
    ) -> None:
        await self._ask(interaction, question, document=document, open_thread=True)

    async def ask_about_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self._ask(interaction, message.content)

    @app_commands.command(
        name=_("summary"),
        description=_("Summarise the articles, or only what they say about a focus."),
    )
    @app_commands.rename(language=_("language"), focus=_("focus"), document=_("document"))
    @app_commands.describe(
        language=_("Language of the summary."),
        focus=_("Only what the articles say about this, e.g. Kursk."),
        document=_("Only use this document (see /sources)."),
    )
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @app_commands.autocomplete(document=document_choices)
    async def summary(self, interaction: discord.Interaction, language: str | None = None,
                      focus: str | None = None, document: str | None = None) -> None:  # fmt: skip
        bot = self.bot
        ui_language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction)
        async with bot.guard(target, ui_language):
            bot.check_access(interaction)
            await interaction.response.defer(thinking=True)
            doc_ids = await bot.check_documents(document)
            await bot.responder.run(
                target,
                lambda on_text, on_position: bot.service.summarize(
                    language=language or ui_language, focus=focus, doc_ids=doc_ids,
                    user_id=interaction.user.id, on_text=on_text, on_position=on_position,
                ),
                ui_language=ui_language,
                asker_id=interaction.user.id,
            )  # fmt: skip

    @app_commands.command(
        name=_("quote"), description=_("The best passages word for word, instantly (no AI model).")
    )
    @app_commands.rename(query=_("query"), document=_("document"))
    @app_commands.describe(
        query=_("What the passage is about."), document=_("Only use this document (see /sources).")
    )
    @app_commands.autocomplete(document=document_choices)
    async def quote(
        self, interaction: discord.Interaction, query: str, document: str | None = None
    ) -> None:
        bot = self.bot
        language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction)
        async with bot.guard(target, language):
            bot.check_access(interaction)
            await interaction.response.defer(thinking=True)
            doc_ids = await bot.check_documents(document)
            hits = await bot.service.quote(query, doc_ids=doc_ids)
            if hits:
                pages = quote_pages(hits, language, bot.prompts.message("quote_intro", language))
            else:
                pages = paginate(bot.prompts.message("not_found", language))
            await target.finish(pages)

    @app_commands.command(name=_("sources"), description=_("List the ingested documents."))
    async def sources(self, interaction: discord.Interaction) -> None:
        bot = self.bot
        language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction)
        async with bot.guard(target, language):
            bot.check_access(interaction)
            await interaction.response.defer(thinking=True)
            docs = await bot.service.run_blocking(bot.library.store.documents)
            if not docs:
                await target.finish(paginate(bot.prompts.message("no_documents", language)))
                return
            lines = [f"`{d.doc_id}` — {discord.utils.escape_markdown(d.title)} ({d.lang})"
                     for d in docs]  # fmt: skip
            title = bot.prompts.message("sources_title", language)
            await target.finish(paginate(None, embeds_from_lines(lines, title=title)))

    @app_commands.command(name=_("help"), description=_("How to use articlebot."))
    async def help(self, interaction: discord.Interaction) -> None:
        bot = self.bot
        language = bot.interaction_language(interaction)
        async with bot.guard(InteractionTarget(interaction), language):
            await interaction.response.send_message(
                bot.prompts.message("help", language), ephemeral=True, allowed_mentions=NO_MENTIONS
            )


class AdminCog(commands.Cog):
    """Changing the documents: configured admins only (`[discord] admins`), anywhere."""

    def __init__(self, bot: ArticlebotBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_("ingest"),
        description=_("Admins: add a document from an attached .txt, .md or .html file."),
    )
    @app_commands.rename(file=_("file"))
    @app_commands.describe(file=_("The document to add."))
    @app_commands.default_permissions(manage_guild=True)
    async def ingest(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        bot = self.bot
        language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction, ephemeral=True)
        async with bot.guard(target, language):
            bot.check_admin(interaction)
            if Path(file.filename).suffix.lower() not in SUPPORTED_SUFFIXES:
                raise InputError(f"{file.filename}: unsupported file type", key="unsupported_file")
            if file.size > MAX_DOCUMENT_BYTES:
                limits = {"size": file.size, "limit": MAX_DOCUMENT_BYTES}
                raise InputError(f"{file.filename} is too large", key="file_too_large",
                                 values=limits)  # fmt: skip
            await interaction.response.defer(ephemeral=True, thinking=True)
            data = await file.read()
            report = await bot.service.run_blocking(
                bot.library.ingest_bytes, data, file.filename, source=f"discord:{file.filename}"
            )
            log.info("user %s ingested %s: %s", interaction.user.id, file.filename, report)
            if report.added:
                text = bot.prompts.message("ingest_added", language, doc_id=report.added[0],
                                           chunks=report.chunks)  # fmt: skip
            elif report.updated:
                text = bot.prompts.message("ingest_updated", language, doc_id=report.updated[0],
                                           chunks=report.chunks)  # fmt: skip
            else:
                text = bot.prompts.message("ingest_unchanged", language, doc_id=report.unchanged[0])
            await target.finish(paginate(text))

    @app_commands.command(name=_("remove"), description=_("Admins: remove a document."))
    @app_commands.rename(document=_("document"))
    @app_commands.describe(document=_("The document to remove (see /sources)."))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.autocomplete(document=document_choices)
    async def remove(self, interaction: discord.Interaction, document: str) -> None:
        bot = self.bot
        language = bot.interaction_language(interaction)
        target = InteractionTarget(interaction, ephemeral=True)
        async with bot.guard(target, language):
            bot.check_admin(interaction)
            await interaction.response.defer(ephemeral=True, thinking=True)
            if not await bot.service.run_blocking(bot.library.remove, document):
                raise InputError(f"no document {document!r}", key="unknown_document",
                                 values={"doc_id": document})  # fmt: skip
            log.info("user %s removed %s", interaction.user.id, document)
            await target.finish(paginate(bot.prompts.message("removed", language, doc_id=document)))


class ConversationCog(commands.Cog):
    """Questions in messages: @mentions, replies to an answer, DMs, answer threads."""

    def __init__(self, bot: ArticlebotBot) -> None:
        self.bot = bot

    def is_answer_thread(self, channel) -> bool:
        me = self.bot.user
        return (self.bot.settings.discord.threads and isinstance(channel, discord.Thread)
                and me is not None and channel.owner_id == me.id)  # fmt: skip

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        bot, me = self.bot, self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        parent = resolved_reference(message)
        in_thread = self.is_answer_thread(message.channel)
        addressed = (
            message.guild is None
            or in_thread
            or any(user.id == me.id for user in message.mentions)
            or (parent is not None and parent.author.id == me.id)
        )
        if not addressed:
            return
        if not bot.allowed(message):
            log.debug("ignoring message %s: not on the allow-lists", message.id)
            return
        question = strip_mentions(message.content, me.id)
        if not question and parent is not None and parent.author.id != me.id:
            question = parent.content  # "@articlebot" under someone's message: ask about it
        hint = locale_language(message.guild.preferred_locale) if message.guild else None
        target = MessageTarget(message)
        async with bot.guard(target, hint or bot.settings.default_language) as guard:
            if question:
                guard.language = await bot.detect_language(question, hint)
            if in_thread:
                history = await self.thread_history(message)
            else:
                history = await self.reply_history(message)
            async with message.channel.typing():
                answer, _sent = await bot.responder.run(
                    target,
                    lambda on_text, on_position: bot.service.ask(
                        question, user_id=message.author.id, history=history,
                        language_hint=hint, on_text=on_text, on_position=on_position,
                    ),
                    ui_language=guard.language,
                    asker_id=message.author.id,
                )  # fmt: skip
            if in_thread and answer.answered:
                bot.memory.add_thread_turn(message.channel.id, Turn(answer.question, answer.answer))

    async def reply_history(self, message: discord.Message) -> list[Turn]:
        """Earlier exchanges, oldest first, read back along the reply chain."""
        me = self.bot.user
        depth = self.bot.settings.discord.history_depth
        turns: list[Turn] = []
        current: discord.Message | None = message
        while current is not None and len(turns) < depth:
            answer = await self.parent(current)
            if answer is None or me is None or answer.author.id != me.id:
                break
            asked = await self.parent(answer)
            turn = self.bot.memory.turn(answer.id)
            if turn is None:
                if asked is None or not answer.content:
                    break
                turn = Turn(strip_mentions(asked.content, me.id), answer.content)
            turns.append(turn)
            current = asked
        return turns[::-1]

    async def thread_history(self, message: discord.Message) -> list[Turn]:
        """An answer thread's exchanges: the /ask that opened it, then what followed."""
        thread = message.channel
        depth = self.bot.settings.discord.history_depth
        turns = self.bot.memory.thread_turns(thread.id)
        opening = self.bot.memory.turn(thread.id)  # a thread's id is its starter message's id
        if opening is None and not turns:
            starter = thread.starter_message
            if starter is None and isinstance(thread.parent, discord.TextChannel):
                try:
                    starter = await thread.parent.fetch_message(thread.id)
                except discord.HTTPException:
                    starter = None
            if starter is not None and starter.content:
                opening = Turn(thread.name, starter.content)
        history = ([opening] if opening else []) + turns
        return history[-depth:] if depth else []

    async def parent(self, message: discord.Message) -> discord.Message | None:
        """The message `message` replies to, from the cache or fetched; None if gone."""
        found = resolved_reference(message)
        if found is not None or message.reference is None or message.reference.message_id is None:
            return found
        cached = message.reference.cached_message
        if cached is not None:
            return cached
        try:
            return await message.channel.fetch_message(message.reference.message_id)
        except discord.HTTPException:
            return None


def resolved_reference(message: discord.Message) -> discord.Message | None:
    reference = message.reference
    if reference is None:
        return None
    resolved = reference.resolved
    return resolved if isinstance(resolved, discord.Message) else None
