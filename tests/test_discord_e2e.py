"""Issue #13: the real bot process over the real protocol, through the local Discord.

Each scenario drives `articlebot serve`, started as a subprocess from this checkout
and pointed at a `LocalDiscord` only by `[discord] api_base` / `gateway_url`, and
asserts what a user would see, from the REST requests the server recorded: the
acknowledgement's delay, each edit, the final content and embeds, `allowed_mentions`.
The answers come from the real core: EmbeddingGemma over Chroma on disk and SmolLM2
(plumbing, fast); one scenario uses Qwen for a real answer and a real translation.

Start-up is the cost (embedder and model, 10-20 s a process), so one bot process
serves every scenario that can share it; only the rejected token and Qwen get their
own, and SIGTERM ends the shared one last. The article is ingested once, by
`articlebot ingest`; each process gets its own copy of that index.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import pytest_asyncio

from tests.conftest import ARTICLE, ARTICLE_ID
from tests.local_discord import LocalDiscord, SentInteraction
from tests.local_discord import payloads as p
from tests.local_discord.process import BotProcess, index_article, launch
from tests.local_discord.recording import RecordedRequest

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

TEXT = ARTICLE.read_text(encoding="utf-8")
TITLE = TEXT.splitlines()[0]
# The 135M model that answers here writes a cited line for QUESTION both with llama.cpp
# built for AVX2 and for AVX-512 (the kernels round differently, and its answers to
# "… were sent to Russia?" differ between the two: a cited line, or a decline).
QUESTION = "How many North Korean soldiers were killed?"
QUESTION_DE = "Wie viele Soldaten hat Nordkorea nach Russland geschickt?"
TEN_AT_ONCE = "How many soldiers did North Korea send to Russia at the end of last year?"
FOLLOW_UP = "und wie viele davon starben?"
QUOTE_QUERY = "Feuerbestattung der toten Soldaten"
CREMATION = TEXT[887:1065]  # the sentence EmbeddingGemma ranks first for QUOTE_QUERY

STREAM_INTERVAL_S = 1.0
ACK_LIMIT_S = 3.0  # Discord's deadline for the first response to an interaction
HUMAN_DELAY_S = 0.5  # from seeing a button to clicking it
QUOTE_LIMIT_S = 1.0
ANSWER_TIMEOUT_S = 300.0  # generous: SmolLM2 answers in about a second on an idle machine
QWEN_TIMEOUT_S = 900.0  # Qwen: about 3 s on an idle machine, minutes on a busy one
EXIT_LIMIT_S = 10.0  # after SIGTERM, once the answer is out (docker stop's grace period)
# The bot's time budget per generation (60 s by default) would cut answers short on a busy
# machine; these tests check what is answered, the budget has its own tests.
PATIENT = {"ARTICLEBOT_GENERATION_TIMEOUT_S": "900"}
NO_PINGS = {"parse": []}
MANAGE_GUILD = 1 << 5  # admin commands are shown to members with Manage Server
NOT_ALLOWED = "articlebot is not available here."
BUSY = "I'm busy right now. Please try again in a minute."

EDIT_ORIGINAL = "/webhooks/{w}/{t}/messages/@original"
CHANNEL_MESSAGES = "/channels/{c}/messages"
CHANNEL_MESSAGE = "/channels/{c}/messages/{m}"
MARKER = re.compile(r"\[(\d+)\]")
QUOTE_MARKS = {"en": ("“", "”"), "de": ("„", "“")}
READERS = [f"reader{i}" for i in range(1, 11)]


# -- what a user sees ---------------------------------------------------------------------


def unescape(text: str) -> str:
    """Undo `discord.utils.escape_markdown`."""
    return re.sub(r"\\(.)", r"\1", text)


def quotes(message: dict) -> dict[int, str]:
    """The numbered quotes in a message's embeds, without their quotation marks."""
    found = {}
    for embed in message.get("embeds") or []:
        for field in embed.get("fields", []):
            n = int(MARKER.match(field["name"]).group(1))
            value = field["value"]
            assert (value[0], value[-1]) in QUOTE_MARKS.values(), value
            found[n] = unescape(value[1:-1])
    return found


