"""Starting and stopping the bot: the token, one-line errors, the intent fallback, signals.

Discord's HTTP API is replaced at the aiohttp boundary, so discord.py's real login code
runs (and logs) as it would against discord.com; no network is used.
"""

import asyncio
import gc
import logging
import os
import signal
import weakref

import aiohttp
import discord
import pytest
import yarl
from aiohttp.client_reqrep import ConnectionKey
from discord.gateway import DiscordWebSocket
from discord.http import Route
from typer.testing import CliRunner

from bot import cli
from bot.discord.run import (
    TOKEN_PATTERN,
    RedactToken,
    SignalCloser,
    main,
    read_token,
    use_endpoints,
)
from bot.errors import ArticlebotError
from bot.settings import DiscordSettings
from tests.discord_fakes import build_bot

# The shape of a real bot token, made up.
TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


class FakeResponse:
    """What aiohttp returns for a request to Discord, as the API would answer it."""

    def __init__(self, status: int, body: str) -> None:
        self.status = status
        self.reason = {401: "Unauthorized", 200: "OK"}.get(status, "Error")
        self.headers = {"content-type": "application/json"}
        self._body = body

    async def text(self, encoding="utf-8"):
        return self._body

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


@pytest.fixture
def discord_api(monkeypatch):
    """Discord's REST API at aiohttp's edge; records where the token was sent."""
    seen = []

    def answer(status, body="{}", error=None):
        def request(session, method, url, **kwargs):
            seen.append((method, url, kwargs.get("headers", {}).get("Authorization")))
            if error is not None:
                raise error
            return FakeResponse(status, body)

        monkeypatch.setattr(aiohttp.ClientSession, "request", request)
        return seen

    return answer


def test_the_token_comes_from_the_environment_or_a_file(tmp_path):
    assert read_token({"DISCORD_TOKEN": f"  {TOKEN}\n"}) == TOKEN
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert read_token({"DISCORD_TOKEN_FILE": str(path)}) == TOKEN
    assert TOKEN_PATTERN.fullmatch(TOKEN)  # the pattern the log checks below use


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, ("DISCORD_TOKEN is not set: export DISCORD_TOKEN with the bot token from the Discord "
             "developer portal (or DISCORD_TOKEN_FILE with the path of a file holding it)")),
        ({"DISCORD_TOKEN": "  "}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN_FILE": "/nonexistent/token"},
         ("cannot read the token file /nonexistent/token named by DISCORD_TOKEN_FILE "
         "(No such file or directory)")),
    ],
)  # fmt: skip
def test_a_missing_token_is_a_one_line_error_naming_the_variable(environ, message):
    with pytest.raises(ArticlebotError) as caught:
        read_token(environ)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_serve_without_a_token_exits_non_zero_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTICLEBOT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        ("articlebot: error: DISCORD_TOKEN is not set: export DISCORD_TOKEN with the bot token "
         "from the Discord developer portal (or DISCORD_TOKEN_FILE with the path of a file "
         "holding it)"),
    ]


async def test_a_rejected_token_is_one_line_and_the_token_is_in_no_log(
    fake_app, discord_api, caplog
):
    seen = discord_api(401, '{"message": "401: Unauthorized", "code": 0}')
    with caplog.at_level(logging.DEBUG), pytest.raises(ArticlebotError) as caught:
        await main(fake_app, TOKEN, install_signals=False, warm=False)
    assert str(caught.value) == (
        "Discord rejected the bot token (DISCORD_TOKEN or DISCORD_TOKEN_FILE): copy it again "
        "from the developer portal (Bot → Reset Token)"
    )
    assert seen == [("GET", "https://discord.com/api/v10/users/@me", f"Bot {TOKEN}")]
    assert "logging in using static token" in caplog.text  # discord.py did log, at DEBUG too
    logged = caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    assert TOKEN_PATTERN.findall(logged) == [] and TOKEN not in logged
    assert TOKEN_PATTERN.findall(str(caught.value)) == []


async def test_an_unreachable_discord_is_one_line(fake_app, discord_api, caplog):
    key = ConnectionKey("discord.com", 443, True, True, None, None, None)
    discord_api(0, error=aiohttp.ClientConnectorError(key, OSError(101, "Network is unreachable")))
    with caplog.at_level(logging.DEBUG), pytest.raises(ArticlebotError) as caught:
        await main(fake_app, TOKEN, install_signals=False, warm=False)
    assert str(caught.value) == (
        "cannot reach Discord (Cannot connect to host discord.com:443 ssl:default [Network is "
        "unreachable]); check the network connection or proxy"
    )
    assert TOKEN_PATTERN.findall(caplog.text) == []


async def test_without_the_intent_granted_it_restarts_with_slash_commands_only(
    fake_app, monkeypatch, caplog
):
    starts = []

    async def start(self, token, *, reconnect=True):
        starts.append((type(self).__name__, self.intents.message_content))
        if self.intents.message_content:  # what discord.py raises on close code 4014
            raise discord.PrivilegedIntentsRequired(shard_id=None)

    monkeypatch.setattr(discord.Client, "start", start)
    with caplog.at_level(logging.WARNING):
        await main(fake_app, TOKEN, install_signals=False, warm=False)
    assert starts == [("ArticlebotBot", True), ("ArticlebotBot", False)]
    assert "the Message Content intent is not enabled for this bot" in caplog.text


async def test_the_sharded_switch_starts_an_auto_sharded_bot(fake_app, monkeypatch):
    fake_app.settings.discord.sharded = True
    started = []

    async def start(self, token, *, reconnect=True):
        started.append(isinstance(self, discord.AutoShardedClient))

    monkeypatch.setattr(discord.Client, "start", start)
    await main(fake_app, TOKEN, install_signals=False, warm=False)
    assert started == [True]


