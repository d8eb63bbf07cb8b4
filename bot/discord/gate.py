"""The common opening of every slash command, context menu and button press.

Every interaction passes the same gate before any work: the allow-lists (or the
admin list), the user's language (their Discord locale, else the default), the
one error handler around everything that follows, the acknowledgement
(`defer(thinking=True)`, well within Discord's 3 seconds and before anything
slow), and, for a `[document]` option, the check that it names an ingested
document. A command reads:

    async with gate.open(interaction) as request:
        doc_ids = await request.start(document=document)
        ...  # the command's own work; any error becomes a message in request.language

The gate queues, answers and formats nothing, and knows no bot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import discord

from bot.discord.format import locale_language
from bot.discord.targets import InteractionTarget
from bot.errors import InputError

if TYPE_CHECKING:
    from bot.discord.access import AccessPolicy
    from bot.discord.errors import ErrorReporter, Guard
    from retrieval.store import DocumentInfo


class DocumentSource(Protocol):
    async def documents(self) -> list[DocumentInfo]: ...


@dataclass
class Gate:
    """What every interaction passes. `access` may be replaced while the bot runs."""

    access: AccessPolicy
    errors: ErrorReporter
    service: DocumentSource  # the AnswerService
    default_language: str

    def language(self, interaction: discord.Interaction) -> str:
        """The user's language: their Discord locale when articlebot speaks it."""
        return locale_language(interaction.locale) or self.default_language

    def open(self, interaction: discord.Interaction, *, ephemeral: bool = False,
             language: str | None = None) -> CommandRequest:  # fmt: skip
        return CommandRequest(self, interaction, ephemeral=ephemeral,
                              language=language or self.language(interaction))  # fmt: skip

    async def document_filter(self, document: str | None) -> list[str] | None:
        """`[document]` when it is ingested (raises a user message otherwise); None for all."""
        if not document:
            return None
        if document not in {d.doc_id for d in await self.service.documents()}:
            raise InputError(f"no document {document!r}", key="unknown_document",
                             values={"doc_id": document})  # fmt: skip
        return [document]


class CommandRequest:
    """One interaction after the gate: its reply target, language and guard."""

    def __init__(self, gate: Gate, interaction: discord.Interaction, *, ephemeral: bool,
                 language: str) -> None:  # fmt: skip
        self.gate = gate
        self.interaction = interaction
        self.language = language
        self.target = InteractionTarget(interaction, ephemeral=ephemeral)
        self.guard: Guard = gate.errors.guard(self.target, language)

    @property
    def user_id(self) -> int:
        return self.interaction.user.id

    async def __aenter__(self) -> CommandRequest:
        return self

    async def __aexit__(self, exc_type, error, traceback) -> bool:
        return await self.guard.__aexit__(exc_type, error, traceback)

    async def start(self, *, document: str | None = None, admin: bool = False,
                    check: Callable[[], None] | None = None) -> list[str] | None:  # fmt: skip
        """Checks access (or admin rights) and `check`, acknowledges, checks `document`.

        Returns the document filter for the service: `[document]`, or None for all."""
        if admin:
            self.gate.access.check_admin(self.interaction)
        else:
            self.gate.access.check(self.interaction)
        if check is not None:
            check()  # the command's own checks, before the acknowledgement
        if self.target.ephemeral:
            await self.interaction.response.defer(ephemeral=True, thinking=True)
        else:
            await self.interaction.response.defer(thinking=True)
        return await self.gate.document_filter(document)
