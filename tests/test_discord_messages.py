"""Mentions, replies, DMs and answer threads, through a simulated Discord (simcord).

simcord runs the real, unmodified bot against an in-memory Discord: gateway events go
through discord.py's own parsers, REST calls to a model of Discord's API that enforces
its limits, and it computes who a message actually pings from its `allowed_mentions`
(`ping_user_ids`, `ping_role_ids`, `mention_everyone`). Errors the bot swallows fail the
test at teardown. The bot runs over the real service and answering core with a scripted
LLM, the toy embedder and an in-process Chroma.
"""

import contextlib
import logging
import re

import discord
import pytest
import simcord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord.format import MESSAGE_LIMIT, size
from bot.discord.memory import ConversationMemory
from tests.conftest import ARTICLE
from tests.discord_fakes import FakeClock, build_bot

TEXT = ARTICLE.read_text(encoding="utf-8")
TITLE = ("Der südkoreanische Geheimdienst erklärte, dass nordkoreanische Truppen im "
         "Ukraine-Krieg getötet oder verletzt worden seien.")  # fmt: skip
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"
FOLLOW_UP = "und wie viele davon starben?"
ANSWER_DE = "Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."
DEATHS = "Davon starben 600 [1]."
WHERE = "Die Toten wurden in Russland eingeäschert [1]."
LOSSES_EMBED = {"type": "rich", "color": 0x4F6BED, "flags": 0, "fields": [
    {"name": f"[1] {TITLE}", "value": f"„{TEXT[448:747]}“", "inline": False}]}  # fmt: skip
NO_PINGS = {"parse": []}


def reply(text):
    return f"SOURCES: 1\nANSWER: {text}"


@pytest.fixture
def clock():
    return FakeClock()


class World:
    """A guild with a #general channel, alice, and the bot, running in simcord."""

    def __init__(self, env, bot):
        self.env = env
        self.bot = bot
        self.guild = env.create_guild(preferred_locale="de")
        self.channel = self.guild.create_text_channel("general")
        self.alice = self.guild.add_member(env.create_user("alice"))

    @property
    def mention(self) -> str:
        return self.bot.user.mention

    def bot_messages(self, channel=None):
        return [m for m in (channel or self.channel).history() if m.author.id == self.bot.user.id]

    def stored(self, message):
        return self.env.backend.get_message(message.channel.id, message.id)

    def requests(self, method=None, kind="/messages"):
        return [r for r in self.env.http_requests
                if kind in r.path and (method is None or r.method == method)]  # fmt: skip


@contextlib.asynccontextmanager
async def running(fake_app, clock, **options):
    """The bot in simcord; at the end, any error the bot swallowed fails the test."""
    bot = build_bot(fake_app, clock=clock)
    async with simcord.run(bot, **options) as env:
        yield World(env, bot)


@pytest.fixture
async def world(fake_app, clock):
    bot = build_bot(fake_app, clock=clock)
    env = simcord.Env(bot)
    await env.start()
    try:
        yield World(env, bot)
    finally:
        await env.shutdown()
    env.raise_errors()


# -- mentions -------------------------------------------------------------------------------------


async def test_a_mention_is_answered_in_a_reply_with_typing_text_and_quotes(world, fake_app):
    fake_app.llm.replies = [reply(ANSWER_DE)]
    asked = await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
    [answer] = world.bot_messages()
    assert (answer.content, [e.to_dict() for e in answer.embeds]) == (ANSWER_DE, [LOSSES_EMBED])
    assert answer.reference.message_id == asked.id
    kinds = [(r.method, r.path.rsplit("/", 1)[-1]) for r in world.env.http_requests
             if r.path.startswith("/channels/")]  # fmt: skip
    assert kinds[0] == ("POST", "typing")  # typing shows before the first text
    assert [r.json["allowed_mentions"] for r in world.requests()] == [NO_PINGS] * len(
        world.requests()
    )
    assert f"Question: {LOSSES}" in fake_app.llm.last_user


