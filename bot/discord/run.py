"""Running articlebot in Discord: the entry point of `articlebot serve` and `articlebot run`.

`run_bot(app)` reads the token from `DISCORD_TOKEN` or the file named by
`DISCORD_TOKEN_FILE` (never from the settings), keeps it out of every log line
with a redaction filter, and runs `main()` until Ctrl-C or SIGTERM (which let the
answers in flight be delivered first; a second one closes at once). `main`
builds the `AnswerService` and the bot from the `App`, which makes this module
the one place in `bot.discord` that knows `App`. A missing or rejected token,
an unreachable Discord or a refused privileged intent becomes a one-line
`ArticlebotError`; without the Message Content intent it starts again with slash
commands only. 429s and dropped connections are discord.py's to retry.

With `[discord] api_base` and `gateway_url` set, discord.py is pointed at another
Discord (a local test one) before the client is built; unset, it is left as it is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord.bot import ArticlebotBot, make_bot
from bot.errors import ArticlebotError
from bot.service import AnswerService

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

TOKEN_ENV = "DISCORD_TOKEN"
TOKEN_FILE_ENV = "DISCORD_TOKEN_FILE"
# The shape of a bot token (base64 user id . timestamp . HMAC), for redaction and tests.
TOKEN_PATTERN = re.compile(r"[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,}")


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


# -- where Discord is -----------------------------------------------------------------------------


def use_endpoints(settings: DiscordSettings) -> None:
    """Points discord.py at another Discord when `[discord] api_base` / `gateway_url` are set.

    discord.py sends every REST call (webhooks and interaction responses too) to
    `Route.BASE`, and opens the gateway at `DiscordWebSocket.DEFAULT_GATEWAY` (an
    `AutoShardedBot` without a shard count asks `GET /gateway/bot` of `api_base`
    instead). Unset, nothing is changed."""
    if settings.api_base:
        Route.BASE = settings.api_base.rstrip("/")
        log.info("Discord REST API at %s", Route.BASE)
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
        log.info("Discord gateway at %s", settings.gateway_url)


# -- running ------------------------------------------------------------------------------------


def make_service(app: App) -> AnswerService:
    d = app.settings.discord
    return AnswerService(app.answerer, library=app, queue_size=d.queue_size,
                         cooldown_s=d.cooldown_s)  # fmt: skip


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
    use_endpoints(app.settings.discord)
    service = service or make_service(app)
    message_content = app.settings.discord.message_content
    closer = SignalCloser()
    while True:
        bot = make_bot(settings=app.settings, service=service, prompts=app.prompts,
                       message_content=message_content,
                       warm=functools.partial(warm_models, app) if warm else None)  # fmt: skip
        try:
            async with bot:
                if install_signals:
                    closer.install(bot)
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
        except Exception as exc:
            error = startup_error(exc, token)
            if error is None:
                raise
            raise error from None


def startup_error(exc: Exception, token: str) -> ArticlebotError | None:
    """The one-line error for a failed start; None for anything unexpected."""
    if isinstance(exc, discord.LoginFailure):
        return ArticlebotError(
            f"Discord rejected the bot token ({TOKEN_ENV} or {TOKEN_FILE_ENV}): copy it "
            f"again from the developer portal (Bot → Reset Token)"
        )
    if isinstance(exc, discord.ConnectionClosed):
        return ArticlebotError(
            f"Discord closed the connection (code {exc.code}: {exc.reason or 'no reason'})"
        )
    if isinstance(exc, TimeoutError | aiohttp.ClientConnectionError | discord.GatewayNotFound
                  | OSError):  # fmt: skip
        return ArticlebotError(
            f"cannot reach Discord ({redact(str(exc), token) or type(exc).__name__}); check "
            f"the network connection or proxy"
        )
    if isinstance(exc, discord.HTTPException):
        return ArticlebotError(
            f"Discord answered HTTP {exc.status} while logging in; try again later"
        )
    return None


def warm_models(app: App) -> float:
    """Blocking: loads both models (at once) and primes the model's fixed prompt prefixes."""
    app.prepare()
    return app.answerer.prime()


class SignalCloser:
    """SIGINT and SIGTERM shut the bot down (answers in flight are delivered first); a
    second signal closes it at once. The closing task is kept until it is done."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Future] = set()
        self.signalled = False

    def install(self, bot: ArticlebotBot) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.close, bot, sig)
            except (NotImplementedError, RuntimeError):  # not the main thread, or not Unix
                pass

    def close(self, bot: ArticlebotBot, sig: signal.Signals) -> None:
        if self.signalled:
            log.warning("%s received again: closing now", sig.name)
            task = asyncio.ensure_future(bot.close())
        else:
            log.warning("%s received: closing (again to close at once)", sig.name)
            task = asyncio.ensure_future(bot.shutdown())
        self.signalled = True
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


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
