"""Slash commands, the context menu and the translate button, called as Discord calls them.

Each test calls a command's real callback with a `FakeInteraction` (discord.py's real
`Interaction`, `InteractionResponse` and `Webhook` specs, `spec_set`) over the real bot,
service and answering core (scripted LLM, toy embedder, in-process Chroma), and asserts
exactly what was deferred, sent and edited: content, embed fields, allowed_mentions.
"""

import asyncio
import itertools
import logging
import re
import threading
import time
from unittest import mock

import discord
import pytest

from bot.discord.cogs.admin import AdminCog
from bot.discord.cogs.ask import AskCog
from bot.discord.cogs.common import document_choices
from bot.discord.streaming import ThrottledEditor
from bot.discord.translations import ArticlebotTranslator
from bot.results import Turn
from bot.service import AnswerService
from tests.conftest import ARTICLE, ARTICLE_ID
from tests.discord_fakes import NONE_MENTIONS, FakeClock, build_bot, fake_interaction

TEXT = ARTICLE.read_text(encoding="utf-8")
TITLE = ("Der südkoreanische Geheimdienst erklärte, dass nordkoreanische Truppen im "
         "Ukraine-Krieg getötet oder verletzt worden seien.")  # fmt: skip
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"
LOSSES_EN = "What does the article say about Nordkorea Verluste an den Fronten, including Tote?"
ANSWER_DE = "Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."
ANSWER_EN = "North Korea suffered 4,700 casualties, including 600 dead [1]."
GERMAN = discord.Locale.german
BLUE = 0x4F6BED


def quote_embed(*spans, opening="„", closing="“"):
    return {"type": "rich", "color": BLUE, "flags": 0, "fields": [
        {"name": f"[{n}] {TITLE}", "value": f"{opening}{TEXT[a:b]}{closing}", "inline": False}
        for n, (a, b) in enumerate(spans, 1)]}  # fmt: skip


LOSSES_EMBED = quote_embed((448, 747))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def bot(fake_app, clock):
    return build_bot(fake_app, clock=clock)


@pytest.fixture
def cog(bot):
    return AskCog(bot)


async def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


# -- /ask ---------------------------------------------------------------------------------


async def test_ask_defers_streams_at_most_once_a_second_then_shows_answer_and_quotes(
    bot, cog, fake_app, clock
):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot, locale=GERMAN, clock=clock)
    await cog.ask.callback(cog, fake.interaction, LOSSES)

    assert fake.calls[0] == ("defer", {"thinking": True})
    *streamed, final = fake.calls[1:]
    assert final == (
        "edit_original_response",
        {"content": ANSWER_DE, "embeds": [LOSSES_EMBED], "allowed_mentions": NONE_MENTIONS},
    )
    assert streamed, "the answer streams before it is final"
    for name, kwargs in streamed:
        assert (name, set(kwargs), kwargs["allowed_mentions"]) == (
            "edit_original_response",
            {"content", "allowed_mentions"},
            NONE_MENTIONS,
        )
        assert ANSWER_DE.startswith(kwargs["content"])
    edits = fake.times[1:]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(edits))
    assert bot.memory.turn(fake.sent[-1].id) == Turn(LOSSES, ANSWER_DE)


async def test_the_acknowledgement_comes_before_any_retrieval_or_generation(bot, cog, fake_app):
    fake = fake_interaction(bot)
    toy_query = fake_app.embedder.embed_query

    def slow_query(text):
        fake.calls.append(("embed_query", {}))
        time.sleep(0.2)  # a slow embedder holds nothing up: it runs after the acknowledgement
        return toy_query(text)

    def reply(messages):
        fake.calls.append(("generate", {}))
        return f"SOURCES: 1\nANSWER: {ANSWER_DE}"

    fake_app.embedder.embed_query = slow_query
    fake_app.llm.replies = [reply]
    started = time.monotonic()
    acknowledged = []
    fake.interaction.response.defer.side_effect = _also(
        fake.interaction.response.defer.side_effect, lambda: acknowledged.append(time.monotonic())
    )
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    names = fake.names()
    assert names[0] == "defer"
    assert names.index("embed_query") < names.index("generate") < len(names) - 1
    assert acknowledged[0] - started < 0.1  # far within Discord's 3 seconds


