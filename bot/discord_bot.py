"""articlebot in Discord: the bot, its one error handler, and how it starts and stops.

`ArticlebotBot` is a `commands.Bot` that takes its collaborators as keyword
arguments (settings, the async `AnswerService`, the document library, prompts,
the language detector) and loads its cogs in `setup_hook`: slash commands and
the context menu always, the message listener (mentions, replies, DMs, answer
threads) only with the privileged Message Content intent. `make_bot` picks
`AutoShardedBot` when `[discord] sharded` is set.

Errors from every command, button and message end in `report_error`: an
`ArticlebotError` becomes its short message from `prompts/messages.toml` in the
user's language; anything else is logged with its traceback and the user sees
a generic apology.

`run_bot(app)` is the entry point of `articlebot serve` and `articlebot run`:
it reads the token from `DISCORD_TOKEN` or the file named by `DISCORD_TOKEN_FILE`
(never from the settings, never logged), runs `main()` until Ctrl-C or
SIGTERM, and turns a missing or rejected token, an unreachable Discord or a
refused intent into a one-line `ArticlebotError`. 429s and dropped connections
are discord.py's to retry.

This module, `discord_cogs`, `discord_reply` and `discord_format` are the only
ones that import discord.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_format import NO_MENTIONS, THREAD_NAME_LIMIT, locale_language, shorten
from bot.discord_reply import (
    AccessDenied,
    AdminOnly,
    ConversationMemory,
    InteractionTarget,
    ReplyTarget,
    Responder,
)
from bot.errors import INPUT_ERRORS, USER_ERRORS, ArticlebotError, InputError
from bot.prompting import PromptError

if TYPE_CHECKING:
    from bot.app import App
    from bot.language import LanguageDetector
    from bot.prompting import PromptLibrary
    from bot.service import AnswerService
    from bot.settings import DiscordSettings, Settings

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_TOKEN"
TOKEN_FILE_ENV = "DISCORD_TOKEN_FILE"
# The shape of a bot token (base64 user id . timestamp . HMAC), for redaction and tests.
TOKEN_PATTERN = re.compile(r"[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,}")


# -- who may use it ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessPolicy:
    """The `[discord]` allow-lists. Empty lists mean everyone; DMs have their own switch."""

    guilds: frozenset[int] = frozenset()
    channels: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    admins: frozenset[int] = frozenset()
    allow_dms: bool = True

    @classmethod
    def from_settings(cls, settings: DiscordSettings) -> AccessPolicy:
        return cls(frozenset(settings.allowed_guilds), frozenset(settings.allowed_channels),
                   frozenset(settings.allowed_roles), frozenset(settings.admins),
                   settings.allow_dms)  # fmt: skip

    def allows(self, *, guild_id: int | None, channel_ids: set[int], role_ids: set[int]) -> bool:
        if guild_id is None:
            return self.allow_dms
        if self.guilds and guild_id not in self.guilds:
            return False
        if self.channels and not channel_ids & self.channels:
            return False
        return not self.roles or bool(role_ids & self.roles)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins


class _Guard:
    """`async with bot.guard(target, language)`: errors inside become a user message."""

    def __init__(self, bot: ArticlebotBot, target: ReplyTarget, language: str) -> None:
        self.bot = bot
        self.target = target
        self.language = language

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type, error, traceback) -> bool:
        if error is None or not isinstance(error, Exception):
            return False  # cancellation and exits go on
        await self.bot.report_error(error, self.target, self.language)
        return True


class ArticlebotTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Errors the callbacks did not catch themselves (conversions, checks)."""
        bot: ArticlebotBot = self.client  # type: ignore[assignment]
        original = getattr(error, "original", error)
        await bot.report_error(original, InteractionTarget(interaction),
                               bot.interaction_language(interaction))  # fmt: skip


# -- the bot -----------------------------------------------------------------------------


class ArticlebotBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        service: AnswerService,
        library: App,
        prompts: PromptLibrary,
        detector: LanguageDetector,
        memory: ConversationMemory | None = None,
        message_content: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        warm: Callable[[], float] | None = None,
        **options,
    ) -> None:
        d = settings.discord
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
        self.library = library
        self.prompts = prompts
        self.detector = detector
        self.memory = memory or ConversationMemory(d.memory_size)
        self.access = AccessPolicy.from_settings(d)
        self.clock = clock
        self.sleep = sleep
        self.warm = warm
        self._warming: asyncio.Future | None = None
        self.responder = Responder(self)

    async def setup_hook(self) -> None:
        from bot.discord_cogs import AdminCog, ArticlebotTranslator, AskCog, ConversationCog

        await self.tree.set_translator(ArticlebotTranslator())
        await self.add_cog(AskCog(self))
        await self.add_cog(AdminCog(self))
        if self.message_content:
            await self.add_cog(ConversationCog(self))
        else:
            log.info("Message Content intent off: slash commands and the context menu only")
        if self.settings.discord.sync_commands:
            await self.sync_commands()
        if self.warm is not None and self._warming is None:
            self._warming = asyncio.ensure_future(self._warm_up())

    async def _warm_up(self) -> None:
        """Loads the models in the background once logged in, so the first question is fast."""
        try:
            seconds = await self.service.run_blocking(self.warm)
            log.info("models warmed up in %.1f s", seconds)
        except USER_ERRORS as exc:
            log.error("could not warm up the models: %s", exc)
        except Exception:
            log.exception("could not warm up the models")

    async def close(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
        await super().close()

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

    # -- the one error handler ----------------------------------------------------------

    def guard(self, target: ReplyTarget, language: str) -> _Guard:
        return _Guard(self, target, language)

    def describe_error(self, error: BaseException, language: str) -> str:
        """The user's message for `error`; logs what the operator needs."""
        if isinstance(error, USER_ERRORS):
            if error.key:
                try:
                    return self.prompts.message(error.key, language, **error.values)
                except PromptError:
                    log.error("no usable message %r for %s", error.key, type(error).__name__)
            if isinstance(error, INPUT_ERRORS):
                return str(error)  # written for the person asking
            log.error("request failed: %s", error)
        else:
            log.error("unexpected error while answering", exc_info=error)
        return self.prompts.message("error", language)

    async def report_error(self, error: BaseException, target: ReplyTarget, language: str) -> None:
        text = self.describe_error(error, language)
        try:
            await target.fail(text)
        except discord.HTTPException as exc:
            log.error("could not show an error message to the user (%s): %s", text, exc)

    # -- checks -------------------------------------------------------------------------

    def allowed(self, source: discord.Interaction | discord.Message) -> bool:
        """Whether the allow-lists let this interaction or message in."""
        if isinstance(source, discord.Interaction):
            user, guild_id, channel_id = source.user, source.guild_id, source.channel_id
        else:
            user, channel_id = source.author, source.channel.id
            guild_id = source.guild.id if source.guild else None
        channel_ids = {channel_id, getattr(source.channel, "parent_id", None)} - {None}
        roles = {role.id for role in getattr(user, "roles", ())}
        return self.access.allows(guild_id=guild_id, channel_ids=channel_ids, role_ids=roles)

    def check_access(self, interaction: discord.Interaction) -> None:
        if not self.allowed(interaction):
            raise AccessDenied()

    def check_admin(self, interaction: discord.Interaction) -> None:
        if not self.access.is_admin(interaction.user.id):
            log.info("user %s is not an admin", interaction.user.id)
            raise AdminOnly()

    async def check_documents(self, document: str | None) -> list[str] | None:
        """`[document]` when it is ingested (raises a user message otherwise); None for all."""
        if not document:
            return None
        docs = await self.service.run_blocking(self.library.store.documents)
        if document not in {d.doc_id for d in docs}:
            raise InputError(f"no document {document!r}", key="unknown_document",
                             values={"doc_id": document})  # fmt: skip
        return [document]

    # -- helpers for the cogs -----------------------------------------------------------

    def interaction_language(self, interaction: discord.Interaction) -> str:
        return locale_language(interaction.locale) or self.settings.default_language

    async def detect_language(self, text: str, hint: str | None) -> str:
        return await self.service.run_blocking(self.detector.detect, text, hint)

    async def document_languages(self) -> dict[str, str]:
        docs = await self.service.run_blocking(self.library.store.documents)
        return {d.doc_id: d.lang for d in docs}

    async def open_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """Opens a thread on an answer; follow-ups inside need no @ and no reply."""
        try:
            return await message.create_thread(name=shorten(question, THREAD_NAME_LIMIT))
        except discord.HTTPException as exc:
            log.warning("could not open a thread in channel %s (the bot needs Create Public "
                        "Threads): %s", message.channel.id, exc)  # fmt: skip
            return None


class ShardedArticlebotBot(ArticlebotBot, commands.AutoShardedBot):
    """The same bot on `AutoShardedClient`: discord.py recommends it past ~1,000 guilds."""


def make_bot(*, settings: Settings, **collaborators) -> ArticlebotBot:
    cls = ShardedArticlebotBot if settings.discord.sharded else ArticlebotBot
    return cls(settings=settings, **collaborators)


# -- the token -------------------------------------------------------------------------------


def read_token(environ: Mapping[str, str] | None = None) -> str:
    """The bot token from DISCORD_TOKEN, or from the file DISCORD_TOKEN_FILE names."""
    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENV, "").strip()
    if not token and environ.get(TOKEN_FILE_ENV):
        path = Path(environ[TOKEN_FILE_ENV]).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ArticlebotError(
                f"cannot read the token file {path} named by {TOKEN_FILE_ENV} "
                f"({exc.strerror or type(exc).__name__})"
            ) from None
        if not token:
            raise ArticlebotError(f"the token file {path} named by {TOKEN_FILE_ENV} is empty")
    if not token:
        raise ArticlebotError(
            f"{TOKEN_ENV} is not set: export {TOKEN_ENV} with the bot token from the Discord "
            f"developer portal (or {TOKEN_FILE_ENV} with the path of a file holding it)"
        )
    return token


