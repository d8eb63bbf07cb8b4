"""A plain discord.py bot driven end to end through the local Discord.

Not articlebot: a small `commands.Bot` with two slash commands, a message
context menu, a button and an on_message listener, so that these tests check
the test double itself against the real client. Each test starts a server on a
free loopback port, runs the bot in-process against it and asserts what Discord
would have received.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import io
import json
import time
import zlib
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from tests.local_discord import DEFAULT_TOKEN, LocalDiscord, point_discord_at
from tests.local_discord import payloads as p
from tests.local_discord.fixtures import local_discord_fixture  # noqa: F401 - the fixture

EDIT_ORIGINAL = "/webhooks/{w}/{t}/messages/@original"
CALLBACK = "/interactions/{i}/{t}/callback"
CHANNEL_MESSAGES = "/channels/{c}/messages"


class PollView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Yes", custom_id="poll:yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.name} voted yes", view=None
        )

    @discord.ui.select(
        custom_id="poll:pick",
        options=[discord.SelectOption(label="A"), discord.SelectOption(label="B")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"picked {select.values[0]}")


class QuestionForm(discord.ui.Modal, title="Ask about the article"):
    question = discord.ui.TextInput(label="Question", custom_id="question")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"You asked: {self.question.value}")


class SampleBot(commands.Bot):
    """What a typical small bot does; records what it saw for the tests."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE
        # before on_ready (2 s by default).
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.errors: list[Exception] = []
        self.resumed = asyncio.Event()
        self.synced: list[app_commands.AppCommand] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py sleeps 5 s before every IDENTIFY but the first

    async def setup_hook(self) -> None:
        self.tree.add_command(ask)
        self.tree.add_command(poll)
        self.tree.add_command(quote)
        self.tree.add_command(slow)
        self.tree.add_command(summarize)
        self.tree.add_command(form)
        self.synced = await self.tree.sync()

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        try:
            if message.content == "?thread":
                thread = await message.create_thread(name="Your question")
                await thread.send("Answering here.")
            elif message.content == "?file":
                await message.reply("see file", file=discord.File(io.BytesIO(b"hello"), "a.txt"))
            elif message.content == "?stream":
                sent = await message.channel.send("…")
                for text in ("The", "The answer"):
                    await sent.edit(content=text)
            elif message.content.startswith("?quiet"):
                asker = message.mentions[0]
                sent = await message.channel.send(
                    f"{asker.mention} asked", allowed_mentions=discord.AllowedMentions.none()
                )
                await sent.edit(content=f"{asker.mention} asked again")
            elif message.content == "?long":
                await message.reply("x" * 2001)
            elif self.user in message.mentions or message.content.startswith("?"):
                async with message.channel.typing():
                    await message.reply(f"pong: {message.content}", mention_author=False)
        except discord.HTTPException as exc:
            self.errors.append(exc)


@app_commands.command(description="Ask a question")
@app_commands.describe(question="What you want to know")
async def ask(interaction: discord.Interaction, question: str) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.edit_original_response(content=f"Answer: {question}")