def _also(effect, extra):
    async def both(*args, **kwargs):
        extra()
        return await effect(*args, **kwargs)

    return both


async def test_a_long_answer_continues_in_a_followup_with_the_quotes(bot, cog, fake_app):
    fake_app.settings.max_tokens = 1000
    sentence = "Nordkorea erlitt an der Front rund 4.700 Verluste. "
    text = (sentence * 50).strip() + " [1]"  # 2,554 characters
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {text}"]
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    first, second = (sentence * 39).strip(), (sentence * 11).strip() + " [1]"
    assert len(first) == 1988
    assert fake.calls[-2:] == [
        ("edit_original_response",
         {"content": first, "embeds": [], "allowed_mentions": NONE_MENTIONS}),
        ("followup.send",
         {"content": second, "embeds": [LOSSES_EMBED], "allowed_mentions": NONE_MENTIONS,
          "ephemeral": False, "wait": True}),
    ]  # fmt: skip


async def test_everyone_and_role_mentions_in_an_answer_are_shown_but_never_ping(bot, cog, fake_app):
    text = "@everyone @here Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {text}"]
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, "@everyone <@&123456789012345678> " + LOSSES)
    assert fake.calls[-1][1]["content"] == text
    assert all(kwargs["allowed_mentions"] == NONE_MENTIONS for _, kwargs in fake.calls[1:])
    assert bot.allowed_mentions.to_dict() == NONE_MENTIONS  # also the default for anything else


async def test_the_context_menu_asks_about_the_selected_message(bot, cog, fake_app):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot, locale=GERMAN)
    selected = mock.create_autospec(discord.Message, instance=True, spec_set=True)
    selected.content = LOSSES
    await cog.ask_about_message(fake.interaction, selected)
    assert fake.calls[0] == ("defer", {"thinking": True})
    assert fake.calls[-1][1] == {"content": ANSWER_DE, "embeds": [LOSSES_EMBED],
                                 "allowed_mentions": NONE_MENTIONS}  # fmt: skip
    assert f"Question: {LOSSES}" in fake_app.llm.last_user


# -- the line ---------------------------------------------------------------------------------