async def test_sigterm_closes_the_bot_cleanly(fake_app, monkeypatch, caplog):
    closed = []

    async def start(self, token, *, reconnect=True):
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)  # ours is in place
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(500):
            if self.is_closed():
                closed.append(True)
                return
            await asyncio.sleep(0.01)

    monkeypatch.setattr(discord.Client, "start", start)
    with caplog.at_level(logging.WARNING):
        await main(fake_app, TOKEN, install_signals=True, warm=False)  # returns: no exception
    assert closed == [True]
    assert "SIGTERM received: closing" in caplog.text


async def test_the_closing_task_is_kept_until_the_bot_is_closed():
    """The loop keeps only weak references to tasks: an unkept close could be collected."""
    pending, closed = [], []

    class SlowToClose:
        async def shutdown(self):
            gate = asyncio.get_running_loop().create_future()  # held by this coroutine only
            pending.append(weakref.ref(gate))
            await gate
            closed.append(True)

    closer = SignalCloser()
    closer.close(SlowToClose(), signal.SIGTERM)
    await asyncio.sleep(0)
    gc.collect()
    gate = pending[0]()
    assert gate is not None  # the closing task is still there
    gate.set_result(None)
    for _ in range(10):
        await asyncio.sleep(0)
    assert (closed, closer.tasks) == ([True], set())


async def test_shutdown_delivers_the_requests_in_flight_then_closes(fake_app, caplog):
    bot = build_bot(fake_app)
    guard = bot.gate.errors.guard(target=None, language="en")  # a request being answered
    with caplog.at_level(logging.INFO):
        closing = asyncio.create_task(bot.shutdown(grace_s=5))
        await asyncio.sleep(0.05)
        assert not closing.done() and not bot.is_closed()
        assert bot.service.closed  # nothing new is queued meanwhile
        await guard.__aexit__(None, None, None)  # delivered
        await asyncio.wait_for(closing, 1)
    assert bot.is_closed()
    assert "delivering 1 requests in flight before closing" in caplog.text


async def test_shutdown_closes_after_its_grace_even_with_a_request_in_flight(fake_app, caplog):
    bot = build_bot(fake_app)
    bot.gate.errors.guard(target=None, language="en")  # never ends
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(bot.shutdown(grace_s=0.05), 1)
    assert bot.is_closed()
    assert "closing with 1 requests still in flight after 0 s" in caplog.text


async def test_a_second_signal_closes_at_once(caplog):
    calls = []

    class Bot:
        async def shutdown(self):
            calls.append("shutdown")
            await asyncio.sleep(10)

        async def close(self):
            calls.append("close")

    closer, bot = SignalCloser(), Bot()
    with caplog.at_level(logging.WARNING):
        closer.close(bot, signal.SIGTERM)
        closer.close(bot, signal.SIGINT)
        await asyncio.sleep(0)
    assert calls == ["shutdown", "close"]
    assert "SIGINT received again: closing now" in caplog.text
    for task in closer.tasks:
        task.cancel()


def test_the_bot_does_not_warn_about_voice_it_never_uses(fake_app, caplog, monkeypatch):
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as without PyNaCl
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    with caplog.at_level(logging.WARNING):
        build_bot(fake_app)
    assert caplog.records == []


def test_the_redaction_filter_removes_the_token_from_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token is %s", (TOKEN,), None)
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactToken(TOKEN).filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert "token is [token]" in text and "failed with [token]" in text


# -- another Discord (a local test one) ---------------------------------------------------------

LOCAL_API = "http://127.0.0.1:8080/api/v10"
LOCAL_GATEWAY = "ws://127.0.0.1:8080/"


@pytest.fixture
def endpoints(monkeypatch):
    """discord.py's endpoints as they were, restored after the test."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)


class Reached(Exception):
    """Raised where the gateway connection would be opened."""


async def gateway_url():
    """The URL discord.py itself opens the gateway at, for a bot without a resumed session."""
    urls = []

    async def ws_connect(url, **kwargs):
        urls.append(url)
        raise Reached

    client = type("Client", (), {"http": type("HTTP", (), {"ws_connect": staticmethod(ws_connect)})})
    with pytest.raises(Reached):
        await DiscordWebSocket.from_client(client)
    return str(yarl.URL(urls[0]).with_query(None))


async def test_unset_endpoints_leave_discord_py_talking_to_discord(endpoints):
    use_endpoints(DiscordSettings())
    assert Route("GET", "/users/@me").url == "https://discord.com/api/v10/users/@me"
    assert await gateway_url() == "wss://gateway.discord.gg/"


async def test_a_local_discord_gets_the_rest_calls_and_the_gateway(endpoints):
    use_endpoints(DiscordSettings(api_base=LOCAL_API + "/", gateway_url=LOCAL_GATEWAY))
    assert Route("GET", "/users/@me").url == f"{LOCAL_API}/users/@me"
    assert await gateway_url() == LOCAL_GATEWAY


async def test_main_points_discord_py_at_the_configured_discord_before_logging_in(
    fake_app, discord_api, endpoints
):
    fake_app.settings.discord.api_base = LOCAL_API
    seen = discord_api(401, '{"message": "401: Unauthorized", "code": 0}')
    with pytest.raises(ArticlebotError, match="Discord rejected the bot token"):
        await main(fake_app, TOKEN, install_signals=False, warm=False)
    assert seen == [("GET", f"{LOCAL_API}/users/@me", f"Bot {TOKEN}")]