@app_commands.command(description="Start a poll")
async def poll(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Pick one", view=PollView())


@app_commands.command(description="Think too long before answering")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(0.2)
    try:
        await interaction.response.defer()
    except discord.HTTPException as exc:
        interaction.client.errors.append(exc)


@app_commands.command(description="Answer in followups")
async def summarize(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("Summary", wait=True)
    await interaction.followup.send("More", wait=True)


@app_commands.command(description="Ask in a form")
async def form(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(QuestionForm())


@app_commands.context_menu(name="Quote")
async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"> {message.content}", ephemeral=True)


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str) -> AsyncIterator[discord.Client]:
    """Run `client` until the block ends; enter once on_ready fired, or raise what start raised."""
    async with client:
        task = asyncio.create_task(client.start(token))
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait([task, ready], timeout=5, return_when=FIRST_COMPLETED)
            if ready not in done:
                if task in done:
                    task.result()
                raise AssertionError("the bot did not become ready within 5 s")
            yield client
        finally:
            ready.cancel()
            await client.close()
            if not task.done() or not task.exception():
                await asyncio.wait_for(task, 5)


@pytest.fixture
async def bot(local_discord: LocalDiscord) -> AsyncIterator[SampleBot]:
    async with running(SampleBot(), local_discord.token) as client:
        yield client


# -- connecting -----------------------------------------------------------------------------


async def test_login_identify_ready_and_guild_create_fill_the_cache(local_discord, bot):
    server = local_discord
    login = [(r.method, r.path, r.status) for r in server.requests][:3]
    assert login == [
        ("GET", "/users/@me", 200),
        ("GET", "/oauth2/applications/@me", 200),
        ("PUT", f"/applications/{server.world.application_id}/commands", 200),
    ]
    assert all(r.authorized for r in server.requests)

    identify = await server.wait_for_identify()
    assert (
        identify["intents"]
        == discord.Intents.default().value | p.MESSAGE_CONTENT
        == bot.intents.value
    )
    assert identify["token"] == DEFAULT_TOKEN
    assert identify["properties"]["browser"] == "discord.py"
    # discord.py asks for zlib-stream transport compression, or zstd-stream when
    # zstandard is installed; the server speaks both.
    compress = "zstd-stream" if importlib.util.find_spec("zstandard") else "zlib-stream"
    conn = server.connections[0]
    assert conn.path == "/"
    assert conn.query == {"v": "10", "encoding": "json", "compress": compress}

    # The first heartbeat goes out right after HELLO; its ACK comes a round trip later.
    ops = [(f.direction, f.op, f.t) for f in server.frames][:6]
    assert [op for op in ops if op[1] not in (1, 11)] == [
        ("send", 10, None),
        ("recv", 2, None),
        ("send", 0, "READY"),
        ("send", 0, "GUILD_CREATE"),
    ]
    assert ops[1] == ("recv", 1, None) and ("send", 11, None) in ops

    assert bot.user.id == server.world.application_id and bot.user.bot
    assert bot.application_id == server.world.application_id
    guild = bot.get_guild(server.world.guild_id)
    assert guild is not None and not guild.unavailable
    assert [c.name for c in guild.text_channels] == ["general", "articles"]
    assert [t.name for t in guild.threads] == ["earlier question"]
    assert guild.threads[0].parent == guild.get_channel(server.channel_id("articles"))
    assert sorted(r.name for r in guild.roles) == ["@everyone", "Moderator", "articlebot"]
    assert guild.member_count == 3
    # Without the members intent Discord sends only the bot's own member.
    assert [m.id for m in guild.members] == [bot.user.id] and guild.me is not None


async def test_command_sync_is_recorded_and_echoed_with_ids(local_discord, bot):
    sync = local_discord.requests_to("PUT", "/applications/{a}/commands")[0]
    assert [(c["name"], c["type"]) for c in sync.json] == [
        ("ask", 1),
        ("poll", 1),
        ("slow", 1),
        ("summarize", 1),
        ("form", 1),
        ("Quote", 3),
    ]
    assert sync.json[0]["options"] == [
        {"type": 3, "name": "question", "description": "What you want to know", "required": True}
    ]
    stored = local_discord.world.global_commands
    assert [c.id for c in bot.synced] == [int(c["id"]) for c in stored]
    assert {c["application_id"] for c in stored} == {str(local_discord.world.application_id)}
    again = await bot.tree.sync()  # a re-sync keeps the ids, as Discord does
    assert [c.id for c in again] == [c.id for c in bot.synced]


# -- messages -------------------------------------------------------------------------------


async def test_a_message_gets_a_reply_with_a_reference_and_no_ping(local_discord, bot):
    server = local_discord
    general = server.channel_id("general")
    sent = await server.message_from("alice", f"{server.bot_mention} are you there?")

    reply = await server.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == f"/channels/{general}/messages"
    assert reply.json["content"] == f"pong: {server.bot_mention} are you there?"
    assert reply.json["message_reference"] == {
        "message_id": int(sent["id"]),
        "channel_id": general,
        "guild_id": server.world.guild_id,
    }
    assert reply.json["allowed_mentions"] == {
        "replied_user": False,
        "parse": ["everyone", "users", "roles"],
    }
    typing = server.requests_to("POST", "/channels/{c}/typing")
    assert [r.path for r in typing] == [f"/channels/{general}/typing"]
    assert typing[0].at < reply.at

    stored = server.world.channel_messages("general")[-1]
    assert stored["type"] == p.MESSAGE_REPLY and stored["referenced_message"]["id"] == sent["id"]
    # The echoed content mentions the bot itself; alice, replied to, is not pinged.
    assert [u["username"] for u in stored["mentions"]] == ["articlebot"]


async def test_a_reply_with_a_file_is_parsed_from_multipart(local_discord, bot):
    await local_discord.message_from("bob", "?file")
    reply = await local_discord.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.content_type == "multipart/form-data"
    assert reply.json["attachments"] == [{"id": 0, "filename": "a.txt"}]
    assert [(f.field, f.filename, f.data) for f in reply.files] == [("files[0]", "a.txt", b"hello")]
    assert [(a["filename"], a["size"]) for a in reply.response["attachments"]] == [("a.txt", 5)]


async def test_a_thread_from_a_message(local_discord, bot):
    server = local_discord
    sent = await server.message_from("alice", "?thread")
    created = await server.wait_for_request("POST", "/channels/{c}/messages/{m}/threads")
    assert created.json == {
        "name": "Your question",
        "auto_archive_duration": 1440,
        "rate_limit_per_user": None,
    }
    assert created.status == 201 and created.response["id"] == sent["id"]
    post = await server.wait_for_request("POST", f"/channels/{sent['id']}/messages")
    assert post.json["content"] == "Answering here."
    thread = bot.get_channel(int(sent["id"]))
    assert isinstance(thread, discord.Thread) and thread.parent_id == server.channel_id("general")


async def test_an_edit_without_allowed_mentions_parses_mentions_with_the_defaults(
    local_discord, bot
):
    server = local_discord
    bob = server.user_id("bob")
    await server.message_from("alice", f"?quiet <@{bob}>")
    edit = await server.wait_for_request("PATCH", "/channels/{c}/messages/{m}")
    (sent,) = server.requests_to("POST", CHANNEL_MESSAGES)
    assert sent.json["allowed_mentions"] == {"parse": []}
    assert sent.response["mentions"] == []
    assert "allowed_mentions" not in edit.json
    assert [u["username"] for u in edit.response["mentions"]] == ["bob"]  # bob is pinged now


async def test_history_pages_newest_first(local_discord, bot):
    server = local_discord
    for text in ("one", "two", "three", "four"):
        await server.message_from("bob", text)
    channel = bot.get_channel(server.channel_id("general"))
    assert [m.content async for m in channel.history(limit=3)] == ["four", "three", "two"]
    first = server.world.channel_messages("general")[0]
    after = [m.content async for m in channel.history(after=discord.Object(int(first["id"])))]
    assert after == ["two", "three", "four"]


async def test_content_over_2000_characters_is_a_400_the_bot_sees(local_discord, bot):
    await local_discord.message_from("alice", "?long")
    answer = await local_discord.wait_for_request("POST", CHANNEL_MESSAGES)
    assert answer.status == 400 and answer.response["code"] == 50035
    await until(lambda: bot.errors)
    (error,) = bot.errors
    assert isinstance(error, discord.HTTPException) and error.status == 400 and error.code == 50035


# -- interactions ---------------------------------------------------------------------------


async def test_a_slash_command_is_deferred_then_its_original_edited(local_discord, bot):
    server = local_discord
    ix = await server.slash_command("ask", {"question": "Who signed?"}, user="bob")

    ack = await ix.wait_acknowledged()
    assert ack.json == {"type": p.CALLBACK_DEFERRED_CHANNEL_MESSAGE}
    assert ack.query == {"with_response": "1"}  # discord.py always asks for the callback response
    assert ack.response["interaction"]["response_message_loading"] is True
    assert 0 <= ix.ack_delay < 0.5

    edit = await ix.wait_for_edit()
    assert edit.json == {"content": "Answer: Who signed?", "tts": False}
    assert edit.at > ack.at
    original = ix.original()
    assert original["content"] == "Answer: Who signed?"
    assert original["flags"] == 0  # no longer "thinking"
    assert original["interaction_metadata"]["user"]["username"] == "bob"
    assert original["type"] == p.MESSAGE_CHAT_INPUT_COMMAND
    events = [f.t for f in server.frames if f.direction == "send" and f.op == 0]
    assert events[-3:] == ["INTERACTION_CREATE", "MESSAGE_CREATE", "MESSAGE_UPDATE"]


async def test_the_first_followup_after_a_defer_replaces_the_thinking_message(local_discord, bot):
    server = local_discord
    ix = await server.slash_command("summarize")
    await ix.wait_acknowledged()
    first = await ix.wait_for_followup()
    second = await ix.wait_for_followup(start=first.index + 1)
    assert first.query == second.query == {"wait": "1", "with_components": "0"}
    assert first.response["id"] == str(ix.state.original_id) == ix.original()["id"]
    assert ix.original()["content"] == "Summary" and ix.original()["flags"] == 0
    assert second.response["id"] != first.response["id"] and second.response["content"] == "More"
    assert [m["content"] for m in server.world.channel_messages("general")] == ["Summary", "More"]


async def test_a_button_press_updates_the_message_it_is_on(local_discord, bot):
    server = local_discord
    opened = await server.slash_command("poll")
    await opened.wait_acknowledged()
    message = opened.original()
    assert message["content"] == "Pick one"
    assert message["components"][0]["components"][0]["custom_id"] == "poll:yes"

    press = await server.click_button(message, "poll:yes", user="bob")
    ack = await press.wait_acknowledged()
    assert ack.json["type"] == p.CALLBACK_UPDATE_MESSAGE
    assert ack.json["data"]["content"] == "bob voted yes"
    assert ack.json["data"]["components"] == []
    assert server.world.message(message["id"])["content"] == "bob voted yes"
    assert press.original()["id"] == message["id"]


async def test_a_select_is_deferred_and_its_message_edited_through_original(local_discord, bot):
    server = local_discord
    opened = await server.slash_command("poll")
    await opened.wait_acknowledged()
    message = opened.original()
    pick = await server.select(message, "poll:pick", ["B"], user="bob")
    ack = await pick.wait_acknowledged()
    assert ack.json == {"type": p.CALLBACK_DEFERRED_UPDATE_MESSAGE}
    edit = await pick.wait_for_edit()
    assert edit.json["content"] == "picked B"
    assert edit.response["id"] == message["id"]  # @original is the message the select is on
    assert server.world.message(message["id"])["content"] == "picked B"


async def test_a_modal_is_shown_and_its_submission_answered(local_discord, bot):
    server = local_discord
    opened = await server.slash_command("form", user="bob")
    ack = await opened.wait_acknowledged()
    assert ack.json["type"] == p.CALLBACK_MODAL
    assert ack.json["data"]["title"] == "Ask about the article"
    assert ack.response == {
        "interaction": {
            "id": str(opened.id),
            "type": p.INTERACTION_APPLICATION_COMMAND,
            "response_message_loading": False,
            "response_message_ephemeral": False,
        },
        "resource": {"type": p.CALLBACK_MODAL},
    }
    submitted = await server.submit_modal(opened, {"question": "Who signed?"})
    answer = await submitted.wait_acknowledged()
    assert answer.json["data"]["content"] == "You asked: Who signed?"
    assert submitted.payload["member"]["user"]["username"] == "bob"


async def test_a_message_context_menu_answers_ephemerally(local_discord, bot):
    server = local_discord
    target = await server.message_from("alice", "The treaty was signed in 1648.")
    ix = await server.message_command("Quote", target, user="bob")
    ack = await ix.wait_acknowledged()
    assert ack.json == {
        "type": 4,
        "data": {
            "content": "> The treaty was signed in 1648.",
            "tts": False,
            "flags": p.FLAG_EPHEMERAL,
        },
    }
    assert ix.original()["type"] == p.MESSAGE_CONTEXT_MENU_COMMAND
    # Ephemeral messages never reach the gateway.
    assert [f.t for f in server.frames if f.direction == "send"][-1] == "INTERACTION_CREATE"


async def test_an_interaction_can_be_acknowledged_only_once(local_discord, bot):
    ix = await local_discord.slash_command("poll")
    await ix.wait_acknowledged()
    url = f"{local_discord.api_base}/interactions/{ix.id}/{ix.token}/callback"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp,
    ):
        assert resp.status == 400
        assert await resp.json() == {
            "message": "Interaction has already been acknowledged.",
            "code": 40060,
        }