async def test_everyone_and_role_mentions_in_an_article_and_an_answer_ping_nobody(world, fake_app):
    role = world.guild.create_role("Alle", mentionable=True)
    said = f"Der Verein schrieb: @everyone und <@&{role.id}> kommen um 18 Uhr ins Rathaus"
    article = f"Aufruf.\n\n{said}.\n"
    fake_app.ingest_bytes(article.encode(), "aufruf.de.txt")
    said += " [1]."
    fake_app.llm.replies = [reply(said)]
    mods = world.guild.create_role("Mods", permissions=discord.Permissions(mention_everyone=True))
    carol = world.guild.add_member(world.env.create_user("carol"), roles=[mods])
    asked = await carol.send(
        world.channel, f"{world.mention} @everyone Wann kommen alle ins Rathaus?"
    )
    [answer] = world.bot_messages()
    assert answer.content == said
    assert "@everyone" in answer.embeds[0].fields[0].value
    stored = world.stored(answer)
    assert (stored.ping_user_ids, stored.ping_role_ids, stored.mention_everyone) == ([], [], False)
    # The simulator does compute pings: carol, allowed to, does ping everyone.
    assert world.stored(asked).mention_everyone is True


async def test_an_empty_mention_gets_a_short_message(world, fake_app):
    await world.alice.send(world.channel, world.mention)
    assert [m.content for m in world.bot_messages()] == ["Bitte gib eine Frage ein."]
    assert fake_app.llm.requests == []


async def test_messages_not_addressed_to_the_bot_are_ignored(world, fake_app):
    await world.alice.send(world.channel, LOSSES)
    await world.alice.send(world.channel, "@everyone " + LOSSES)
    assert world.bot_messages() == []
    assert (fake_app.llm.requests, world.requests(kind="/typing")) == ([], [])


async def test_a_reply_that_cannot_be_delivered_is_logged_not_dropped(world, fake_app, caplog):
    fake_app.llm.replies = [reply(ANSWER_DE)]
    world.env.inject_error("POST", "/channels/*/messages", status=403, code=50013,
                           message="Missing Permissions", times=None)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        asked = await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
    assert world.bot_messages() == []
    assert (f"could not deliver a reply in channel {world.channel.id} to message {asked.id}: "
            f"403 Forbidden (error code: 50013): Missing Permissions") in caplog.text  # fmt: skip


async def test_an_answer_whose_reply_cannot_be_edited_is_posted_again(world, fake_app, caplog):
    fake_app.llm.replies = [reply(ANSWER_DE)]
    world.env.inject_error("PATCH", "/channels/*/messages/*", status=503, code=0,
                           message="Service Unavailable", times=None)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        asked = await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
    progress, answer = world.bot_messages()  # the streamed reply stays as it was
    assert progress.embeds == []
    assert (answer.content, [e.to_dict() for e in answer.embeds]) == (ANSWER_DE, [LOSSES_EMBED])
    assert answer.reference.message_id == asked.id
    assert (f"could not edit the reply {progress.id} in channel {world.channel.id} (503 Error "
            "(error code: 0): Service Unavailable): posting the answer again") in caplog.text


# -- follow-ups -----------------------------------------------------------------------------------

HISTORY = re.compile(r"Earlier in this conversation:\n(.*?)\nQuestion:", re.DOTALL)


def history_block(prompt: str) -> str:
    return HISTORY.search(prompt).group(1).rstrip("\n")


async def test_a_reply_to_an_answer_is_a_follow_up_with_the_chain_as_memory(world, fake_app):
    fake_app.llm.replies = [reply(ANSWER_DE), reply(DEATHS), reply(WHERE)]
    await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
    [first] = world.bot_messages()
    await world.alice.send(world.channel, FOLLOW_UP, reply_to=first)  # no mention needed
    assert history_block(fake_app.llm.last_user) == (
        f"- Question: {LOSSES}\n  Answer: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote ."
    )
    second = world.bot_messages()[-1]
    assert (second.content, second.reference.message_id) == (
        DEATHS,
        world.channel.last_message.reference.message_id,
    )

    await world.alice.send(world.channel, "Und wo?", reply_to=second)
    assert history_block(fake_app.llm.last_user) == (
        f"- Question: {LOSSES}\n  Answer: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote .\n"
        f"- Question: {FOLLOW_UP}\n  Answer: Davon starben 600 ."
    )


