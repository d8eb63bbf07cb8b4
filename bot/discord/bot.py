"""The Discord bot: a `commands.Bot` over the answering service, and its command tree.

`ArticlebotBot` takes its collaborators as keyword-only arguments: the settings,
the async `AnswerService` (answers, quotes, documents, language detection) and
the prompts; for tests, the conversation memory, a clock and a sleep; and a
blocking warm-up to run once logged in. From them it builds what every cog
shares: the access policy and the one error handler inside the `gate` (the
common opening of every interaction), and the `Responder`. In `setup_hook` it
loads its cogs as extensions by name: `bot.discord.cogs.ask` and `.admin`
always, `.conversation` (mentions, replies, DMs, answer threads) only with the
privileged Message Content intent; then it syncs the slash commands and warms
the models in the background. `make_bot` picks `AutoShardedBot` when
`[discord] sharded` is set. `shutdown()` (SIGTERM, Ctrl-C) delivers the answers
being written before it closes; waiting and new requests are told it is busy.

It knows nothing of `App`, the store or the answerer: `bot.discord.run` builds
it. No other module of `bot.discord` imports this one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.access import AccessPolicy
from bot.discord.errors import ErrorReporter
from bot.discord.format import NO_MENTIONS
from bot.discord.gate import Gate
from bot.discord.memory import ConversationMemory
from bot.discord.responder import Responder
from bot.discord.targets import InteractionTarget
from bot.discord.translations import ArticlebotTranslator
from bot.errors import USER_ERRORS

if TYPE_CHECKING:
    from bot.prompting import PromptLibrary
    from bot.service import AnswerService
    from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.discord.cogs.ask", "bot.discord.cogs.admin")
MESSAGE_EXTENSIONS = ("bot.discord.cogs.conversation",)  # need the Message Content intent


class ArticlebotTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Errors the callbacks did not catch themselves (conversions, checks)."""
        gate: Gate = self.client.gate  # type: ignore[attr-defined]
        original = getattr(error, "original", error)
        await gate.errors.report(original, InteractionTarget(interaction),
                                 gate.language(interaction))  # fmt: skip


class ArticlebotBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        service: AnswerService,
        prompts: PromptLibrary,
        memory: ConversationMemory | None = None,
        message_content: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        warm: Callable[[], float] | None = None,
        **options,
    ) -> None:
        d = settings.discord
        # articlebot has no voice: discord.py would warn on every start that its libraries
        # are missing, and a start-up error should be the only line a user sees.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        self.message_content = d.message_content if message_content is None else message_content
        intents = discord.Intents.default()
        intents.message_content = self.message_content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,  # the default for every send and edit
            help_command=None,
            tree_cls=ArticlebotTree,
            **options,
        )
        self.settings = settings
        self.service = service
        self.prompts = prompts
        self.gate = Gate(AccessPolicy.from_settings(d), ErrorReporter(prompts), service,
                         settings.default_language)  # fmt: skip
        self.responder = Responder(
            service, prompts, memory or ConversationMemory(d.memory_size), gate=self.gate,
            stream_interval_s=d.stream_interval_s, button_timeout_s=d.button_timeout_s,
            clock=clock, sleep=sleep,
        )  # fmt: skip
        self.warm = warm
        self._warming: asyncio.Future | None = None

    @property
    def access(self) -> AccessPolicy:
        return self.gate.access

    @access.setter
    def access(self, policy: AccessPolicy) -> None:
        self.gate.access = policy

    @property
    def memory(self) -> ConversationMemory:
        return self.responder.memory

    @memory.setter
    def memory(self, memory: ConversationMemory) -> None:
        self.responder.memory = memory

    def extension_names(self) -> tuple[str, ...]:
        """The cogs to load: the message listener only with the Message Content intent."""
        return EXTENSIONS + (MESSAGE_EXTENSIONS if self.message_content else ())

    async def setup_hook(self) -> None:
        await self.tree.set_translator(ArticlebotTranslator())
        for name in self.extension_names():
            await self.load_extension(name)
        if not self.message_content:
            log.info("Message Content intent off: slash commands and the context menu only")
        if self.settings.discord.sync_commands:
            await self.sync_commands()
        if self.warm is not None and self._warming is None:
            self._warming = asyncio.ensure_future(self._warm_up(self.warm))

    async def _warm_up(self, warm: Callable[[], float]) -> None:
        """Loads the models in the background once logged in, so the first question is fast."""
        try:
            seconds = await asyncio.to_thread(warm)
            log.info("models warmed up in %.1f s", seconds)
        except USER_ERRORS as exc:
            log.error("could not warm up the models: %s", exc)
        except Exception:
            log.exception("could not warm up the models")

    async def close(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
        await super().close()

    async def shutdown(self, grace_s: float | None = None) -> None:
        """Closes once the requests in flight are done, so an answer being written is still
        delivered (at most `grace_s`, by default the generation budget: the process cannot
        end before a running generation anyway). Requests waiting for the model, and new
        ones, are told the bot is busy."""
        await self.service.close()
        grace = self.settings.generation_timeout_s if grace_s is None else grace_s
        in_flight = self.gate.errors.in_flight
        if in_flight:
            log.info("delivering %d requests in flight before closing", len(in_flight))
        if not await in_flight.drain(grace):
            log.warning("closing with %d requests still in flight after %.0f s",
                        len(in_flight), grace)  # fmt: skip
        await self.close()

    async def sync_commands(self) -> None:
        guild_id = self.settings.discord.sync_guild
        try:
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
            else:
                synced = await self.tree.sync()
                log.info("synced %d global commands (they may take a while to appear)", len(synced))
        except discord.HTTPException as exc:
            log.error("could not sync the slash commands (%s); is the bot in guild %s, invited "
                      "with the applications.commands scope?", exc, guild_id)  # fmt: skip

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d guilds", self.user, getattr(self.user, "id", "?"),
                 len(self.guilds))  # fmt: skip

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: questions in messages are `ConversationCog`'s."""

    async def on_error(self, event_method: str, /, *args, **kwargs) -> None:
        log.exception("unhandled error in %s", event_method)


class ShardedArticlebotBot(ArticlebotBot, commands.AutoShardedBot):
    """The same bot on `AutoShardedClient`: discord.py recommends it past ~1,000 guilds."""


def make_bot(*, settings: Settings, **collaborators) -> ArticlebotBot:
    cls = ShardedArticlebotBot if settings.discord.sharded else ArticlebotBot
    return cls(settings=settings, **collaborators)