async def test_an_answer_after_the_deadline_is_an_unknown_interaction(local_discord, bot):
    local_discord.world.interaction_deadline_s = 0.1
    ix = await local_discord.slash_command("slow")
    await until(lambda: bot.errors)
    (error,) = bot.errors
    assert isinstance(error, discord.NotFound) and error.code == 10062
    (late,) = ix.callbacks
    assert late.status == 404 and ix.response_type is None


# -- faults ---------------------------------------------------------------------------------


async def test_a_429_on_the_edit_is_waited_out_and_retried(local_discord, bot):
    server = local_discord
    fault = server.fail_next("PATCH", EDIT_ORIGINAL, retry_after=0.3)
    ix = await server.slash_command("ask", {"question": "When?"})

    retried = await ix.wait_for_edit()
    (limited,) = fault.hits
    assert limited.status == 429 and limited.response == {
        "message": "You are being rate limited.",
        "retry_after": 0.3,
        "global": False,
    }
    assert limited.json == retried.json == {"content": "Answer: When?", "tts": False}
    waited = retried.at - limited.answered_at
    assert 0.3 <= waited < 0.5
    assert ix.original()["content"] == "Answer: When?"


async def test_a_429_on_a_channel_message_edit_is_waited_out_and_retried(local_discord, bot):
    server = local_discord
    edit = "/channels/{c}/messages/{m}"
    fault = server.fail_next("PATCH", edit, retry_after=0.25)
    await server.message_from("alice", "?stream")
    last = await server.wait_for_request(
        "PATCH", edit, where=lambda r: r.json["content"] == "The answer"
    )
    edits = server.requests_to("PATCH", edit)
    assert [(r.status, r.json["content"]) for r in edits] == [
        (429, "The"),
        (200, "The"),
        (200, "The answer"),
    ]
    assert edits[0] is fault.hits[0]
    assert 0.25 <= edits[1].at - edits[0].answered_at < 0.45
    assert server.world.message(last.response["id"])["content"] == "The answer"