def assert_cited_verbatim(message: dict) -> None:
    """`[n]` markers in the text, and every quote word for word from the article."""
    cited = quotes(message)
    markers = {int(n) for n in MARKER.findall(message["content"])}
    assert markers, f"no [n] marker in {message['content']!r}"
    assert markers <= set(cited), (markers, cited)
    for n, quote in cited.items():
        assert quote in TEXT, f"[{n}] is not verbatim from the article: {quote!r}"
    title = discord.utils.escape_markdown(TITLE)
    for embed in message["embeds"]:
        assert all(f["name"].endswith(title) for f in embed["fields"])


def is_final(request: RecordedRequest) -> bool:
    """The final message of an answer carries its embeds (an empty list when declined)."""
    return isinstance(request.json, dict) and "embeds" in request.json


def assert_edit_intervals(edits: list[RecordedRequest]) -> None:
    """Each edit starts at least `stream_interval_s` after the previous one was answered."""
    for previous, edit in zip(edits, edits[1:], strict=False):
        assert edit.at - previous.answered_at >= STREAM_INTERVAL_S - 0.01, (previous, edit)


def acknowledged(sent: SentInteraction) -> None:
    """The acknowledgement: a deferred ("thinking") response well within Discord's 3 s."""
    callback = sent.callbacks[0]
    assert callback.json["type"] == p.CALLBACK_DEFERRED_CHANNEL_MESSAGE
    assert sent.ack_delay is not None and sent.ack_delay < ACK_LIMIT_S, sent.ack_delay


def replies_to(message: dict) -> Callable[[RecordedRequest], bool]:
    def match(r: RecordedRequest) -> bool:
        reference = (r.json or {}).get("message_reference") or {}
        return r.status == 200 and str(reference.get("message_id")) == message["id"]

    return match


async def reply_to(server: LocalDiscord, message: dict, *, start: int = 0) -> RecordedRequest:
    """The bot's reply to `message` (its first POST)."""
    return await server.wait_for_request("POST", CHANNEL_MESSAGES, where=replies_to(message),
                                         start=start, timeout=ANSWER_TIMEOUT_S)  # fmt: skip


async def final_reply(server: LocalDiscord, message: dict, *, start: int = 0) -> dict:
    """The bot's finished reply to `message`, as Discord stores it."""
    first = await reply_to(server, message, start=start)
    if is_final(first):
        return server.world.message(first.response["id"])
    mid = first.response["id"]
    edit = await server.wait_for_request(
        "PATCH", CHANNEL_MESSAGE, start=first.index, timeout=ANSWER_TIMEOUT_S,
        where=lambda r: r.params["message_id"] == mid and is_final(r),
    )  # fmt: skip
    return server.world.message(edit.response["id"])


async def finished(sent: SentInteraction, bot: BotProcess, *, timeout: float) -> RecordedRequest:
    """The final edit of an interaction; on a timeout, what it showed last and the bot's log."""
    try:
        return await sent.wait_for_edit(is_final, timeout=timeout)
    except AssertionError as exc:
        shown = sent.edits[-1].json.get("content") if sent.edits else None
        log = "\n".join(bot.lines.items[-15:])
        raise AssertionError(f"{exc}\nlast shown: {shown!r}\nbot log:\n{log}") from None