async def test_waiting_users_see_their_place_in_line_in_their_language(bot, cog, fake_app):
    release = threading.Event()  # the first answer is held until both others wait

    def held(_messages):
        release.wait(10)
        return f"SOURCES: 1\nANSWER: {ANSWER_DE}"

    fake_app.llm.replies = [held, f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    first = fake_interaction(bot, user_id=1)
    second = fake_interaction(bot, user_id=2)  # English
    third = fake_interaction(bot, user_id=3, locale=GERMAN)
    tasks = [asyncio.create_task(cog.ask.callback(cog, first.interaction, LOSSES))]
    await wait_until(lambda: fake_app.llm.requests)
    tasks.append(asyncio.create_task(cog.ask.callback(cog, second.interaction, LOSSES)))
    await wait_until(lambda: bot.service.waiting == 1)
    tasks.append(asyncio.create_task(cog.ask.callback(cog, third.interaction, LOSSES)))
    await wait_until(lambda: bot.service.waiting == 2)
    release.set()
    await asyncio.gather(*tasks)

    assert first.contents()[-1] == ANSWER_DE and "line" not in " ".join(first.contents())
    assert second.contents()[0] == "You are 1st in line…"
    assert third.contents()[:2] == [
        "Platz 2 in der Warteschlange …",
        "Platz 1 in der Warteschlange …",
    ]
    assert [f.contents()[-1] for f in (second, third)] == [ANSWER_DE, ANSWER_DE]


async def test_a_full_line_answers_busy_at_once(fake_app, clock):
    fake_app.settings.discord.queue_size = 1
    bot = build_bot(fake_app, clock=clock)
    cog = AskCog(bot)
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake_app.llm.delay_s = 0.01
    running, waiting, refused = (fake_interaction(bot, user_id=i) for i in (1, 2, 3))
    tasks = [asyncio.create_task(cog.ask.callback(cog, running.interaction, LOSSES))]
    await wait_until(lambda: fake_app.llm.requests)
    tasks.append(asyncio.create_task(cog.ask.callback(cog, waiting.interaction, LOSSES)))
    await wait_until(lambda: bot.service.waiting == 1)
    await cog.ask.callback(cog, refused.interaction, LOSSES)
    assert refused.calls == [
        ("defer", {"thinking": True}),
        ("edit_original_response", {"content": "I'm busy right now. Please try again in a minute.",
                                    "embeds": [], "view": None, "allowed_mentions": NONE_MENTIONS}),
    ]  # fmt: skip
    await asyncio.gather(*tasks)
    assert [f.contents()[-1] for f in (running, waiting)] == [ANSWER_DE, ANSWER_DE]
    assert len(fake_app.llm.requests) == 1  # the waiting one got the same answer from the cache


async def test_the_cooldown_is_per_user(fake_app, clock):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    service = AnswerService(fake_app.answerer, library=fake_app, cooldown_s=30,
                            clock=lambda: 100.0)  # fmt: skip
    bot = build_bot(fake_app, clock=clock, service=service)
    cog = AskCog(bot)
    await cog.ask.callback(cog, fake_interaction(bot, user_id=7).interaction, LOSSES)
    again = fake_interaction(bot, user_id=7, locale=GERMAN)
    await cog.ask.callback(cog, again.interaction, LOSSES)
    assert again.calls == [
        ("defer", {"thinking": True}),
        ("edit_original_response", {"content": "Bitte warte 30 s, bevor du wieder fragst.",
                                    "embeds": [], "view": None, "allowed_mentions": NONE_MENTIONS}),
    ]  # fmt: skip
    other = fake_interaction(bot, user_id=8)
    await cog.ask.callback(cog, other.interaction, LOSSES)
    assert other.contents()[-1] == ANSWER_DE  # from the answer cache, shown the same way
    assert len(fake_app.llm.requests) == 1


# -- who may ask ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "where", "allowed"),
    [
        ({"allowed_guilds": [601]}, {}, True),
        ({"allowed_guilds": [999]}, {}, False),
        ({"allowed_channels": [701]}, {}, True),
        ({"allowed_channels": [999]}, {}, False),
        ({"allowed_channels": [701]}, {"channel_id": 702, "parent_id": 701}, True),  # its thread
        ({"allowed_roles": [42]}, {"role_ids": (42,)}, True),
        ({"allowed_roles": [42]}, {"role_ids": (41,)}, False),
        ({"allow_dms": True}, {"guild_id": None}, True),
        ({"allow_dms": False}, {"guild_id": None}, False),
        ({"allowed_guilds": [601], "allowed_channels": [701], "allowed_roles": [42]},
         {"role_ids": (42,)}, True),
    ],
)  # fmt: skip
async def test_allow_lists_are_checked_before_anything_is_queued(
    fake_app, clock, config, where, allowed
):
    for key, value in config.items():
        setattr(fake_app.settings.discord, key, value)
    bot = build_bot(fake_app, clock=clock)
    cog = AskCog(bot)
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot, **where)
    queries = fake_app.embedder.query_calls
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    if allowed:
        assert fake.calls[0] == ("defer", {"thinking": True})
        assert fake.contents()[-1] == ANSWER_DE
    else:
        assert fake.calls == [
            (
                "send_message",
                {
                    "content": "articlebot is not available here.",
                    "ephemeral": True,
                    "allowed_mentions": NONE_MENTIONS,
                },
            )
        ]
        assert (fake_app.llm.requests, fake_app.embedder.query_calls, bot.service.served) == (
            [],
            queries,
            0,
        )