async def test_rate_limit_headers_make_discord_py_wait_without_a_429(local_discord, bot):
    server = local_discord
    edit = "/channels/{c}/messages/{m}"
    server.set_rate_limit("PATCH", edit, limit=1, per=0.3)
    await server.message_from("alice", "?stream")
    await server.wait_for_request("PATCH", edit, where=lambda r: r.json["content"] == "The answer")
    first, second = server.requests_to("PATCH", edit)
    assert (first.status, second.status) == (200, 200)
    assert second.at - first.at >= 0.29  # it slept on X-RateLimit-Reset-After


async def test_a_single_500_is_retried_after_a_second(local_discord, bot):
    server = local_discord
    fault = server.fail_next("POST", CHANNEL_MESSAGES, status=500)
    await server.message_from("alice", "?retry")
    retried = await server.wait_for_request(
        "POST", CHANNEL_MESSAGES, where=lambda r: r.status == 200
    )
    (failed,) = fault.hits
    assert failed.status == 500
    # discord.py sleeps 1 + 2 * attempt seconds after a 500, 502, 504 or 524 and
    # gives up after 5 attempts (25 s in all), so a lasting 500 is too slow to test.
    assert 1.0 <= retried.at - failed.answered_at < 1.3
    assert bot.errors == []


async def test_a_server_error_surfaces_as_http_exception(local_discord, bot):
    local_discord.fail_next("POST", CHANNEL_MESSAGES, status=503)
    await local_discord.message_from("alice", "?unavailable")
    await until(lambda: bot.errors)
    (error,) = bot.errors
    assert isinstance(error, discord.DiscordServerError) and error.status == 503
    assert isinstance(error, discord.HTTPException)
    assert len(local_discord.requests_to("POST", CHANNEL_MESSAGES)) == 1  # 503 is not retried