# -- the processes --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def article_index(tmp_path_factory) -> Path:
    """The bundled article ingested once, by `articlebot ingest`, for every bot process."""
    return index_article(tmp_path_factory.mktemp("e2e-index") / "data")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[LocalDiscord]:
    """The guild: alice (owner, Moderator, admin), bob (no role), carol and ten readers."""
    server = await LocalDiscord().start()
    world = server.world
    world.add_role("Reader")
    for name in ["carol", *READERS]:
        world.add_member(name, roles=["Reader"])
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(server, article_index, tmp_path_factory) -> AsyncIterator[BotProcess]:
    """One `articlebot serve` for every scenario that can share it, READY and synced."""
    world = server.world
    settings = {
        "sync_guild": world.guild_id,
        "threads": True,
        "queue_size": 9,
        "allow_dms": False,
        "allowed_roles": [world.role_id("Moderator"), world.role_id("Reader")],
        "admins": [world.user_id("alice")],
        "stream_interval_s": STREAM_INTERVAL_S,
    }
    # Short answers: plumbing, not prose. No answer cache: these scenarios ask the same
    # questions again and watch them wait in line (the cache's own Discord test is in
    # test_local_discord.py).
    extra = {"ARTICLEBOT_MAX_TOKENS": "64", "ARTICLEBOT_ANSWER_CACHE_SIZE": "0", **PATIENT}
    process = await launch(server, tmp_path_factory.mktemp("bot"), index=article_index,
                           discord=settings, extra=extra)  # fmt: skip
    try:
        await process.wait_ready(server, timeout=ANSWER_TIMEOUT_S)
        yield process
    finally:
        await process.stop()


@dataclass
class Asked:
    sent: SentInteraction
    final: RecordedRequest


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def asked(server, bot) -> Asked:
    """`/ask` in #general, answered: scenarios 2, 5 and 6 start from it."""
    sent = await server.slash_command("ask", {"question": QUESTION})
    await sent.wait_acknowledged(timeout=ACK_LIMIT_S + 2)
    final = await sent.wait_for_edit(is_final, timeout=ANSWER_TIMEOUT_S)
    return Asked(sent, final)


# -- 1. start-up ----------------------------------------------------------------------------


async def test_start_up_logs_in_identifies_and_syncs_the_command_tree(server, bot):
    login = [(r.method, r.path, r.status, r.authorized) for r in server.requests][:2]
    assert login == [("GET", "/users/@me", 200, True),
                     ("GET", "/oauth2/applications/@me", 200, True)]  # fmt: skip
    identify = await server.wait_for_identify()
    assert identify["token"] == server.token
    assert identify["intents"] == discord.Intents.default().value | p.MESSAGE_CONTENT
    sent = [f.t for f in server.frames if f.direction == "send" and f.op == 0][:2]
    assert sent == ["READY", "GUILD_CREATE"]
    # discord.py dispatches on_ready only after the guilds' GUILD_CREATE and a quiet
    # spell (`guild_ready_timeout`); on a loaded 2-core machine that once came more than
    # 10 s after the models were warmed up (a CI run of 2026-12-07, evening). What is
    # tested is that it comes, not how soon.
    await bot.wait_for_line("connected as articlebot", timeout=60)

    [sync] = server.requests_to("PUT", "/applications/{a}/guilds/{g}/commands")
    assert sync.params["guild_id"] == str(server.world.guild_id) and sync.status == 200
    assert server.requests_to("PUT", "/applications/{a}/commands") == []  # nothing global
    tree = {(c["type"], c["name"]): c for c in sync.json}
    chat = {name: c for (kind, name), c in tree.items() if kind == p.COMMAND_CHAT_INPUT}
    assert sorted(chat) == ["ask", "help", "ingest", "quote", "remove", "sources", "summary"]
    german = {name: c["name_localizations"]["de"] for name, c in chat.items()}
    assert german == {"ask": "frage", "summary": "zusammenfassung", "quote": "zitat",
                      "sources": "quellen", "help": "hilfe", "ingest": "einlesen",
                      "remove": "entfernen"}  # fmt: skip
    options = {o["name"]: o for o in chat["ask"]["options"]}
    assert (options["question"]["name_localizations"], options["question"]["required"]) == (
        {"de": "frage"}, True)  # fmt: skip
    assert options["document"]["autocomplete"] is True
    assert chat["ask"]["description_localizations"]["de"].startswith("Beantwortet eine Frage")
    admin_only = {name: int(chat[name]["default_member_permissions"]) for name in chat
                  if chat[name].get("default_member_permissions") is not None}  # fmt: skip
    assert admin_only == {"ingest": MANAGE_GUILD, "remove": MANAGE_GUILD}
    menu = tree[(p.COMMAND_MESSAGE, "Ask articlebot about this")]
    assert menu["name_localizations"] == {"de": "articlebot dazu fragen"}
    assert server.unknown_requests == []


