"""Where a reply goes in Discord: an interaction or a message, behind one protocol.

A `ReplyTarget` has one progress message (place in line, the streamed answer),
the final pages, and a short error message. `InteractionTarget` answers a slash
command, context menu or button after `defer` (edits the original response,
then follow-ups; an expired interaction's answer is posted in its channel);
`MessageTarget` replies to a mention, reply, DM or thread message (and posts the
answer as a new reply when its progress message cannot be edited).

Every send and edit passes `allowed_mentions=none`. A reply that cannot be
delivered is logged with where it was going, never dropped silently. This module
decides no layout (that is `format`) and knows no bot.
"""

from __future__ import annotations

import logging
from typing import Protocol

import discord

from bot.discord.format import NO_MENTIONS, Page

log = logging.getLogger(__name__)


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
                    message = await self._edit_or_repost(page, kwargs)
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

    async def _edit_or_repost(self, page: Page, kwargs: dict) -> discord.Message:
        """The progress message becomes the answer; if it cannot be edited, the answer is
        posted as a new reply instead of being lost behind a half-streamed text."""
        assert self.sent is not None
        try:
            return await self.sent.edit(**kwargs)
        except discord.HTTPException as exc:
            log.warning("could not edit the reply %s in channel %s (%s): posting the answer "
                        "again", self.sent.id, self.message.channel.id, exc)  # fmt: skip
        repost = _send_kwargs(page)
        if "view" in kwargs:
            repost["view"] = kwargs["view"]
        self.sent = await self._reply(**repost)
        return self.sent

    async def fail(self, text: str) -> None:
        if self.sent is None:
            self.sent = await self._reply(content=text, allowed_mentions=NO_MENTIONS)
        else:
            await self.sent.edit(content=text, embeds=[], view=None, allowed_mentions=NO_MENTIONS)