# -- errors -----------------------------------------------------------------------------------


async def test_bad_input_becomes_a_short_message_in_the_users_language(bot, cog):
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, "   ")
    assert fake.calls == [
        ("defer", {"thinking": True}),
        ("edit_original_response", {"content": "Bitte gib eine Frage ein.", "embeds": [],
                                    "view": None, "allowed_mentions": NONE_MENTIONS}),
    ]  # fmt: skip


async def test_an_unexpected_error_is_logged_with_its_traceback_and_apologised_for(
    bot, cog, fake_app, caplog
):
    def broken(messages):
        raise RuntimeError("llama exploded")

    fake_app.llm.replies = [broken]
    fake = fake_interaction(bot)
    with caplog.at_level(logging.ERROR):
        await cog.ask.callback(cog, fake.interaction, LOSSES)
    assert fake.calls[-1] == ("edit_original_response", {
        "content": "Something went wrong while answering. Please try again.", "embeds": [],
        "view": None, "allowed_mentions": NONE_MENTIONS})  # fmt: skip
    [record] = [r for r in caplog.records if r.exc_info]
    assert (record.name, record.getMessage(), str(record.exc_info[1])) == (
        "bot.discord.errors",
        "unexpected error while answering",
        "llama exploded",
    )
    assert "llama exploded" not in str(fake.calls)  # the user sees no internals


async def test_an_unknown_document_filter_is_refused_before_queueing(bot, cog, fake_app):
    fake = fake_interaction(bot)
    await cog.ask.callback(cog, fake.interaction, LOSSES, "nope")
    assert fake.contents() == ["There is no document nope. /sources lists them."]
    assert fake_app.llm.requests == []


async def test_an_expired_interaction_delivers_the_answer_in_the_channel(fake_app, clock, caplog):
    bot = build_bot(fake_app, clock=clock)
    cog = AskCog(bot)
    fake_app.llm.replies = ["SOURCES: 1\nANSWER: " + ANSWER_DE]
    fake = fake_interaction(bot, fail_edits=True)
    with caplog.at_level(logging.WARNING):
        await cog.ask.callback(cog, fake.interaction, LOSSES)
    assert fake.calls[-1] == ("channel.send", {"content": ANSWER_DE, "embeds": [LOSSES_EMBED],
                                               "allowed_mentions": NONE_MENTIONS})  # fmt: skip
    assert (
        "interaction reply failed (channel 701, user 501), posting in the channel instead"
        in caplog.text
    )


# -- threads ----------------------------------------------------------------------------------


async def test_thread_mode_opens_a_thread_on_each_answer_and_remembers_it(fake_app, clock):
    fake_app.settings.discord.threads = True
    bot = build_bot(fake_app, clock=clock)
    cog = AskCog(bot)
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    answer_message = fake.sent[-1]
    assert fake.calls[-1] == ("create_thread", {"message": answer_message.id, "name": LOSSES})
    assert bot.memory.turn(answer_message.id) == Turn(LOSSES, ANSWER_DE)  # the thread's id

    in_thread = fake_interaction(bot, channel_id=answer_message.id, parent_id=701)
    await cog.ask.callback(cog, in_thread.interaction, LOSSES)
    assert "create_thread" not in in_thread.names()  # no thread inside a thread


async def test_without_thread_mode_no_thread_is_opened(bot, cog, fake_app):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot)
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    assert "create_thread" not in fake.names()


# -- the translate button ----------------------------------------------------------------------