# -- 2. /ask ----------------------------------------------------------------------------------


async def test_ask_is_acknowledged_at_once_streamed_and_answered_with_verbatim_quotes(
    server, asked
):
    sent, final = asked.sent, asked.final
    acknowledged(sent)
    edits = sent.edits
    assert edits[-1] is final, "nothing edits the answer after its final form"
    assert len(edits) >= 2, "the answer streams before it is final"
    assert_edit_intervals(edits)
    assert all(e.json["allowed_mentions"] == NO_PINGS for e in edits)
    assert all(e.at > sent.callbacks[0].answered_at for e in edits)  # after the acknowledgement

    message = sent.original()
    assert message["content"] == final.json["content"]
    assert_cited_verbatim(message)
    assert (message["mentions"], message["mention_roles"], message["mention_everyone"]) == (
        [], [], False)  # fmt: skip
    # German quotes under an English answer: the "Translate quotes" button.
    [row] = message["components"]
    assert [b["label"] for b in row["components"]] == ["Translate quotes"]


# -- 3. /quote --------------------------------------------------------------------------------


async def test_quote_answers_without_the_model_in_well_under_a_second(server, bot):
    """Wall time, less what other processes cost the bot: the time it was ready to run
    but had no CPU (none on an idle machine; much when it runs niced on a busy one)."""
    on_cpu, waited = bot.cpu_times()
    sent = await server.slash_command("quote", {"query": QUOTE_QUERY})
    final = await sent.wait_for_edit(is_final, timeout=10)
    acknowledged(sent)
    elapsed = final.answered_at - sent.state.dispatched_at
    on_cpu, waited = (now - before for now, before in zip(bot.cpu_times(), (on_cpu, waited)))
    assert elapsed - waited < QUOTE_LIMIT_S, (
        f"/quote took {elapsed:.2f} s, {waited:.2f} s of it waiting for a CPU ({on_cpu:.2f} "
        f"CPU seconds)")
    assert sent.edits == [final]  # no place in line, nothing streamed
    assert final.json["content"] == "The article says:"
    assert final.json["allowed_mentions"] == NO_PINGS
    cited = quotes(final.json)
    assert cited[1] == CREMATION
    assert all(quote in TEXT for quote in cited.values())


# -- 4. a mention, then a reply to the answer -------------------------------------------------


async def test_a_mention_gets_typing_and_a_reply_and_a_reply_to_it_is_a_follow_up(server, bot):
    start = len(server.requests)
    asked = await server.message_from("alice", f"{server.bot_mention} {QUESTION_DE}")
    answer = await final_reply(server, asked, start=start)
    general = server.channel_id("general")
    first = await reply_to(server, asked, start=start)
    typed = [r for r in server.requests.items[start:] if r.path == f"/channels/{general}/typing"]
    assert typed and typed[0].at < first.at, "typing shows before the reply"
    assert first.json["allowed_mentions"] == NO_PINGS
    assert answer["message_reference"]["message_id"] == asked["id"]
    assert_cited_verbatim(answer)
    assert answer["mentions"] == [], "the asker is not pinged by the reply"
    edits = [r for r in server.requests.items[start:]
             if r.method == "PATCH" and r.params.get("message_id") == answer["id"]]  # fmt: skip
    assert all(e.json["allowed_mentions"] == NO_PINGS for e in edits)
    assert_edit_intervals([first, *edits])

    # A reply to the answer, without a mention: a follow-up with the first exchange as memory.
    start = len(server.requests)
    lines = len(bot.lines)
    follow_up = await server.message_from("alice", FOLLOW_UP, reply_to=answer)
    second = await final_reply(server, follow_up, start=start)
    assert second["message_reference"]["message_id"] == follow_up["id"]
    assert second["mentions"] == []
    await bot.wait_for_line(
        f"answering message {follow_up['id']} in channel {general} with 1 earlier exchanges",
        start=lines, timeout=5,
    )  # fmt: skip


# -- 5. thread mode ---------------------------------------------------------------------------


