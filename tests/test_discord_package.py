"""The Discord package's own pieces: the common opening (gate), extensions loaded by name,
a responder that needs no bot, and the import rules of `bot/discord/`.

The gate is exercised with the same `FakeInteraction` (discord.py's real specs) as the
commands, and asserts exactly what Discord would receive.
"""

import ast
import asyncio
from pathlib import Path

import discord
import pytest

from bot.discord.access import AccessPolicy
from bot.discord.errors import ErrorReporter
from bot.discord.gate import Gate
from bot.discord.memory import ConversationMemory
from bot.discord.responder import Responder
from bot.discord.targets import InteractionTarget
from bot.errors import InputError
from bot.results import Turn
from bot.service import AnswerService
from tests.conftest import ARTICLE_ID
from tests.discord_fakes import NONE_MENTIONS, FakeClock, build_bot, fake_interaction

ROOT = Path(__file__).resolve().parent.parent
GERMAN = discord.Locale.german
ANSWER_DE = "Nordkorea erlitt 4.700 Verluste, darunter 600 Tote [1]."
LOSSES = "Wie viele Verluste, darunter Tote, erlitt Nordkorea an den Fronten?"


@pytest.fixture
def service(fake_app):
    return AnswerService(fake_app.answerer, library=fake_app)


def make_gate(fake_app, service, **policy) -> Gate:
    return Gate(AccessPolicy(**policy), ErrorReporter(fake_app.prompts), service, "en")


def refusal(text):
    return [("send_message", {"content": text, "ephemeral": True,
                              "allowed_mentions": NONE_MENTIONS})]  # fmt: skip


def shown(text):
    return ("edit_original_response", {"content": text, "embeds": [], "view": None,
                                       "allowed_mentions": NONE_MENTIONS})  # fmt: skip


# -- the common opening ----------------------------------------------------------------------


async def test_the_gate_checks_access_then_acknowledges_then_checks_the_document(
    fake_app, service
):
    gate = make_gate(fake_app, service)
    fake = fake_interaction(None, locale=GERMAN)
    async with gate.open(fake.interaction) as request:
        assert (request.language, request.user_id) == ("de", 501)
        assert await request.start(document=ARTICLE_ID) == [ARTICLE_ID]
    assert fake.calls == [("defer", {"thinking": True})]

    fake = fake_interaction(None, locale=GERMAN)
    async with gate.open(fake.interaction) as request:
        await request.start(document="nope")
        raise AssertionError("not reached: an unknown document ends the request")
    assert fake.calls == [("defer", {"thinking": True}),
                          shown("Es gibt kein Dokument nope. /quellen listet sie auf.")]  # fmt: skip

    fake = fake_interaction(None)  # no document option: all documents, no lookup
    async with gate.open(fake.interaction) as request:
        assert await request.start() is None


async def test_outside_the_allow_lists_nothing_is_acknowledged_or_looked_up(fake_app, service):
    gate = make_gate(fake_app, service, guilds=frozenset({999}))
    fake = fake_interaction(None)
    async with gate.open(fake.interaction) as request:
        await request.start(document="nope")
    assert fake.calls == refusal("articlebot is not available here.")


async def test_admin_requests_are_ephemeral_and_their_own_checks_run_before_the_acknowledgement(
    fake_app, service
):
    gate = make_gate(fake_app, service, admins=frozenset({900}), guilds=frozenset({999}))

    def refuse():
        raise InputError("report.pdf: unsupported file type", key="unsupported_file")

    stranger = fake_interaction(None, user_id=501)
    async with gate.open(stranger.interaction, ephemeral=True) as request:
        await request.start(admin=True, check=refuse)
    assert stranger.calls == refusal("Sorry, only articlebot's admins can do that.")

    admin = fake_interaction(None, user_id=900)  # admins act anywhere, outside the lists too
    async with gate.open(admin.interaction, ephemeral=True) as request:
        await request.start(admin=True, check=refuse)
    assert admin.calls == refusal("Please attach a .txt, .md or .html file.")

    admin = fake_interaction(None, user_id=900)
    async with gate.open(admin.interaction, ephemeral=True) as request:
        await request.start(admin=True, check=lambda: None)
    assert admin.calls == [("defer", {"ephemeral": True, "thinking": True})]


async def test_an_error_after_the_opening_is_shown_in_the_requests_language(fake_app, service):
    gate = make_gate(fake_app, service)
    fake = fake_interaction(None, locale=GERMAN)
    async with gate.open(fake.interaction, language="fr") as request:  # e.g. the answer's
        await request.start()
        raise RuntimeError("internal detail")
    assert fake.calls[-1] == shown("Une erreur s'est produite. Veuillez réessayer.")
    assert "internal detail" not in str(fake.calls)