async def test_quotes_in_another_language_get_a_translate_button_for_the_clicker_only(
    bot, cog, fake_app
):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_EN}"]
    fake = fake_interaction(bot, user_id=501)
    await cog.ask.callback(cog, fake.interaction, LOSSES_EN)
    assert fake.calls[-1] == ("edit_original_response", {
        "content": ANSWER_EN, "embeds": [quote_embed((448, 747), opening="“", closing="”")],
        "allowed_mentions": NONE_MENTIONS, "view": ["Translate quotes"]})  # fmt: skip
    view = fake.raw_call("edit_original_response")["view"]
    assert view.message is fake.sent[-1]

    translation = ("According to Lee Seong Kweun, North Korea suffered 4,700 casualties, including "
                   "600 dead, at the fronts between Russia and Ukraine.")  # fmt: skip
    fake_app.llm.replies = [f"[1] {translation}"]
    click = fake_interaction(bot, user_id=501)
    await view.translate.callback(click.interaction)
    assert click.calls == [
        ("defer", {"ephemeral": True, "thinking": True}),
        ("edit_original_response", {"content": None, "allowed_mentions": NONE_MENTIONS, "embeds": [{
            "type": "rich", "color": BLUE, "flags": 0,
            "title": "Machine translation of the quotes into English:",
            "fields": [{"name": f"[1] {TITLE}", "value": translation, "inline": False}]}]}),
    ]  # fmt: skip
    assert f"[1] {TEXT[448:747]}" in fake_app.llm.last_user  # the verbatim quote was translated
    assert "message.edit" not in fake.names() + click.names()  # the originals stay as they are

    german = fake_interaction(bot, user_id=777, locale=GERMAN)  # someone else, in German
    await view.translate.callback(german.interaction)
    assert german.contents() == ["Die Zitate sind schon in deiner Sprache."]


async def test_quotes_in_the_answers_language_get_no_button(bot, cog, fake_app):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, LOSSES)
    assert "view" not in fake.calls[-1][1]


async def test_a_why_question_shows_the_articles_words_and_both_quotes(bot, cog, fake_app):
    fake_app.settings.why_min_score = 0.3  # the toy embedder's scale
    moscow, rejects = (2717, 2894), (2895, 2959)
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.ask.callback(cog, fake.interaction, "Warum bestätigte Selenskyj, dass Moskau den "
                           "Abschluss der Operation zur Befreiung von Kursk verkündete?")  # fmt: skip
    answer = (f"Im Artikel heißt es: {TEXT[moscow[0]:moscow[1] - 1]} [1]. "
              f"{TEXT[rejects[0]:rejects[1] - 1]} [2].")  # fmt: skip
    assert fake.calls[-1] == ("edit_original_response", {
        "content": answer, "allowed_mentions": NONE_MENTIONS,
        "embeds": [quote_embed(moscow, rejects)]})  # fmt: skip
    assert fake_app.llm.requests == []


# -- the other commands ------------------------------------------------------------------------


async def test_summary_with_a_language_and_a_focus(bot, cog, fake_app):
    fake_app.llm.replies = [ANSWER_DE]
    fake = fake_interaction(bot)  # an English client asks for a German summary
    await cog.summary.callback(cog, fake.interaction, "de", "Verluste an den Fronten")
    expected = fake_app.answerer.summarize(language="de", focus="Verluste an den Fronten")
    assert expected.answered and expected.citations and expected.language == "de"
    assert fake.calls[0] == ("defer", {"thinking": True})
    assert fake.calls[-1] == ("edit_original_response", {
        "content": expected.answer, "allowed_mentions": NONE_MENTIONS,
        "embeds": [quote_embed(*[(c.start, c.end) for c in expected.citations])]})  # fmt: skip


async def test_quote_shows_the_best_passages_verbatim_without_the_model(bot, cog, fake_app):
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.quote.callback(cog, fake.interaction, "die toten Soldaten in Russland eingeäschert")
    assert fake.calls == [
        ("defer", {"thinking": True}),
        ("edit_original_response",
         {"content": "Im Artikel heißt es:", "allowed_mentions": NONE_MENTIONS,
          "embeds": [quote_embed((887, 1065), (301, 447), (2116, 2287))]}),
    ]  # fmt: skip
    assert fake_app.llm.requests == []


