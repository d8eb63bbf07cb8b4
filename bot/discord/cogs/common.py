"""What the cogs share: the bot as they see it (`Host`) and the document autocomplete.

`Host` is the part of `ArticlebotBot` a cog may use, as a protocol, so the cogs
never import the bot module. Nothing here registers commands or sends messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.format import shorten

if TYPE_CHECKING:
    from bot.discord.access import AccessPolicy
    from bot.discord.gate import Gate
    from bot.discord.memory import ConversationMemory
    from bot.discord.responder import Responder
    from bot.prompting import PromptLibrary
    from bot.service import AnswerService
    from bot.settings import Settings


class Host(Protocol):
    """What a cog may use of the bot it runs in."""

    settings: Settings
    service: AnswerService
    prompts: PromptLibrary
    gate: Gate
    responder: Responder
    message_content: bool

    @property
    def access(self) -> AccessPolicy: ...

    @property
    def memory(self) -> ConversationMemory: ...

    @property
    def user(self) -> discord.ClientUser | None: ...

    @property
    def tree(self) -> app_commands.CommandTree: ...

    async def add_cog(self, cog: commands.Cog, /) -> None: ...


async def document_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for document options: ids and titles containing what was typed."""
    bot: Host = interaction.client  # type: ignore[assignment]
    if not bot.access.admits(interaction):
        return []
    docs = await bot.service.documents()
    typed = current.lower()
    return [
        app_commands.Choice(name=shorten(f"{d.doc_id} — {d.title}", 100), value=d.doc_id)
        for d in docs if typed in f"{d.doc_id} {d.title}".lower()
    ][:25]  # fmt: skip