async def test_a_fault_can_pick_requests_by_what_they_carry(local_discord, bot):
    fault = local_discord.fail_next(
        "POST", CHANNEL_MESSAGES, status=503, times=5, where=lambda r: "embeds" in r.json
    )
    channel = bot.get_channel(local_discord.channel_id("general"))
    await channel.send("plain")
    with pytest.raises(discord.DiscordServerError):
        await channel.send("with an embed", embed=discord.Embed(description="quote"))
    assert [r.json["content"] for r in fault.hits] == ["with an embed"]
    statuses = [r.status for r in local_discord.requests_to("POST", CHANNEL_MESSAGES)]
    assert statuses == [200, 503]


async def test_a_direct_message_has_no_guild_and_is_answered_in_the_dm(local_discord, bot):
    server = local_discord
    sent = await server.direct_message("bob", "?ping")
    event = await server.wait_for_frame("send", t="MESSAGE_CREATE")
    assert event.d["id"] == sent["id"] and "guild_id" not in event.d and "member" not in event.d
    reply = await server.wait_for_request("POST", CHANNEL_MESSAGES)
    dm = server.world.dm_channel("bob")
    assert reply.path == f"/channels/{dm['id']}/messages" and reply.status == 200
    assert reply.json["message_reference"] == {
        "message_id": int(sent["id"]),
        "channel_id": int(dm["id"]),
    }
    assert [m["content"] for m in server.world.channel_messages(dm["id"])] == [
        "?ping",
        "pong: ?ping",
    ]
    assert bot.errors == []