async def test_sources_lists_the_documents(bot, cog):
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.sources.callback(cog, fake.interaction)
    assert fake.calls[1] == ("edit_original_response", {
        "content": None, "allowed_mentions": NONE_MENTIONS, "embeds": [{
            "type": "rich", "color": BLUE, "flags": 0, "title": "Dokumente",
            "description": f"`{ARTICLE_ID}` — {TITLE} (de)"}]})  # fmt: skip


async def test_help_answers_at_once_and_only_to_the_asker(bot, cog):
    fake = fake_interaction(bot, locale=GERMAN)
    await cog.help.callback(cog, fake.interaction)
    [(name, kwargs)] = fake.calls
    assert (name, kwargs["ephemeral"], kwargs["allowed_mentions"]) == (
        "send_message",
        True,
        NONE_MENTIONS,
    )
    assert kwargs["content"].startswith("Frag mich zu den eingelesenen Artikeln")
    assert "`/frage frage`" in kwargs["content"]


async def test_document_options_autocomplete_from_the_ingested_documents(bot, fake_app):
    fake = fake_interaction(bot)
    choices = await document_choices(fake.interaction, "KURSK")
    assert [(c.name, c.value) for c in choices] == [
        (f"{ARTICLE_ID} — Der südkoreanische Geheimdienst erklärte, dass nordkoreanische…",
         ARTICLE_ID)]  # fmt: skip
    assert await document_choices(fake.interaction, "nothing like it") == []
    fake_app.settings.discord.allowed_guilds = [999]
    denied = build_bot(fake_app)
    assert await document_choices(fake_interaction(denied).interaction, "") == []


# -- admins -------------------------------------------------------------------------------------


def attachment(filename: str, data: bytes):
    file = mock.create_autospec(discord.Attachment, instance=True, spec_set=True)
    file.filename = filename
    file.size = len(data)

    async def read(**kwargs):
        return data

    file.read.side_effect = read
    return file


@pytest.fixture
def admin_bot(fake_app, clock):
    fake_app.settings.discord.admins = [900]
    bot = build_bot(fake_app, clock=clock)
    return bot, AdminCog(bot)


async def test_admins_ingest_an_attached_file_and_others_are_refused_politely(admin_bot, fake_app):
    bot, admin = admin_bot
    notes = attachment(
        "Notizen zum Treffen.md", b"# Treffen\n\nDas Treffen ist am Montag. Es beginnt um 18 Uhr.\n"
    )

    stranger = fake_interaction(bot, user_id=501)
    await admin.ingest.callback(admin, stranger.interaction, notes)
    assert stranger.calls == [
        (
            "send_message",
            {
                "content": "Sorry, only articlebot's admins can do that.",
                "ephemeral": True,
                "allowed_mentions": NONE_MENTIONS,
            },
        )
    ]
    assert [d.doc_id for d in fake_app.store.documents()] == [ARTICLE_ID]

    owner = fake_interaction(bot, user_id=900, guild_id=None, locale=GERMAN)  # admins may use DMs
    await admin.ingest.callback(admin, owner.interaction, notes)
    assert owner.calls == [
        ("defer", {"ephemeral": True, "thinking": True}),
        ("edit_original_response", {"content": "notizen-zum-treffen hinzugefügt (2 Abschnitte).",
                                    "embeds": [], "allowed_mentions": NONE_MENTIONS}),
    ]  # fmt: skip
    infos = {d.doc_id: (d.title, d.source) for d in fake_app.store.documents()}
    assert infos["notizen-zum-treffen"] == ("Treffen", "discord:Notizen zum Treffen.md")

    again = fake_interaction(bot, user_id=900)
    await admin.ingest.callback(admin, again.interaction, notes)
    assert again.contents() == ["notizen-zum-treffen is already ingested and unchanged."]