async def test_in_thread_mode_ask_opens_a_thread_where_messages_need_no_mention(
    server, bot, asked
):
    answer_id = asked.sent.original()["id"]
    created = await server.wait_for_request(
        "POST", "/channels/{c}/messages/{m}/threads", timeout=10,
        where=lambda r: r.params["message_id"] == answer_id,
    )  # fmt: skip
    assert created.status == 201 and created.json["name"] == QUESTION
    thread = created.response
    assert (thread["parent_id"], thread["owner_id"]) == (
        str(server.channel_id("general")), str(server.world.application_id))  # fmt: skip

    start, lines = len(server.requests), len(bot.lines)
    message = await server.message_from("alice", FOLLOW_UP, channel=int(thread["id"]))
    answer = await final_reply(server, message, start=start)
    assert answer["channel_id"] == thread["id"]
    assert any(r.path == f"/channels/{thread['id']}/typing" for r in server.requests.items[start:])
    await bot.wait_for_line(
        f"answering message {message['id']} in channel {thread['id']} with 1 earlier exchanges",
        start=lines, timeout=5,
    )  # fmt: skip


# -- 6. the translate button ------------------------------------------------------------------


async def test_the_translate_button_shows_machine_translated_quotes_to_the_clicker_only(
    server, bot, asked
):
    original = asked.sent.original()
    before = (original["content"], original["embeds"])
    [button] = original["components"][0]["components"]
    pressed = await server.click_button(original["id"], button["custom_id"], user="alice")
    ack = await pressed.wait_acknowledged(timeout=ACK_LIMIT_S + 2)
    assert pressed.ack_delay < ACK_LIMIT_S
    assert ack.json == {"type": p.CALLBACK_DEFERRED_CHANNEL_MESSAGE,
                        "data": {"flags": p.FLAG_EPHEMERAL}}  # fmt: skip
    final = await pressed.wait_for_edit(is_final, timeout=ANSWER_TIMEOUT_S)
    # The 135M model writes no translation of these quotes: what it writes loses their
    # figures or strays from them, so the translation check withholds every line and the
    # clicker is told so. (Translations shown as an embed: test_discord_commands.py.)
    assert final.json["content"] == ("No machine translation to show: the model's was empty or "
                                     "did not keep close enough to the quotes.")  # fmt: skip
    shown = pressed.original()
    assert shown["flags"] & p.FLAG_EPHEMERAL, "only the person who clicked sees it"
    after = server.world.message(original["id"])
    assert (after["content"], after["embeds"]) == before, "the answer and its quotes stay"


# -- 7. ten at once ---------------------------------------------------------------------------


def ordinal(n: int) -> str:
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n, 'th') }"  # 1 to 9


def place(edit: RecordedRequest) -> int | None:
    """The place in line an edit shows, if it shows one."""
    found = re.fullmatch(r"You are (\d)\w\w in line…", edit.json.get("content") or "")
    return int(found.group(1)) if found else None


