"""The question commands: `/ask`, `/summary`, `/quote`, `/sources`, `/help`, and the
message context menu "Ask articlebot about this".

Every callback opens with the bot's gate (access, language, guard, `defer`), then
hands the work to the `AnswerService`: answers through the `Responder`, quotes and
the documents list straight from the service. In thread mode, each `/ask` in a
channel opens a thread on its answer. Admin commands and messages are other
extensions. Loaded by name: `bot.load_extension("bot.discord.cogs.ask")`.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.discord.cogs.common import Host, document_choices
from bot.discord.format import (
    NO_MENTIONS,
    THREAD_NAME_LIMIT,
    embeds_from_lines,
    locale_language,
    paginate,
    quote_pages,
    shorten,
)
from bot.lexicon import NATIVE_NAMES, SUPPORTED

log = logging.getLogger(__name__)

LANGUAGE_CHOICES = [app_commands.Choice(name=NATIVE_NAMES[code], value=code) for code in SUPPORTED]


class AskCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
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
        async with bot.gate.open(interaction) as request:
            doc_ids = await request.start(document=document)
            answer, sent = await bot.responder.run(
                request.target,
                lambda on_text, on_position: bot.service.ask(
                    question, user_id=request.user_id, doc_ids=doc_ids,
                    language_hint=locale_language(interaction.locale),
                    on_text=on_text, on_position=on_position,
                ),
                ui_language=request.language,
                asker_id=request.user_id,
            )  # fmt: skip
            # Follow-ups inside a thread are messages: without Message Content, no threads.
            wants_thread = bot.settings.discord.threads and bot.message_content and open_thread
            if (
                wants_thread
                and answer.answered
                and sent
                and isinstance(interaction.channel, discord.TextChannel)
            ):
                await start_thread(sent[0], answer.question)

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
        async with bot.gate.open(interaction) as request:
            doc_ids = await request.start(document=document)
            await bot.responder.run(
                request.target,
                lambda on_text, on_position: bot.service.summarize(
                    language=language or request.language, focus=focus, doc_ids=doc_ids,
                    user_id=request.user_id, on_text=on_text, on_position=on_position,
                ),
                ui_language=request.language,
                asker_id=request.user_id,
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
        prompts = self.bot.prompts
        async with self.bot.gate.open(interaction) as request:
            doc_ids = await request.start(document=document)
            hits = await self.bot.service.quote(query, doc_ids=doc_ids)
            language = request.language
            if hits:
                pages = quote_pages(hits, language, prompts.message("quote_intro", language))
            else:
                pages = paginate(prompts.message("not_found", language))
            await request.target.finish(pages)

    @app_commands.command(name=_("sources"), description=_("List the ingested documents."))
    async def sources(self, interaction: discord.Interaction) -> None:
        prompts = self.bot.prompts
        async with self.bot.gate.open(interaction) as request:
            await request.start()
            docs = await self.bot.service.documents()
            if not docs:
                text = prompts.message("no_documents", request.language)
                await request.target.finish(paginate(text))
                return
            lines = [f"`{d.doc_id}` — {discord.utils.escape_markdown(d.title)} ({d.lang})"
                     for d in docs]  # fmt: skip
            title = prompts.message("sources_title", request.language)
            await request.target.finish(paginate(None, embeds_from_lines(lines, title=title)))

    @app_commands.command(name=_("help"), description=_("How to use articlebot."))
    async def help(self, interaction: discord.Interaction) -> None:
        async with self.bot.gate.open(interaction) as request:  # answers at once: no defer
            await interaction.response.send_message(
                self.bot.prompts.message("help", request.language), ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )  # fmt: skip


async def start_thread(message: discord.Message, question: str) -> discord.Thread | None:
    """Opens a thread on an answer; follow-ups inside need no @ and no reply."""
    try:
        return await message.create_thread(name=shorten(question, THREAD_NAME_LIMIT))
    except discord.HTTPException as exc:
        log.warning("could not open a thread in channel %s (the bot needs Create Public "
                    "Threads): %s", message.channel.id, exc)  # fmt: skip
        return None


async def setup(bot: Host) -> None:
    await bot.add_cog(AskCog(bot))