async def test_ingest_refuses_other_file_types_before_downloading(admin_bot):
    bot, admin = admin_bot
    pdf = attachment("report.pdf", b"%PDF-1.7")
    fake = fake_interaction(bot, user_id=900)
    await admin.ingest.callback(admin, fake.interaction, pdf)
    assert fake.calls == [
        (
            "send_message",
            {
                "content": "Please attach a .txt, .md or .html file.",
                "ephemeral": True,
                "allowed_mentions": NONE_MENTIONS,
            },
        )
    ]
    pdf.read.assert_not_awaited()


async def test_admins_remove_documents(admin_bot, fake_app):
    bot, admin = admin_bot
    stranger = fake_interaction(bot, user_id=501)
    await admin.remove.callback(admin, stranger.interaction, ARTICLE_ID)
    assert stranger.contents("send_message") == ["Sorry, only articlebot's admins can do that."]

    owner = fake_interaction(bot, user_id=900)
    await admin.remove.callback(admin, owner.interaction, "nope")
    assert owner.contents() == ["There is no document nope. /sources lists them."]
    owner = fake_interaction(bot, user_id=900)
    await admin.remove.callback(admin, owner.interaction, ARTICLE_ID)
    assert owner.contents() == [f"Removed {ARTICLE_ID}."]
    assert fake_app.store.documents() == []


# -- localisation ---------------------------------------------------------------------------------

DISCORD_NAME = re.compile(r"^[-_\w]{1,32}$")


async def test_commands_are_english_with_german_localisations(bot):
    await bot.add_cog(AskCog(bot))
    await bot.add_cog(AdminCog(bot))
    translator = ArticlebotTranslator()
    payloads = {c.name: await c.get_translated_payload(bot.tree, translator)
                for c in bot.tree.get_commands()}  # fmt: skip
    german = {name: p["name_localizations"].get("de") for name, p in payloads.items()}
    assert german == {
        "ask": "frage",
        "summary": "zusammenfassung",
        "quote": "zitat",
        "sources": "quellen",
        "help": "hilfe",
        "ingest": "einlesen",
        "remove": "entfernen",
        "Ask articlebot about this": "articlebot dazu fragen",
    }
    assert payloads["ask"]["description_localizations"] == {
        "de": "Beantwortet eine Frage zu den Artikeln, mit wörtlichen Zitaten."
    }
    options = {o["name"]: (o["name_localizations"], o["description_localizations"])
               for o in payloads["ask"]["options"]}  # fmt: skip
    assert options == {
        "question": ({"de": "frage"}, {"de": "Deine Frage, in jeder Sprache."}),
        "document": ({"de": "dokument"}, {"de": "Nur dieses Dokument verwenden (siehe /quellen)."}),
    }
    for payload in payloads.values():
        if payload.get("type", 1) == 1:  # slash commands: Discord's name rules, all localised
            for option in [payload, *payload.get("options", [])]:
                assert DISCORD_NAME.match(option["name"]) and option["name"].islower()
                assert DISCORD_NAME.match(option["name_localizations"]["de"])
                assert option["name_localizations"]["de"].islower()
                assert option["description_localizations"]["de"]


# -- the streaming throttle ------------------------------------------------------------------------


async def test_the_editor_shows_the_newest_text_at_most_once_per_interval():
    clock = FakeClock()
    shown = []

    async def show(text):
        shown.append((clock(), text))

    editor = ThrottledEditor(show, interval=1.0, clock=clock, sleep=clock.sleep)
    editor.update("a")
    editor.update("ab")  # before the first edit went out: only the newest is shown
    await asyncio.sleep(0)
    editor.update("abc")
    editor.update("abcd")
    for _ in range(5):
        await asyncio.sleep(0)
    await editor.ready()
    editor.update("abcde")
    await editor.close()  # a waiting edit is dropped; the final message replaces it
    editor.update("ignored after close")
    await asyncio.sleep(0)
    assert shown == [(1000.0, "ab"), (1001.0, "abcd")]
    assert clock.sleeps == [1.0, 1.0]