async def test_ten_users_at_once_are_answered_in_order_and_the_eleventh_is_busy(server, bot):
    """Eleven askers with queue_size 9: one is answered at once, nine wait, one is told the
    bot is busy. Which of them reaches the line first is the bot's arrival order (their
    acknowledgements race), so places are read from what each was shown."""
    sent = [await server.slash_command("ask", {"question": TEN_AT_ONCE}, user=name)
            for name in [*READERS, "carol"]]  # fmt: skip
    first = [await s.wait_for_edit(timeout=ANSWER_TIMEOUT_S) for s in sent]
    busy = [s for s, edit in zip(sent, first, strict=True) if edit.json["content"] == BUSY]
    assert len(busy) == 1, [edit.json["content"] for edit in first]
    places = {s.id: place(edit) or 0 for s, edit in zip(sent, first, strict=True) if s not in busy}
    assert sorted(places.values()) == list(range(10)), "one at once, then 1st to 9th in line"
    line = sorted((s for s in sent if s not in busy), key=lambda s: places[s.id])
    for s in line[1:]:
        assert s.edits[0].json["content"] == f"You are {ordinal(places[s.id])} in line…"
    # Retrieval does not wait in the model's line.
    quote = await server.slash_command("quote", {"query": QUOTE_QUERY})
    quoted = await quote.wait_for_edit(is_final, timeout=10)

    finals = [await s.wait_for_edit(is_final, timeout=ANSWER_TIMEOUT_S) for s in line]
    for s in [*sent, quote]:
        acknowledged(s)
    # Answered in their order. A message's final edit waits out its stream interval after
    # its last edit (a place notice), so two answers the 135M model finishes within one
    # interval can reach Discord in either order: order is kept up to that interval.
    assert all(later.at > earlier.at - STREAM_INTERVAL_S for earlier, later in zip(finals, finals[1:])), \
        ("answered in their order", [round(f.at - finals[0].at, 2) for f in finals])
    assert quoted.at < finals[1].at, "/quote was answered while questions waited"
    for s, final in zip(line, finals, strict=True):
        shown = [place(e) for e in s.edits if place(e) is not None]
        assert shown == sorted(shown, reverse=True), "places only move up"
        assert final.json["content"] and final.json["content"] != BUSY
        assert_edit_intervals(s.edits)
    assert len({f.json["content"] for f in finals}) == 1, "the same question, the same answer"
    assert is_final(busy[0].edits[-1]) and busy[0].edits[-1].json["content"] == BUSY


# -- 8. faults ----------------------------------------------------------------------------------


async def test_a_dropped_gateway_is_resumed_and_the_answer_still_delivered(server, bot):
    frames, connections = len(server.frames), len(server.connections)
    sent = await server.slash_command("ask", {"question": QUESTION})
    await sent.wait_acknowledged(timeout=ACK_LIMIT_S + 2)
    dropped_at = time.monotonic()
    await server.close_gateway(4000)  # mid-answer: acknowledged, not yet answered
    quote = await server.slash_command("quote", {"query": QUOTE_QUERY})  # while it is away

    await server.wait_for_frame("recv", op=6, start=frames, timeout=30)  # RESUME
    resumed = server.connections[connections]
    assert (resumed.path, resumed.resumed) == ("/resume", True)
    assert not any(f.op == 2 for f in server.frames.items[frames:]), "no new IDENTIFY"
    final = await sent.wait_for_edit(is_final, timeout=ANSWER_TIMEOUT_S)
    assert final.at > dropped_at and final.json["content"]
    # The interaction sent while the bot was away was replayed on RESUME and answered.
    await quote.wait_for_edit(is_final, timeout=10)
    acknowledged(quote)


async def test_a_429_on_an_edit_is_waited_out_and_the_edit_lands(server, bot):
    fault = server.fail_next("PATCH", EDIT_ORIGINAL, status=429, retry_after=1.5)
    sent = await server.slash_command("ask", {"question": QUESTION})
    final = await sent.wait_for_edit(is_final, timeout=ANSWER_TIMEOUT_S)
    [limited] = fault.hits
    assert limited.params["webhook_token"] == sent.token
    retry = next(r for r in server.requests.items[limited.index + 1 :]
                 if r.path == limited.path and r.method == "PATCH")  # fmt: skip
    assert (retry.status, retry.json) == (200, limited.json), "the same edit, sent again"
    assert retry.at - limited.answered_at >= 1.5 - 0.01, "waited out retry_after"
    assert final.json["content"] and sent.original()["content"] == final.json["content"]


