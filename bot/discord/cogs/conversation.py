"""Questions in messages: @mentions, replies to an answer, direct messages, answer threads.

A message is answered when it is addressed to the bot (a DM, a mention, a reply
to one of its answers, or any message in an answer thread) and the allow-lists
let it in. One addressed to it but refused by the lists gets a short refusal in a
DM or in a channel the bot serves, before anything is queued; in other channels it
is ignored silently, as is anything not addressed to it. The reply chain (or the thread)
is the conversation's memory: earlier exchanges come from the bot's
`ConversationMemory`, or are read back from Discord after a restart. Needs the
privileged Message Content intent, so the bot loads this extension only with it:
`bot.load_extension("bot.discord.cogs.conversation")`.
"""

from __future__ import annotations

import logging
import re

import discord
from discord.ext import commands

from bot.discord.access import AccessDenied
from bot.discord.cogs.common import Host
from bot.discord.format import locale_language
from bot.discord.targets import MessageTarget
from bot.results import Turn

log = logging.getLogger(__name__)


def strip_mentions(text: str, user_id: int) -> str:
    """The question without the mention of the bot (`<@id>` or `<@!id>`)."""
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


def resolved_reference(message: discord.Message) -> discord.Message | None:
    reference = message.reference
    if reference is None:
        return None
    resolved = reference.resolved
    return resolved if isinstance(resolved, discord.Message) else None


class ConversationCog(commands.Cog):
    """Questions in messages: @mentions, replies to an answer, DMs, answer threads."""

    def __init__(self, bot: Host) -> None:
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
        question = strip_mentions(message.content, me.id)
        if not question and parent is not None and parent.author.id != me.id:
            question = parent.content  # "@articlebot" under someone's message: ask about it
        if not bot.access.admits(message):
            if bot.access.may_refuse_in(message):
                await self.refuse(message, question)
            else:
                log.debug("ignoring message %s: not on the allow-lists", message.id)
            return
        await self.answer(message, question, in_thread=in_thread)

    async def refuse(self, message: discord.Message, question: str) -> None:
        """A short refusal in the question's language; nothing is queued."""
        bot = self.bot
        hint = locale_language(message.guild.preferred_locale) if message.guild else None
        language = hint or bot.settings.default_language
        async with bot.gate.errors.guard(MessageTarget(message), language) as guard:
            if question:
                guard.language = await bot.service.detect_language(question, hint)
            log.info("refusing message %s in channel %s: not on the allow-lists", message.id,
                     message.channel.id)  # fmt: skip
            raise AccessDenied()

    async def answer(self, message: discord.Message, question: str, *, in_thread: bool) -> None:
        """The message's opening (language, guard, history, typing), then the answer."""
        bot = self.bot
        hint = locale_language(message.guild.preferred_locale) if message.guild else None
        target = MessageTarget(message)
        async with bot.gate.errors.guard(target, hint or bot.settings.default_language) as guard:
            if question:
                guard.language = await bot.service.detect_language(question, hint)
            if in_thread:
                history = await self.thread_history(message)
            else:
                history = await self.reply_history(message)
            log.info("answering message %s in channel %s with %d earlier exchanges", message.id,
                     message.channel.id, len(history))  # fmt: skip
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


async def setup(bot: Host) -> None:
    await bot.add_cog(ConversationCog(bot))
