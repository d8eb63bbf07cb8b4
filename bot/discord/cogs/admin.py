"""The admin commands: `/ingest` (an attached .txt, .md or .html file) and `/remove`.

Only the user ids in `[discord] admins` may use them, anywhere (even in DMs);
Discord shows them by default only to members with Manage Server. An upload of
another type or over the size limit is refused before it is downloaded. The
documents change through the `AnswerService`; nothing here touches the store.
Loaded by name: `bot.load_extension("bot.discord.cogs.admin")`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.discord.cogs.common import Host, document_choices
from bot.discord.format import paginate
from bot.errors import InputError
from retrieval.documents import MAX_DOCUMENT_BYTES, SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)


def check_upload(file: discord.Attachment) -> None:
    """Refuses a file articlebot cannot ingest, before it is downloaded."""
    if Path(file.filename).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(f"{file.filename}: unsupported file type", key="unsupported_file")
    if file.size > MAX_DOCUMENT_BYTES:
        limits = {"size": file.size, "limit": MAX_DOCUMENT_BYTES}
        raise InputError(f"{file.filename} is too large", key="file_too_large", values=limits)


class AdminCog(commands.Cog):
    """Changing the documents: configured admins only (`[discord] admins`), anywhere."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(
        name=_("ingest"),
        description=_("Admins: add a document from an attached .txt, .md or .html file."),
    )
    @app_commands.rename(file=_("file"))
    @app_commands.describe(file=_("The document to add."))
    @app_commands.default_permissions(manage_guild=True)
    async def ingest(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        prompts = self.bot.prompts
        async with self.bot.gate.open(interaction, ephemeral=True) as request:
            await request.start(admin=True, check=lambda: check_upload(file))
            data = await file.read()
            report = await self.bot.service.ingest(data, file.filename,
                                                   source=f"discord:{file.filename}")  # fmt: skip
            log.info("user %s ingested %s: %s", request.user_id, file.filename, report)
            language = request.language
            if report.added:
                text = prompts.message("ingest_added", language, doc_id=report.added[0],
                                       chunks=report.chunks)  # fmt: skip
            elif report.updated:
                text = prompts.message("ingest_updated", language, doc_id=report.updated[0],
                                       chunks=report.chunks)  # fmt: skip
            else:
                text = prompts.message("ingest_unchanged", language, doc_id=report.unchanged[0])
            await request.target.finish(paginate(text))

    @app_commands.command(name=_("remove"), description=_("Admins: remove a document."))
    @app_commands.rename(document=_("document"))
    @app_commands.describe(document=_("The document to remove (see /sources)."))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.autocomplete(document=document_choices)
    async def remove(self, interaction: discord.Interaction, document: str) -> None:
        async with self.bot.gate.open(interaction, ephemeral=True) as request:
            await request.start(admin=True)
            if not await self.bot.service.remove(document):
                raise InputError(f"no document {document!r}", key="unknown_document",
                                 values={"doc_id": document})  # fmt: skip
            log.info("user %s removed %s", request.user_id, document)
            text = self.bot.prompts.message("removed", request.language, doc_id=document)
            await request.target.finish(paginate(text))


async def setup(bot: Host) -> None:
    await bot.add_cog(AdminCog(bot))