async def test_a_server_error_on_the_final_send_is_logged_and_the_answer_posted_again(
    server, bot
):
    """The final edit of a reply fails every time. 503: discord.py retries a 500 for 25 s
    (1+3+5+7+9) before giving up, which would only make this test slow."""
    fault = server.fail_next("PATCH", CHANNEL_MESSAGE, status=503, times=100, where=is_final)
    try:
        start, lines = len(server.requests), len(bot.lines)
        asked = await server.message_from("alice", f"{server.bot_mention} {QUESTION}")
        first = await reply_to(server, asked, start=start)
        failed = await server.wait_for_request("PATCH", CHANNEL_MESSAGE, start=first.index,
                                               where=lambda r: r.status == 503,
                                               timeout=ANSWER_TIMEOUT_S)  # fmt: skip
        repost = await server.wait_for_request("POST", CHANNEL_MESSAGES, start=failed.index,
                                               where=replies_to(asked), timeout=10)  # fmt: skip
    finally:
        server.faults.remove(fault)
    assert failed.params["message_id"] == first.response["id"]
    assert fault.hits == [failed], "503 is not retried: the bot handles it"
    assert {k: repost.json[k] for k in ("content", "embeds")} == {
        k: failed.json[k] for k in ("content", "embeds")}  # fmt: skip
    assert repost.json["allowed_mentions"] == NO_PINGS
    await bot.wait_for_line(f"could not edit the reply {first.response['id']} in channel "
                            f"{server.channel_id('general')}", start=lines, timeout=5)  # fmt: skip


# -- 9. access ----------------------------------------------------------------------------------


def refused_at_once(sent: SentInteraction, text: str) -> None:
    [callback] = sent.callbacks
    assert callback.json["type"] == p.CALLBACK_CHANNEL_MESSAGE, "answered, not deferred"
    assert callback.json["data"]["content"] == text
    assert callback.json["data"]["flags"] == p.FLAG_EPHEMERAL
    assert callback.json["data"]["allowed_mentions"] == NO_PINGS
    assert sent.ack_delay < ACK_LIMIT_S and sent.edits == []


async def test_access_is_refused_politely_before_anything_is_queued(server, bot):
    start, lines = len(server.requests), len(bot.lines)
    # A user without an allowed role.
    outsider = await server.slash_command("ask", {"question": QUESTION}, user="bob")
    await outsider.wait_acknowledged()
    refused_at_once(outsider, NOT_ALLOWED)
    mention = await server.message_from("bob", f"{server.bot_mention} {QUESTION}")
    refusal = await reply_to(server, mention, start=start)
    assert refusal.json["content"] == NOT_ALLOWED
    assert refusal.json["allowed_mentions"] == NO_PINGS and refusal.response["mentions"] == []

    # An admin command by someone who may ask but is no admin.
    removal = await server.slash_command("remove", {"document": ARTICLE_ID}, user="carol")
    await removal.wait_acknowledged()
    refused_at_once(removal, "Sorry, only articlebot's admins can do that.")

    # A DM when DMs are off (in the question's language).
    dm = await server.direct_message("alice", QUESTION_DE)
    refusal = await reply_to(server, dm, start=start)
    assert refusal.json["content"] == "articlebot ist hier nicht verfügbar."
    assert refusal.params["channel_id"] == server.world.dm_channel("alice")["id"]

    assert not any(r.path.endswith("/typing") for r in server.requests.items[start:])
    assert not any("answering message" in line for line in bot.lines.items[lines:])
    assert "removed" not in "\n".join(bot.lines.items[lines:])
    sources = await server.slash_command("sources", user="alice")
    listed = await sources.wait_for_edit(is_final, timeout=10)
    assert ARTICLE_ID in listed.json["embeds"][0]["description"], "nothing was removed"


# -- everything the bot sent ----------------------------------------------------------------------


async def test_nothing_the_bot_sent_could_ping_anyone(server, bot):
    sends = [r for r in server.requests
             if r.method in ("POST", "PATCH") and isinstance(r.json, dict)
             and ("content" in r.json or "embeds" in r.json)]  # fmt: skip
    callbacks = [r.json["data"] for r in server.requests
                 if r.path.endswith("/callback") and (r.json or {}).get("type") == 4]  # fmt: skip
    assert sends and callbacks
    assert all(r.json["allowed_mentions"] == NO_PINGS for r in sends), [
        r for r in sends if r.json.get("allowed_mentions") != NO_PINGS]  # fmt: skip
    assert all(c["allowed_mentions"] == NO_PINGS for c in callbacks)
    mine = [m for m in server.world.messages.values()
            if m["author"]["id"] == str(server.world.application_id)]  # fmt: skip
    assert mine and all(not m["mentions"] and not m["mention_everyone"] for m in mine)
    assert server.unknown_requests == []
    assert "Traceback" not in bot.stderr