async def test_after_a_restart_the_reply_chain_is_read_back_from_discord(world, fake_app):
    fake_app.llm.replies = [reply(ANSWER_DE), reply(DEATHS)]
    await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
    world.bot.memory = ConversationMemory(10)  # forgets everything
    await world.alice.send(world.channel, FOLLOW_UP, reply_to=world.bot_messages()[0])
    assert history_block(fake_app.llm.last_user) == (
        f"- Question: {LOSSES}\n  Answer: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote ."
    )


async def test_a_reply_to_a_slash_command_answer_continues_it(world, fake_app):
    fake_app.llm.replies = [reply(ANSWER_DE), reply(DEATHS)]
    result = await world.alice.slash(world.channel, "ask", question=LOSSES)
    assert (result.acknowledged, result.response.content) == (True, ANSWER_DE)
    calls = [(r.method, r.path.split("/")[1], r.json) for r in world.env.http_requests
             if r.path.startswith(("/interactions/", "/webhooks/"))]  # fmt: skip
    assert calls[0] == ("POST", "interactions", {"type": 5})  # deferred ("thinking…") first
    assert {method for method, kind, _ in calls[1:]} == {"PATCH"}  # then edits of that message
    answer = world.channel.last_message
    await world.alice.send(world.channel, FOLLOW_UP, reply_to=answer)
    assert world.bot_messages()[-1].content == DEATHS
    assert history_block(fake_app.llm.last_user).startswith(f"- Question: {LOSSES}\n")


# -- where the bot answers ------------------------------------------------------------------------


@pytest.mark.parametrize("allow_dms", [True, False])
async def test_direct_messages_follow_the_switch(fake_app, clock, allow_dms):
    fake_app.settings.discord.allow_dms = allow_dms
    async with running(fake_app, clock) as world:
        fake_app.llm.replies = [reply(ANSWER_DE)]
        user = world.env.create_user("bob")
        await user.send_dm(LOSSES)  # no mention needed in a DM
        answers = [m.content for m in user.dm_channel.history() if m.author.bot]
        refusal = "articlebot ist hier nicht verfügbar."  # in the question's language
        assert answers == [ANSWER_DE if allow_dms else refusal]
        assert len(fake_app.llm.requests) == (1 if allow_dms else 0)
        if not allow_dms:  # refused before anything was queued: no typing either
            assert world.requests(kind="/typing") == []


async def test_allow_lists_refuse_in_served_channels_and_ignore_elsewhere(fake_app, clock):
    async with running(fake_app, clock) as world:
        readers = world.guild.create_role("Readers")
        allowed = world.guild.create_text_channel("articles")
        bob = world.guild.add_member(world.env.create_user("bob"), roles=[readers])
        fake_app.settings.discord.allowed_channels = [allowed.id]
        fake_app.settings.discord.allowed_roles = [readers.id]
        world.bot.access = type(world.bot.access).from_settings(fake_app.settings.discord)
        fake_app.llm.replies = [reply(ANSWER_DE)]

        await bob.send(world.channel, f"{world.mention} {LOSSES}")  # wrong channel: silence
        asked = await world.alice.send(allowed, f"{world.mention} {LOSSES}")  # no Readers role
        [refusal] = world.bot_messages(allowed)
        assert (refusal.content, refusal.reference.message_id) == (
            "articlebot ist hier nicht verfügbar.", asked.id)  # fmt: skip
        assert (world.bot_messages(), fake_app.llm.requests) == ([], [])
        assert world.requests(kind="/typing") == []

        await bob.send(allowed, f"{world.mention} {LOSSES}")
        assert [m.content for m in world.bot_messages(allowed)][1:] == [ANSWER_DE]