async def test_cancellation_is_not_swallowed_by_the_opening(fake_app, service):
    gate = make_gate(fake_app, service)
    fake = fake_interaction(None)
    with pytest.raises(asyncio.CancelledError):
        async with gate.open(fake.interaction) as request:
            await request.start()
            raise asyncio.CancelledError()
    assert fake.calls == [("defer", {"thinking": True})]


# -- the responder needs no bot ---------------------------------------------------------------


async def test_the_responder_answers_with_the_service_prompts_and_memory_alone(fake_app, service):
    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    clock = FakeClock()
    memory = ConversationMemory(10)
    responder = Responder(service, fake_app.prompts, memory, gate=make_gate(fake_app, service),
                          clock=clock, sleep=clock.sleep)  # fmt: skip
    fake = fake_interaction(None, locale=GERMAN)
    await fake.interaction.response.defer(thinking=True)
    answer, sent = await responder.run(
        InteractionTarget(fake.interaction),
        lambda on_text, on_position: service.ask(LOSSES, on_text=on_text, on_position=on_position),
        ui_language="de", asker_id=501,
    )  # fmt: skip
    assert (answer.answer, fake.contents()[-1]) == (ANSWER_DE, ANSWER_DE)
    assert memory.turn(sent[-1].id) == Turn(LOSSES, ANSWER_DE)


async def test_streamed_text_that_looks_the_same_costs_no_edit(fake_app, service):
    """A token that only adds a space or a line break changes nothing the message shows."""
    clock = FakeClock()
    gate = make_gate(fake_app, service)
    responder = Responder(service, fake_app.prompts, ConversationMemory(10), gate=gate,
                          clock=clock, sleep=clock.sleep)  # fmt: skip
    fake = fake_interaction(None)
    await fake.interaction.response.defer(thinking=True)

    async def run(on_text, on_position):
        for text in ("Nordkorea", "Nordkorea ", "Nordkorea\n", "Nordkorea erlitt"):
            on_text(text)
            await clock.sleep(1.5)  # slower than the edit interval: each could be shown
        return await service.ask(LOSSES)

    fake_app.llm.replies = [f"SOURCES: 1\nANSWER: {ANSWER_DE}"]
    await responder.run(InteractionTarget(fake.interaction), run, ui_language="de", asker_id=501)
    assert fake.contents() == ["Nordkorea", "Nordkorea erlitt", ANSWER_DE]


# -- extensions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("message_content", [True, False])
async def test_the_cogs_are_extensions_loaded_by_name(fake_app, message_content):
    fake_app.settings.discord.sync_commands = False
    bot = build_bot(fake_app, message_content=message_content)
    await bot.setup_hook()
    try:
        expected = ["bot.discord.cogs.admin", "bot.discord.cogs.ask"]
        if message_content:
            expected.append("bot.discord.cogs.conversation")
        assert sorted(bot.extensions) == expected
        assert sorted(bot.cogs) == ["AdminCog", "AskCog"] + (
            ["ConversationCog"] if message_content else []
        )
        assert sorted(c.name for c in bot.tree.get_commands()) == [
            "Ask articlebot about this", "ask", "help", "ingest", "quote", "remove", "sources",
            "summary"]  # fmt: skip
    finally:
        await bot.close()
    assert bot.extensions == {} and bot.cogs == {}


# -- import rules ---------------------------------------------------------------------------------


def imports(path: Path) -> set[str]:
    """Every module `path` imports, including those under TYPE_CHECKING."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_discord_package_imports_discord():
    ours = [p for top in ("bot", "retrieval", "models", "scripts") for p in (ROOT / top).rglob("*.py")]
    outside = {str(p.relative_to(ROOT)) for p in ours
               if p.relative_to(ROOT).parts[:2] != ("bot", "discord")
               and any(m == "discord" or m.startswith("discord.") for m in imports(p))}  # fmt: skip
    assert outside == set()


def test_no_module_of_the_package_imports_the_bot_or_the_entry_point():
    package = ROOT / "bot" / "discord"
    importers = {}
    for path in package.rglob("*.py"):
        for name in ("bot.discord.bot", "bot.discord.run"):
            if name in imports(path):
                importers.setdefault(name, set()).add(str(path.relative_to(package)))
    assert importers == {"bot.discord.bot": {"run.py"}}
    assert not any(m == "bot.app" for p in package.rglob("*.py") if p.name != "run.py"
                   for m in imports(p))  # fmt: skip