# -- 10. tokens and signals -----------------------------------------------------------------------


async def test_a_rejected_token_exits_non_zero_with_one_line(article_index, tmp_path):
    async with LocalDiscord() as other:
        process = await launch(other, tmp_path, index=article_index, token="not.the.token",
                               discord={}, verbose=False)  # fmt: skip
        code = await process.wait(timeout=120)
        assert code == 1
        assert process.lines.items == [
            "articlebot: error: Discord rejected the bot token (DISCORD_TOKEN or "
            "DISCORD_TOKEN_FILE): copy it again from the developer portal (Bot → Reset Token)"
        ]
        assert [(r.path, r.status) for r in other.requests] == [("/users/@me", 401)]
        assert len(other.connections) == 0


async def test_sigterm_during_an_answer_delivers_it_and_exits_cleanly(server, bot):
    """Last: it ends the shared bot."""
    sent = await server.slash_command("ask", {"question": QUESTION})
    # Streaming: the model is at work, and the final edit waits for the edit interval.
    await sent.wait_for_edit(timeout=ANSWER_TIMEOUT_S)
    lines = len(bot.lines)
    signalled = time.monotonic()
    bot.signal()
    code = await bot.wait(timeout=ANSWER_TIMEOUT_S)
    exited = time.monotonic()
    assert code == 0
    final = next((e for e in sent.edits if is_final(e)), None)
    assert final is not None, "the answer in flight was delivered"
    assert final.at > signalled and final.json["content"]
    after = "\n".join(bot.lines.items[lines:])
    late = exited - final.answered_at
    assert late < EXIT_LIMIT_S, f"exited {late:.1f} s after delivering:\n{after}"
    assert [(c.closed_by, c.close_code) for c in server.connections][-1] == ("client", 4000)
    assert "SIGTERM received: closing" in after and "articlebot stopped" in after
    assert not re.search(r"Traceback|Task was destroyed|Unclosed|ERROR", after), after


# -- Qwen: a real answer and a real translation (slow) ------------------------------------------


async def test_qwen_answers_with_the_right_figures_and_translates_its_quotes(
    article_index, tmp_path
):
    async with LocalDiscord() as other:
        settings = {"sync_guild": other.world.guild_id}
        process = await launch(other, tmp_path, index=article_index, discord=settings,
                               model=None, extra=PATIENT)  # fmt: skip
        try:
            await process.wait_ready(other, timeout=QWEN_TIMEOUT_S)
            question = "How many soldiers did North Korea send at the end of last year?"
            sent = await other.slash_command("ask", {"question": question})
            final = await finished(sent, process, timeout=QWEN_TIMEOUT_S)
            acknowledged(sent)
            message = sent.original()
            assert re.search(r"10[.,  ]?000", message["content"]), message["content"]
            assert re.search(r"12[.,  ]?000", message["content"]), message["content"]
            assert_cited_verbatim(message)
            assert "10.000 bis 12.000 Soldaten" in "".join(quotes(message).values())

            [button] = message["components"][0]["components"]
            # A person clicks a button some time after it is shown. discord.py registers
            # the button's view when the edit's response reaches it, a moment after this
            # server recorded the edit; a click in between is ignored (Discord would say
            # "This interaction failed"), so the test waits as a person would.
            await asyncio.sleep(HUMAN_DELAY_S)
            pressed = await other.click_button(message["id"], button["custom_id"])
            await pressed.wait_acknowledged(timeout=ACK_LIMIT_S + 2)
            translated = await finished(pressed, process, timeout=QWEN_TIMEOUT_S)
            [embed] = translated.json["embeds"]
            text = " ".join(f["value"] for f in embed["fields"])
            assert re.search(r"10[.,  ]?000", text) and re.search(r"12[.,  ]?000", text), text
            assert re.search(r"\bsoldiers\b", text, re.IGNORECASE), text
            assert final.json["allowed_mentions"] == NO_PINGS
        finally:
            assert await process.stop() == 0