async def test_people_added_to_the_guild_can_write_and_run_commands(local_discord, bot):
    server = local_discord
    server.world.add_role("Reader")
    carol = server.world.add_member("carol", roles=["Reader"])
    await server.message_from("carol", "?hello")
    reply = await server.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.json["content"] == "pong: ?hello"
    sent = await server.slash_command("ask", {"question": "Who?"}, user="carol")
    await sent.wait_acknowledged()
    assert sent.payload["member"]["user"]["id"] == str(carol)
    assert sent.payload["member"]["roles"] == [str(server.world.role_id("Reader"))]


async def test_a_resumable_close_leads_to_resume_and_replay(local_discord, bot):
    server = local_discord
    last_seq = max(f.s or 0 for f in server.frames)
    await server.close_gateway(4000)
    assert server.connections[0].close_code == 4000
    # Sent while the bot is away: Discord keeps it for the resume.
    missed = await server.message_from("alice", "?while-away")
    assert not any(f.t == "MESSAGE_CREATE" for f in server.frames)

    resume = await server.wait_for_frame("recv", op=6)
    assert (
        resume.d["seq"] == last_seq and resume.d["session_id"] == server.connections[0].session_id
    )
    conn = server.connections[1]
    assert conn.path == "/resume" and conn.resumed  # it followed resume_gateway_url
    replayed = await server.wait_for_frame(
        "send", t="MESSAGE_CREATE", where=lambda f: f.connection == 1
    )
    assert replayed.s == last_seq + 1 and replayed.d["id"] == missed["id"]
    await server.wait_for_frame("send", t="RESUMED")
    await asyncio.wait_for(bot.resumed.wait(), 2)

    reply = await server.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.json["content"] == "pong: ?while-away"
    assert len([f for f in server.frames if f.op == 2]) == 1  # no second IDENTIFY

    ix = await server.slash_command("ask", {"question": "Still there?"})
    await ix.wait_for_edit()


