"""Fakes for the Discord side that behave: interactions on discord.py's real spec.

`FakeInteraction` is `create_autospec(discord.Interaction, spec_set=True)` with a
real `InteractionResponse` and `Webhook` spec behind `response` and `followup`:
a call with a wrong name or argument fails as it would against discord.py.
Every call Discord would receive is recorded in order in `calls`, as plain data
(embeds as their JSON dicts, allowed_mentions as its JSON), and the fakes keep
state like Discord does: after `defer`, `response.is_done()` is true; an edit
returns the message it edited. `FakeClock` drives the streaming throttle
without real waiting.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import discord

from bot.discord.bot import ArticlebotBot, make_bot
from bot.service import AnswerService

_ids = itertools.count(10_000)
NONE_MENTIONS = {"parse": []}


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)


def plain(value: Any) -> Any:
    """Call arguments as the JSON-like data Discord would receive."""
    if isinstance(value, discord.Embed):
        return value.to_dict()
    if isinstance(value, discord.AllowedMentions):
        return value.to_dict()
    if isinstance(value, discord.ui.View):
        return [getattr(item, "label", None) for item in value.children]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def fake_message(
    calls: list, *, channel_id: int, content: str | None = None
) -> mock.NonCallableMagicMock:
    """A sent message on the real `discord.Message` spec; threads it opens are recorded."""
    message = mock.create_autospec(discord.InteractionMessage, instance=True, spec_set=True)
    message.id = next(_ids)
    message.content = content
    message.channel = mock.create_autospec(discord.TextChannel, instance=True, spec_set=True)
    message.channel.id = channel_id

    async def create_thread(*, name: str, **kwargs):
        calls.append(("create_thread", {"message": message.id, "name": name}))
        thread = mock.create_autospec(discord.Thread, instance=True, spec_set=True)
        thread.id = message.id
        thread.name = name
        return thread

    async def edit(**kwargs):
        calls.append(("message.edit", {k: plain(v) for k, v in kwargs.items()}))
        return message

    message.create_thread.side_effect = create_thread
    message.edit.side_effect = edit
    return message


@dataclass
class FakeInteraction:
    """One slash command, context menu or button press, and what the bot sent for it."""

    interaction: Any
    calls: list[tuple[str, dict]] = field(default_factory=list)  # as plain data
    raw: list[tuple[str, dict]] = field(default_factory=list)  # the objects themselves
    sent: list[Any] = field(default_factory=list)  # messages returned to the bot
    clock: FakeClock | None = None
    times: list[float] = field(default_factory=list)  # clock time of each call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def contents(self, name: str = "edit_original_response") -> list[str | None]:
        return [kwargs.get("content") for n, kwargs in self.calls if n == name]

    def raw_call(self, name: str, index: int = -1) -> dict:
        return [kwargs for n, kwargs in self.raw if n == name][index]


def fake_interaction(
    bot: discord.Client,
    *,
    user_id: int = 501,
    guild_id: int | None = 601,
    channel_id: int = 701,
    parent_id: int | None = None,
    role_ids: tuple[int, ...] = (),
    locale: discord.Locale = discord.Locale.american_english,
    clock: FakeClock | None = None,
    fail_edits: bool = False,
) -> FakeInteraction:
    interaction = mock.create_autospec(discord.Interaction, instance=True, spec_set=True)
    fake = FakeInteraction(interaction, clock=clock)
    calls = fake.calls
    done = {"value": False}

    def record(name: str, kwargs: dict) -> None:
        calls.append((name, {k: plain(v) for k, v in kwargs.items()}))
        fake.raw.append((name, kwargs))
        if clock is not None:
            fake.times.append(clock())

    def sent(message):
        fake.sent.append(message)
        return message

    user_spec = discord.Member if guild_id is not None else discord.User
    user = mock.create_autospec(user_spec, instance=True, spec_set=True)
    user.id = user_id
    user.bot = False
    if guild_id is not None:
        roles = []
        for role_id in role_ids:
            role = mock.create_autospec(discord.Role, instance=True, spec_set=True)
            role.id = role_id
            roles.append(role)
        user.roles = roles
    if parent_id is not None:
        channel = mock.create_autospec(discord.Thread, instance=True, spec_set=True)
        channel.parent_id = parent_id
    elif guild_id is None:
        channel = mock.create_autospec(discord.DMChannel, instance=True, spec_set=True)
    else:
        channel = mock.create_autospec(discord.TextChannel, instance=True, spec_set=True)
    channel.id = channel_id

    async def channel_send(**kwargs):
        record("channel.send", kwargs)
        return sent(fake_message(calls, channel_id=channel_id, content=kwargs.get("content")))

    channel.send.side_effect = channel_send

    response = mock.create_autospec(discord.InteractionResponse, instance=True, spec_set=True)
    response.is_done.side_effect = lambda: done["value"]

    async def defer(**kwargs):
        assert not done["value"], "an interaction is acknowledged once"
        record("defer", kwargs)
        done["value"] = True

    async def send_message(content=None, **kwargs):
        assert not done["value"], "an interaction is acknowledged once"
        record("send_message", {"content": content, **kwargs})
        done["value"] = True

    response.defer.side_effect = defer
    response.send_message.side_effect = send_message

    async def edit_original_response(**kwargs):
        assert done["value"], "edit_original_response before the interaction was acknowledged"
        record("edit_original_response", kwargs)
        if fail_edits:
            raise discord.NotFound(mock.Mock(status=404, reason="Not Found"), "Unknown Webhook")
        return sent(fake_message(calls, channel_id=channel_id, content=kwargs.get("content")))

    interaction.edit_original_response.side_effect = edit_original_response

    followup = mock.create_autospec(discord.Webhook, instance=True, spec_set=True)

    async def followup_send(content=None, **kwargs):
        assert done["value"], "a followup before the interaction was acknowledged"
        record("followup.send", ({"content": content} if content is not None else {}) | kwargs)
        return sent(fake_message(calls, channel_id=channel_id, content=content))

    followup.send.side_effect = followup_send

    interaction.id = next(_ids)
    interaction.client = bot
    interaction.user = user
    interaction.guild_id = guild_id
    interaction.channel_id = channel_id
    interaction.channel = channel
    interaction.locale = locale
    interaction.response = response
    interaction.followup = followup
    return fake


def build_bot(app, *, clock: FakeClock | None = None, service: AnswerService | None = None,
              **options) -> ArticlebotBot:  # fmt: skip
    """The real bot over a test `App` (scripted LLM, toy embedder, in-process Chroma)."""
    clock = clock or FakeClock()
    service = service or AnswerService(app.answerer, library=app,
                                       queue_size=app.settings.discord.queue_size,
                                       cooldown_s=app.settings.discord.cooldown_s)  # fmt: skip
    return make_bot(settings=app.settings, service=service, prompts=app.prompts, clock=clock,
                    sleep=clock.sleep, **options)  # fmt: skip
