"""Who may use articlebot in Discord: the `[discord]` allow-lists and its admins.

`AccessPolicy` decides from ids alone (guild, channel and its parent, the user's
roles, the user) and reads them off an interaction or a message. A refusal is a
domain error (`AccessDenied`, `AdminOnly`) that the one error handler turns into
a message. A message outside the lists is refused only where a reply may be
posted (`may_refuse_in`: a DM, or a channel the lists serve); in other channels
and guilds the bot stays silent. It keeps no state, sends nothing and knows no
bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.errors import ArticlebotError

if TYPE_CHECKING:
    from bot.settings import DiscordSettings

log = logging.getLogger(__name__)


class AccessDenied(ArticlebotError):
    """The guild, channel or the user's roles are not on the allow-lists."""

    def __init__(self) -> None:
        super().__init__("articlebot is not available here", key="not_allowed")


class AdminOnly(ArticlebotError):
    """Only the configured admins may change the documents."""

    def __init__(self) -> None:
        super().__init__("only articlebot's admins can do that", key="admins_only")


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
        if not self.serves_place(guild_id=guild_id, channel_ids=channel_ids):
            return False
        return not self.roles or bool(role_ids & self.roles)

    def serves_place(self, *, guild_id: int | None, channel_ids: set[int]) -> bool:
        """Whether the guild and channel lists include this place (a DM: always, since only
        the person writing sees what the bot says there)."""
        if guild_id is None:
            return True
        if self.guilds and guild_id not in self.guilds:
            return False
        return not self.channels or bool(channel_ids & self.channels)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins

    @staticmethod
    def _ids(
        source: discord.Interaction | discord.Message,
    ) -> tuple[int | None, set[int], set[int]]:
        """(guild id, channel and parent ids, role ids) of an interaction or a message."""
        if isinstance(source, discord.Interaction):
            user, guild_id, channel_id = source.user, source.guild_id, source.channel_id
        else:
            user, channel_id = source.author, source.channel.id
            guild_id = source.guild.id if source.guild else None
        channel_ids = {channel_id, getattr(source.channel, "parent_id", None)} - {None}
        return guild_id, channel_ids, {role.id for role in getattr(user, "roles", ())}

    def admits(self, source: discord.Interaction | discord.Message) -> bool:
        """Whether the allow-lists let this interaction or message in (threads follow their
        parent channel)."""
        guild_id, channel_ids, roles = self._ids(source)
        return self.allows(guild_id=guild_id, channel_ids=channel_ids, role_ids=roles)

    def may_refuse_in(self, message: discord.Message) -> bool:
        """Whether a refused message may be told so where it was written: in a DM, or in a
        channel the bot serves (to someone without an allowed role). Elsewhere it is silent."""
        guild_id, channel_ids, _ = self._ids(message)
        return self.serves_place(guild_id=guild_id, channel_ids=channel_ids)

    def check(self, interaction: discord.Interaction) -> None:
        """Raises `AccessDenied` outside the allow-lists."""
        if not self.admits(interaction):
            raise AccessDenied()

    def check_admin(self, interaction: discord.Interaction) -> None:
        """Raises `AdminOnly` unless the user is an admin (admins may act anywhere)."""
        if not self.is_admin(interaction.user.id):
            log.info("user %s is not an admin", interaction.user.id)
            raise AdminOnly()