async def test_a_close_that_cannot_resume_leads_to_a_fresh_identify(local_discord, bot):
    server = local_discord
    await server.close_gateway(4009)  # session timed out
    invalid = await server.wait_for_frame("send", op=9)
    assert invalid.d is False and invalid.connection == 1
    await server.wait_for_frame("recv", op=2, start=invalid.index)
    ready = await server.wait_for_frame("send", t="READY", start=invalid.index)
    # discord.py closes with 1000 and identifies again at the resume_gateway_url.
    assert [(c.path, c.close_code) for c in server.connections.items[:2]] == [
        ("/", 4009),
        ("/resume", 1000),
    ]
    assert server.connections[2].path == "/resume" and not server.connections[2].resumed
    assert ready.d["session_id"] != server.connections[0].session_id
    await server.wait_until_guild_sent(start=ready.index)
    await server.message_from("alice", "?fresh")
    reply = await server.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.json["content"] == "pong: ?fresh"


async def test_a_clean_shutdown_closes_with_4000_so_the_session_stays_resumable():
    async with serving() as server:
        async with running(SampleBot(), server.token):
            pass
        (conn,) = server.connections
        assert (conn.close_code, conn.closed_by) == (4000, "client")
        assert [s.resumable for s in server.gateway.sessions.values()] == [True]


async def test_a_wrong_token_is_a_login_failure(local_discord):
    async with SampleBot() as client:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    (request,) = local_discord.requests
    assert (request.method, request.path, request.status, request.authorized) == (
        "GET",
        "/users/@me",
        401,
        False,
    )
    assert request.response == {"message": "401: Unauthorized", "code": 0}
    assert len(local_discord.connections) == 0


async def test_unknown_routes_answer_404_and_are_recorded(local_discord, bot):
    general = bot.get_channel(local_discord.channel_id("general"))
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/voice/regions"))
    with pytest.raises(discord.NotFound):
        await general.pins()  # GET /channels/{c}/messages/pins is not served
    with pytest.raises(discord.NotFound):
        await bot.user.edit(username="renamed")  # PATCH /users/@me is not served either
    unknown = [(r.method, r.path, r.status) for r in local_discord.unknown_requests]
    assert unknown == [
        ("GET", "/voice/regions", 404),
        ("GET", f"/channels/{general.id}/messages/pins", 404),
        ("PATCH", "/users/@me", 404),
    ]
    assert local_discord.unknown_requests[0].response == {"message": "404: Not Found", "code": 0}


async def test_an_auto_sharded_client_finds_the_gateway_through_gateway_bot(local_discord):
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running(client, local_discord.token):
        assert local_discord.requests_to("GET", "/gateway/bot")
        identify = await local_discord.wait_for_identify()
        assert identify["shard"] == [0, 1]
        assert client.get_guild(local_discord.world.guild_id) is not None


@contextlib.asynccontextmanager
async def serving(**options) -> AsyncIterator[LocalDiscord]:
    """A LocalDiscord with non-default options, with discord.py pointed at it."""
    async with LocalDiscord(**options) as server:
        restore = point_discord_at(server.url)
        try:
            yield server
        finally:
            restore()


