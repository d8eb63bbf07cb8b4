"""Builders for Discord API objects, shaped as the v10 API sends them.

Pure functions from a few arguments to the JSON dicts Discord would put on the
wire (users, members, roles, channels, threads, guilds, messages, interactions,
errors), plus snowflakes, timestamps, permission bits and intent bits. Nothing
here keeps state or knows about the server; `world.py` does that. Only fields
that discord.py reads or that a test may want to assert on are filled in, but
every field that is present has the type and format Discord uses (ids as
strings, ISO 8601 timestamps, permissions as decimal strings).
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# -- gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents) --
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_TYPING = 1 << 14
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
# The bits the gateway accepts today: 0-16, 20, 21, 24, 25 (anything else closes with 4013).
KNOWN_INTENTS = sum(1 << b for b in [*range(17), 20, 21, 24, 25])

# -- application flags: what an unverified bot in under 100 guilds has when the
# privileged intents are switched on in the developer portal --
APP_FLAG_GATEWAY_PRESENCE_LIMITED = 1 << 13
APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_APPLICATION_COMMAND_BADGE = 1 << 23


def application_flags(privileged_intents: int) -> int:
    flags = APP_FLAG_APPLICATION_COMMAND_BADGE
    if privileged_intents & GUILD_PRESENCES:
        flags |= APP_FLAG_GATEWAY_PRESENCE_LIMITED
    if privileged_intents & GUILD_MEMBERS:
        flags |= APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED
    if privileged_intents & MESSAGE_CONTENT:
        flags |= APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED
    return flags


# -- permissions (https://discord.com/developers/docs/topics/permissions) --
ADMINISTRATOR = 1 << 3
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)
MODERATOR_PERMISSIONS = MANAGE_MESSAGES | MANAGE_THREADS | MENTION_EVERYONE

# -- channel, message, interaction enums --
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)

MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23

FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12

INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

COMMAND_CHAT_INPUT = 1
COMMAND_USER = 2
COMMAND_MESSAGE = 3

OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10
OPTION_ATTACHMENT = 11

COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
COMPONENT_STRING_SELECT = 3
COMPONENT_TEXT_INPUT = 4

# Interaction callback types
# (https://discord.com/developers/docs/interactions/receiving-and-responding)
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

# -- snowflakes and time --------------------------------------------------------------------


class Snowflakes:
    """Increasing snowflake ids from the wall clock, as Discord makes them."""

    def __init__(self, worker: int = 1) -> None:
        self._worker = worker & 0x3FF
        self._increment = itertools.count()
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            ms = max(int(time.time() * 1000), self._last)
            self._last = ms
            return (
                ((ms - DISCORD_EPOCH_MS) << 22)
                | (self._worker << 12)
                | (next(self._increment) & 0xFFF)
            )


def snowflake_time(snowflake: int | str) -> dt.datetime:
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso(moment: dt.datetime | None = None) -> str:
    """An ISO 8601 timestamp as Discord writes it: microseconds and +00:00."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def interaction_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


# -- objects --------------------------------------------------------------------------------