async def test_thread_mode_opens_a_thread_where_follow_ups_need_no_mention(fake_app, clock):
    fake_app.settings.discord.threads = True
    async with running(fake_app, clock) as world:
        fake_app.llm.replies = [reply(ANSWER_DE), reply(DEATHS)]
        await world.alice.slash(world.channel, "ask", question=LOSSES)
        [thread] = world.channel.threads
        assert thread.name == LOSSES
        await world.alice.send(thread, FOLLOW_UP)
        assert [m.content for m in world.bot_messages(thread)] == [DEATHS]
        assert history_block(fake_app.llm.last_user) == (
            f"- Question: {LOSSES}\n  Answer: Nordkorea erlitt 4.700 Verluste, darunter 600 Tote ."
        )


async def test_without_the_message_content_intent_it_serves_slash_commands_only(fake_app, clock):
    fake_app.settings.discord.message_content = False
    async with running(fake_app, clock, approved_intents=discord.Intents.default()) as world:
        assert world.bot.intents.message_content is False
        assert "ConversationCog" not in world.bot.cogs
        fake_app.llm.replies = [reply(ANSWER_DE)]
        await world.alice.send(world.channel, f"{world.mention} {LOSSES}")
        assert world.bot_messages() == []
        result = await world.alice.slash(world.channel, "ask", question=LOSSES)
        assert result.response.content == ANSWER_DE


async def test_the_sharded_bot_is_an_auto_sharded_client_and_answers_on_any_shard(fake_app, clock):
    fake_app.settings.discord.sharded = True
    bot = build_bot(fake_app, clock=clock, shard_count=2)
    assert isinstance(bot, discord.AutoShardedClient)
    async with simcord.run(bot) as env:
        guild = env.create_guild(shard_id=1)
        channel = guild.create_text_channel("general")
        alice = guild.add_member(env.create_user("alice"))
        fake_app.llm.replies = [reply(ANSWER_DE)]
        await alice.send(channel, f"{bot.user.mention} {LOSSES}")
        assert [m.content for m in channel.history() if m.author.bot] == [ANSWER_DE]
        assert bot.get_guild(guild.id).shard_id == 1


# -- anything at all ------------------------------------------------------------------------------

HOSTILE = st.sampled_from(["@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>",
                           "```", "```python\n", "**", "||", "> ", "\u202e", "\u200f", "\u200d",
                           "\u200b", "\x00", "\x1b", "\r\n", "👩\u200d👩\u200d👧", "e\u0301",
                           "[1]", "[99]", "SOURCES: 1\nANSWER:", "<|im_start|>"])  # fmt: skip
MESSAGES = st.one_of(
    st.lists(st.one_of(st.text(max_size=30), HOSTILE), max_size=10).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
    st.just("@everyone " + "ä" * 10_000),
    st.just(("a" * 50 + " ") * 200),
)


def echo_question(messages):
    """A worst-case model: it repeats the (arbitrary) question five times as its answer."""
    question = re.findall(r"^Question: (.*)$", messages[-1].content, re.MULTILINE)[-1]
    return reply((question + " ") * 5 + "[1]")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MESSAGES, echo=st.booleans())
async def test_any_message_is_handled_and_nothing_the_bot_sends_pings(world, fake_app, text, echo):
    fake_app.llm.replies = [echo_question if echo else "SOURCES: NONE\nANSWER: NONE"]
    fake_app.settings.max_tokens = 4096
    before = len(world.bot_messages())
    # The article's words first, so retrieval finds a passage and the model is asked.
    content = f"{world.mention} {LOSSES} {text}"[:2000]  # Discord's limit for a user's message
    await world.alice.send(world.channel, content)
    world.env.raise_errors()  # nothing the bot swallowed
    sent = world.bot_messages()[before:]
    assert sent, "every question gets an answer or a short message"
    for message in sent:
        stored = world.stored(message)
        assert (stored.ping_user_ids, stored.ping_role_ids, stored.mention_everyone) == (
            [],
            [],
            False,
        )
        assert 0 < size(message.content or "x") <= MESSAGE_LIMIT