async def test_privileged_intents_not_enabled_for_the_app_close_with_4014():
    async with serving(privileged_intents=0) as server:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(SampleBot(), server.token):
                pass
        assert server.connections[0].close_code == 4014


async def test_heartbeats_are_acknowledged():
    async with (
        serving(heartbeat_interval_ms=50) as server,
        running(SampleBot(), server.token) as client,
    ):
        beat = await server.wait_for_frame("recv", op=1, start=4)  # from the keep-alive thread
        ack = await server.wait_for_frame("send", op=11, start=beat.index)
        assert beat.d == max(f.s or 0 for f in server.frames.items[: beat.index])
        assert ack.at - beat.at < 0.1 and client.latency < 1


# -- the gateway without discord.py ---------------------------------------------------------


class RawGateway:
    """A bare websocket client that decodes what the server sends."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        if compress == "zlib-stream":
            self._zlib = zlib.decompressobj()
        elif compress == "zstd-stream":
            import zstandard

            self._zstd = zstandard.ZstdDecompressor().decompressobj()
        self.compress = compress

    async def receive(self) -> dict:
        msg = await self.ws.receive(timeout=2)
        if msg.type is aiohttp.WSMsgType.TEXT:
            assert self.compress is None
            return json.loads(msg.data)
        assert msg.type is aiohttp.WSMsgType.BINARY, msg
        if self.compress == "zlib-stream":
            assert msg.data.endswith(b"\x00\x00\xff\xff")
            return json.loads(self._zlib.decompress(msg.data))
        return json.loads(self._zstd.decompress(msg.data))

    async def identify(self, token: str, intents: int) -> list[dict]:
        """IDENTIFY and return READY and what follows it right away."""
        await self.ws.send_json(
            {"op": 2, "d": {"token": token, "intents": intents, "properties": {"os": "linux"}}}
        )
        ready = await self.receive()
        assert ready["t"] == "READY", ready
        return [ready]


@pytest.mark.parametrize("compress", [None, "zlib-stream", "zstd-stream"])
async def test_the_gateway_speaks_each_transport_compression(local_discord, compress):
    if compress == "zstd-stream":
        pytest.importorskip("zstandard", reason="discord.py asks for zstd only with zstandard")
    query = {"v": "10", "encoding": "json"} | ({"compress": compress} if compress else {})
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(local_discord.gateway_url, params=query) as ws,
    ):
        gateway = RawGateway(ws, compress)
        hello = await gateway.receive()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41_250
        (ready,) = await gateway.identify(local_discord.token, p.GUILDS)
        assert ready["d"]["resume_gateway_url"] == local_discord.resume_gateway_url
        guild = await gateway.receive()
        assert (guild["t"], guild["s"]) == ("GUILD_CREATE", 2)


async def test_without_the_message_content_intent_content_is_empty_unless_mentioned(local_discord):
    server = local_discord
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(server.gateway_url, params={"v": "10"}) as ws,
    ):
        gateway = RawGateway(ws, None)
        await gateway.receive()
        await gateway.identify(server.token, p.GUILDS | p.GUILD_MESSAGES)
        await gateway.receive()  # GUILD_CREATE
        await server.message_from("alice", "hidden from the bot")
        await server.message_from("bob", f"{server.bot_mention} shown to the bot")
        hidden, shown = (await gateway.receive())["d"], (await gateway.receive())["d"]
        assert (hidden["content"], hidden["embeds"]) == ("", [])
        assert shown["content"] == f"{server.bot_mention} shown to the bot"
        assert shown["member"]["roles"] == [] and shown["author"]["username"] == "bob"
        await ws.send_json({"op": 99, "d": None})
        assert (await ws.receive(timeout=2)).data == 4001  # unknown opcode closes


async def until(condition, timeout: float = 2.0) -> None:
    """Poll a condition on the bot's side, which the server cannot observe."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