def user(user_id: int, username: str, *, bot: bool = False, global_name: str | None = None) -> Json:
    payload: Json = {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        payload["bot"] = True
        payload["global_name"] = None
    return payload


def role(
    role_id: int,
    name: str,
    *,
    permissions: int,
    position: int,
    managed: bool = False,
    bot_id: int | None = None,
    mentionable: bool = False,
) -> Json:
    payload: Json = {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }
    if bot_id is not None:
        payload["tags"] = {"bot_id": str(bot_id)}
    return payload


def member(
    user_payload: Json, *, roles: list[int], joined_at: str, nick: str | None = None
) -> Json:
    return {
        "user": user_payload,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def partial_member(member_payload: Json) -> Json:
    """A member without `user`, as attached to MESSAGE_CREATE and mentions."""
    return {k: v for k, v in member_payload.items() if k != "user"}


def text_channel(
    channel_id: int,
    guild_id: int,
    name: str,
    *,
    position: int,
    parent_id: int | None = None,
    topic: str | None = None,
) -> Json:
    return {
        "id": str(channel_id),
        "type": GUILD_TEXT,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None if parent_id is None else str(parent_id),
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "default_auto_archive_duration": 1440,
        "default_thread_rate_limit_per_user": 0,
        "flags": 0,
    }


def category(channel_id: int, guild_id: int, name: str, *, position: int) -> Json:
    return {
        "id": str(channel_id),
        "type": GUILD_CATEGORY,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "flags": 0,
    }


def thread(
    thread_id: int,
    guild_id: int,
    parent_id: int,
    name: str,
    *,
    owner_id: int,
    type: int = PUBLIC_THREAD,
    auto_archive_duration: int = 1440,
    rate_limit_per_user: int = 0,
    invitable: bool = True,
) -> Json:
    now = iso()
    metadata: Json = {
        "archived": False,
        "auto_archive_duration": auto_archive_duration,
        "archive_timestamp": now,
        "locked": False,
        "create_timestamp": now,
    }
    if type == PRIVATE_THREAD:
        metadata["invitable"] = invitable
    return {
        "id": str(thread_id),
        "type": type,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": rate_limit_per_user,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": metadata,
    }


def dm_channel(channel_id: int, recipient: Json) -> Json:
    """A direct-message channel between the bot and one user (no guild)."""
    return {
        "id": str(channel_id),
        "type": DM,
        "last_message_id": None,
        "recipients": [recipient],
        "flags": 0,
    }


def thread_member(thread_id: int, user_id: int) -> Json:
    return {"id": str(thread_id), "user_id": str(user_id), "join_timestamp": iso(), "flags": 1}


def unavailable_guild(guild_id: int) -> Json:
    return {"id": str(guild_id), "unavailable": True}


def guild(
    guild_id: int,
    name: str,
    *,
    owner_id: int,
    roles: list[Json],
    channels: list[Json],
    threads: list[Json],
    members: list[Json],
    member_count: int,
    joined_at: str,
) -> Json:
    """A GUILD_CREATE payload: the guild with the extra gateway-only fields."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        # gateway-only fields
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "member_count": member_count,
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message(
    message_id: int,
    channel_id: int,
    author: Json,
    content: str = "",
    *,
    guild_id: int | None = None,
    member: Json | None = None,
    type: int = MESSAGE_DEFAULT,
    embeds: list[Json] | None = None,
    attachments: list[Json] | None = None,
    components: list[Json] | None = None,
    flags: int = 0,
    mentions: list[Json] | None = None,
    mention_roles: list[int] | None = None,
    mention_everyone: bool = False,
    message_reference: Json | None = None,
    referenced_message: Json | None = None,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: Json | None = None,
    nonce: str | int | None = None,
    tts: bool = False,
) -> Json:
    """A message as REST returns it; `guild_id` and `member` are what the gateway adds."""
    payload: Json = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": type,
        "author": author,
        "content": content,
        "timestamp": iso(snowflake_time(message_id)),
        "edited_timestamp": None,
        "tts": tts,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": [str(r) for r in mention_roles or []],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "flags": flags,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if member is not None:
        payload["member"] = member
    if message_reference is not None:
        payload["message_reference"] = message_reference
        payload["referenced_message"] = referenced_message
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    if interaction_metadata is not None:
        payload["interaction_metadata"] = interaction_metadata
    if nonce is not None:
        payload["nonce"] = nonce
    return payload


def attachment(
    attachment_id: int,
    channel_id: int,
    filename: str,
    data: bytes,
    *,
    content_type: str | None,
    description: str | None = None,
) -> Json:
    url = f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{filename}"
    payload: Json = {
        "id": str(attachment_id),
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
    }
    if content_type:
        payload["content_type"] = content_type
    if description:
        payload["description"] = description
    return payload


def button(custom_id: str, label: str, *, style: int = 1) -> Json:
    return {"type": COMPONENT_BUTTON, "custom_id": custom_id, "label": label, "style": style}


def action_row(*components: Json) -> Json:
    return {"type": COMPONENT_ACTION_ROW, "components": list(components)}


def interaction(
    interaction_id: int,
    *,
    application_id: int,
    type: int,
    data: Json,
    token: str,
    guild_id: int,
    channel: Json,
    member: Json,
    member_permissions: int,
    app_permissions: int,
    message: Json | None = None,
    locale: str = "en-US",
) -> Json:
    """An INTERACTION_CREATE payload from a guild channel."""
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": type,
        "data": data,
        "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
        "guild_id": str(guild_id),
        "channel": channel,
        "channel_id": channel["id"],
        "member": {**member, "permissions": str(member_permissions)},
        "token": token,
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": locale,
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message is not None:
        payload["message"] = message
    return payload


def interaction_metadata(
    interaction_payload: Json,
    user_payload: Json,
    *,
    name: str | None = None,
    interacted_message_id: str | None = None,
) -> Json:
    """What a message created by an interaction carries about it."""
    payload: Json = {
        "id": interaction_payload["id"],
        "type": interaction_payload["type"],
        "user": user_payload,
        "authorizing_integration_owners": interaction_payload["authorizing_integration_owners"],
    }
    if name is not None:
        payload["name"] = name
    if interacted_message_id is not None:
        payload["interacted_message_id"] = interacted_message_id
    return payload


def error(code: int, message: str, errors: Json | None = None) -> Json:
    payload: Json = {"message": message, "code": code}
    if errors is not None:
        payload["errors"] = errors
    return payload


def field_error(path: str, code: str, message: str) -> Json:
    """Nested `errors` object for one field, e.g. path 'embeds.0.title'."""
    node: Json = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        node = {part: node}
    return node


def invalid_form_body(path: str, code: str, message: str) -> Json:
    return error(50035, "Invalid Form Body", field_error(path, code, message))