class RedactToken(logging.Filter):
    """Replaces the token in any log record (message and traceback) by `[token]`."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[token]")
        return True


def redact(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text


# -- running ------------------------------------------------------------------------------------


async def main(
    app: App,
    token: str,
    *,
    service: AnswerService | None = None,
    install_signals: bool = True,
    warm: bool = True,
) -> None:
    """Runs the bot until it is closed (SIGINT/SIGTERM close it cleanly).

    When the Message Content intent is configured but not enabled in the developer
    portal, it starts again with slash commands only."""
    from bot.service import AnswerService

    d = app.settings.discord
    service = service or AnswerService(app.answerer, queue_size=d.queue_size,
                                       cooldown_s=d.cooldown_s)  # fmt: skip
    message_content = d.message_content
    while True:
        bot = make_bot(settings=app.settings, service=service, library=app, prompts=app.prompts,
                       detector=app.detector, message_content=message_content,
                       warm=functools.partial(warm_models, app) if warm else None)  # fmt: skip
        try:
            async with bot:
                if install_signals:
                    _close_on_signals(bot)
                await bot.start(token)
            return
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise ArticlebotError(
                    "Discord refused a privileged intent; check the bot's intents in the "
                    "developer portal"
                ) from None
            log.warning(
                "the Message Content intent is not enabled for this bot in the Discord developer "
                "portal (Bot → Privileged Gateway Intents): running slash commands only; enable "
                "it for mentions and replies, or set [discord] message_content = false"
            )
            message_content = False
        except discord.LoginFailure:
            raise ArticlebotError(
                f"Discord rejected the bot token ({TOKEN_ENV} or {TOKEN_FILE_ENV}): copy it "
                f"again from the developer portal (Bot → Reset Token)"
            ) from None
        except discord.ConnectionClosed as exc:
            raise ArticlebotError(
                f"Discord closed the connection (code {exc.code}: {exc.reason or 'no reason'})"
            ) from None
        except (TimeoutError, aiohttp.ClientConnectionError, discord.GatewayNotFound,
                OSError) as exc:  # fmt: skip
            raise ArticlebotError(
                f"cannot reach Discord ({redact(str(exc), token) or type(exc).__name__}); check "
                f"the network connection or proxy"
            ) from None
        except discord.HTTPException as exc:
            raise ArticlebotError(
                f"Discord answered HTTP {exc.status} while logging in; try again later"
            ) from None


def warm_models(app: App) -> float:
    """Blocking: loads the embedder and primes the model's fixed prompt prefixes."""
    load = getattr(app.embedder, "load", None)
    if load is not None:
        load()
    return app.answerer.prime()


def _close_on_signals(bot: commands.Bot) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, lambda s=sig: _close(bot, s))
        except (NotImplementedError, RuntimeError):  # not the main thread, or not Unix
            pass


def _close(bot: commands.Bot, sig: signal.Signals) -> None:
    log.warning("%s received: closing", sig.name)
    asyncio.ensure_future(bot.close())


def run_bot(app: App) -> None:
    """Blocking: the Discord bot until Ctrl-C or SIGTERM. Raises `ArticlebotError`."""
    token = read_token()
    redaction = RedactToken(token)
    handlers = [*logging.getLogger().handlers, logging.lastResort]
    for handler in handlers:
        if handler is not None:
            handler.addFilter(redaction)
    app.answerer  # noqa: B018 — a missing model fails here, before connecting
    try:
        asyncio.run(main(app, token))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place
        log.warning("interrupted")
    finally:
        for handler in handlers:
            if handler is not None:
                handler.removeFilter(redaction)
    log.info("articlebot stopped")
