"""The state behind the local Discord: one guild, its people, channels and messages.

`World` holds what Discord would remember between requests: the bot user and
its application, a guild with roles, a category, text channels (one of them
the parent of an existing thread) and members, every message by id, the
synced application commands and the interactions sent to the bot. It applies
the rules a bot can trip over (2000-character content, embed limits, empty
messages, who may edit what, which mentions actually ping, interaction
responses allowed once and within the deadline) and raises `ApiError` with the
status and JSON body Discord would answer. It knows nothing about HTTP or the
gateway; `server.py` turns its results into responses and events.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.local_discord import payloads as p
from tests.local_discord.payloads import Json
from tests.local_discord.recording import UploadedFile


class ApiError(Exception):
    """A Discord error response: HTTP status and the JSON body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(f"{status} {body.get('message')} (code {body.get('code')})")
        self.status = status
        self.body = body


def unknown(kind: str, code: int) -> ApiError:
    return ApiError(404, p.error(code, f"Unknown {kind}"))


UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_USER = 10013
UNKNOWN_MEMBER = 10007
UNKNOWN_GUILD = 10004

CONTENT_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
FIELDS_PER_EMBED = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
THREAD_NAME_LIMIT = 100

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def validate_message(payload: Json) -> None:
    """Raise the 400 Discord gives for content or embeds over its limits."""
    content = payload.get("content")
    if content is not None and len(content) > CONTENT_LIMIT:
        raise ApiError(
            400,
            p.invalid_form_body(
                "content", "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_LIMIT} or fewer in length."
            ),
        )
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        raise ApiError(
            400,
            p.invalid_form_body(
                "embeds",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {EMBEDS_PER_MESSAGE} or fewer in length.",
            ),
        )
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            outer, _, inner = key.partition(".")
            value = embed.get(outer)
            if inner:
                value = (value or {}).get(inner)
            if value is not None:
                total += len(value)
                if len(value) > limit:
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            f"embeds.{i}.{key}",
                            "BASE_TYPE_MAX_LENGTH",
                            f"Must be {limit} or fewer in length.",
                        ),
                    )
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_PER_EMBED:
            raise ApiError(
                400,
                p.invalid_form_body(
                    f"embeds.{i}.fields",
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {FIELDS_PER_EMBED} or fewer in length.",
                ),
            )
        for j, fld in enumerate(fields):
            for key, limit in (("name", FIELD_NAME_LIMIT), ("value", FIELD_VALUE_LIMIT)):
                value = fld.get(key)
                if not value:
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            f"embeds.{i}.fields.{j}.{key}",
                            "BASE_TYPE_REQUIRED",
                            "This field is required",
                        ),
                    )
                total += len(value)
                if len(value) > limit:
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            f"embeds.{i}.fields.{j}.{key}",
                            "BASE_TYPE_MAX_LENGTH",
                            f"Must be {limit} or fewer in length.",
                        ),
                    )
    if total > EMBED_TOTAL_LIMIT:
        raise ApiError(
            400,
            p.invalid_form_body(
                "embeds",
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}",
            ),
        )


def is_empty(message: Json) -> bool:
    return not (
        message.get("content")
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_items")
        or message.get("poll")
    )


EMPTY_MESSAGE = ApiError(400, p.error(50006, "Cannot send an empty message"))


@dataclass
class InteractionState:
    """One interaction sent to the bot and what the bot did with it."""

    payload: Json
    dispatched_at: float
    response_type: int | None = None
    responded_at: float | None = None
    original_id: int | None = None  # the message @original refers to
    loading: bool = False  # deferred with a "thinking" message not yet filled
    ephemeral: bool = False
    followup_ids: list[int] = field(default_factory=list)
    modal: Json | None = None
    autocomplete_choices: list[Json] | None = None

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def type(self) -> int:
        return self.payload["type"]

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def user(self) -> Json:
        return self.payload["member"]["user"]


ALLOWED_CALLBACKS = {
    p.INTERACTION_APPLICATION_COMMAND: {4, 5, 9},
    p.INTERACTION_MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    p.INTERACTION_AUTOCOMPLETE: {8},
    p.INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7},
}


class World:
    """One guild with three people (the bot, alice who owns it, bob) and the bot's application."""

    def __init__(
        self,
        *,
        bot_name: str = "articlebot",
        privileged_intents: int = p.PRIVILEGED_INTENTS,
        interaction_deadline_s: float = 3.0,
    ) -> None:
        self.ids = p.Snowflakes()
        ids = self.ids
        self.privileged_intents = privileged_intents
        self.interaction_deadline_s = interaction_deadline_s
        joined = p.iso()

        # Modern applications have the same id as their bot user.
        self.application_id = ids.next()
        self.bot = p.user(self.application_id, bot_name, bot=True)
        self.users: dict[int, Json] = {self.application_id: self.bot}
        for name in ("alice", "bob"):
            uid = ids.next()
            self.users[uid] = p.user(uid, name, global_name=name.title())
        self.owner_id = self.user_id("alice")

        self.guild_id = ids.next()
        gid = self.guild_id
        self.roles: dict[int, Json] = {}
        self._add_role(p.role(gid, "@everyone", permissions=p.EVERYONE_PERMISSIONS, position=0))
        self._add_role(
            p.role(
                ids.next(),
                "Moderator",
                permissions=p.EVERYONE_PERMISSIONS | p.MODERATOR_PERMISSIONS,
                position=1,
                mentionable=True,
            )
        )
        self._add_role(
            p.role(
                ids.next(),
                bot_name,
                permissions=p.EVERYONE_PERMISSIONS,
                position=2,
                managed=True,
                bot_id=self.application_id,
            )
        )

        self.members: dict[int, Json] = {
            self.application_id: p.member(
                self.bot, roles=[self.role_id(bot_name)], joined_at=joined
            ),
            self.user_id("alice"): p.member(
                self.user("alice"), roles=[self.role_id("Moderator")], joined_at=joined
            ),
            self.user_id("bob"): p.member(self.user("bob"), roles=[], joined_at=joined),
        }

        self.channels: dict[int, Json] = {}
        text = ids.next()
        self._add_channel(p.category(text, gid, "Text Channels", position=0))
        self._add_channel(p.text_channel(ids.next(), gid, "general", position=0, parent_id=text))
        self._add_channel(
            p.text_channel(
                ids.next(),
                gid,
                "articles",
                position=1,
                parent_id=text,
                topic="Ask about the articles here",
            )
        )
        self._add_channel(
            p.thread(
                ids.next(),
                gid,
                self.channel_id("articles"),
                "earlier question",
                owner_id=self.user_id("alice"),
            )
        )
        self.joined_at = joined

        self.messages: dict[int, Json] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.interactions: dict[int, InteractionState] = {}

    # -- more people ----------------------------------------------------------------------

    def add_role(self, name: str, *, permissions: int = p.EVERYONE_PERMISSIONS) -> int:
        """A new role below the others; returns its id."""
        rid = self.ids.next()
        position = max(int(r["position"]) for r in self.roles.values()) + 1
        self._add_role(p.role(rid, name, permissions=permissions, position=position))
        return rid

    def add_member(self, name: str, *, roles: tuple[str, ...] | list[str] = ()) -> int:
        """A new user who is a member of the guild with the named roles; returns their id.

        Add people before the bot connects if it should see them in GUILD_CREATE;
        interactions and messages carry their member either way."""
        uid = self.ids.next()
        self.users[uid] = p.user(uid, name, global_name=name.title())
        self.members[uid] = p.member(
            self.users[uid], roles=[self.role_id(r) for r in roles], joined_at=self.joined_at
        )
        return uid

    def dm_channel(self, user: str | int) -> Json:
        """The direct-message channel between the bot and `user`, opened on first use."""
        uid = self.user_id(user)
        for channel in self.channels.values():
            if channel["type"] == p.DM and channel["recipients"][0]["id"] == str(uid):
                return channel
        channel = p.dm_channel(self.ids.next(), copy.deepcopy(self.users[uid]))
        self._add_channel(channel)
        return channel

    # -- lookups --------------------------------------------------------------------------

    def _add_role(self, role: Json) -> None:
        self.roles[int(role["id"])] = role

    def _add_channel(self, channel: Json) -> None:
        self.channels[int(channel["id"])] = channel

    def user_id(self, name_or_id: str | int) -> int:
        """A user's id from their username or their id (an int or a string of digits)."""
        if isinstance(name_or_id, int) or name_or_id.isdigit():
            if int(name_or_id) in self.users:
                return int(name_or_id)
        else:
            for uid, u in self.users.items():
                if u["username"] == name_or_id:
                    return uid
        have = [u["username"] for u in self.users.values()]
        raise KeyError(f"no user {name_or_id!r}; have {have}")

    def user(self, name_or_id: str | int) -> Json:
        return self.users[self.user_id(name_or_id)]

    def role_id(self, name: str) -> int:
        for rid, r in self.roles.items():
            if r["name"] == name:
                return rid
        raise KeyError(f"no role named {name!r}")

    def channel_id(self, name: str) -> int:
        for cid, c in self.channels.items():
            if c.get("name") == name:
                return cid
        raise KeyError(
            f"no channel named {name!r}; have {[c.get('name') for c in self.channels.values()]}"
        )

    def channel(self, name_or_id: str | int) -> Json:
        """A channel by name or id (an id may come as a string from a URL)."""
        if isinstance(name_or_id, str) and not name_or_id.isdigit():
            return self.channels[self.channel_id(name_or_id)]
        channel = self.channels.get(int(name_or_id))
        if channel is None:
            raise unknown("Channel", UNKNOWN_CHANNEL)
        return channel

    def messageable(self, channel_id: int | str) -> Json:
        channel = self.channel(int(channel_id))
        if channel["type"] not in (p.GUILD_TEXT, p.DM, *p.THREAD_TYPES):
            raise ApiError(400, p.error(50008, "Cannot send messages in a non-text channel"))
        return channel

    def message(self, message_id: int | str, channel_id: int | str | None = None) -> Json:
        msg = self.messages.get(int(message_id)) if str(message_id).isdigit() else None
        if msg is None or (channel_id is not None and msg["channel_id"] != str(channel_id)):
            raise unknown("Message", UNKNOWN_MESSAGE)
        return msg

    def channel_messages(self, channel: str | int) -> list[Json]:
        """Messages in a channel, oldest first."""
        cid = str(self.channel(channel)["id"])
        return sorted(
            (m for m in self.messages.values() if m["channel_id"] == cid),
            key=lambda m: int(m["id"]),
        )

    def member_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return p.ALL_PERMISSIONS
        member = self.members[user_id]
        perms = int(self.roles[self.guild_id]["permissions"])
        for rid in member["roles"]:
            perms |= int(self.roles[int(rid)]["permissions"])
        return p.ALL_PERMISSIONS if perms & p.ADMINISTRATOR else perms

    def guild_create(self, *, with_members: bool) -> Json:
        """The GUILD_CREATE payload; without the members intent only the bot's own member."""
        members = list(self.members.values())
        if not with_members:
            members = [self.members[self.application_id]]
        channels = [
            c for c in self.channels.values() if c["type"] not in (p.DM, *p.THREAD_TYPES)
        ]
        threads = [c for c in self.channels.values() if c["type"] in p.THREAD_TYPES]
        return p.guild(
            self.guild_id,
            "Local Test Guild",
            owner_id=self.owner_id,
            roles=list(self.roles.values()),
            channels=copy.deepcopy(channels),
            threads=copy.deepcopy(threads),
            members=copy.deepcopy(members),
            member_count=len(self.members),
            joined_at=self.joined_at,
        )

    def application_info(self) -> Json:
        return {
            "id": str(self.application_id),
            "name": self.bot["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.user("alice"),
            "team": None,
            "flags": p.application_flags(self.privileged_intents),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
            "bot": self.bot,
        }

    def bot_user(self) -> Json:
        return {
            **self.bot,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "email": None,
            "locale": "en-US",
            "bio": "",
            "banner": None,
            "accent_color": None,
        }

    # -- messages -------------------------------------------------------------------------

    def resolve_mentions(
        self, message: Json, allowed: Json | None, author_id: int, replied_author: Json | None
    ) -> None:
        """Fill `mentions`, `mention_roles`, `mention_everyone` as Discord would: what the
        content mentions, filtered by `allowed_mentions`."""
        content = message.get("content") or ""
        parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse", []))
        allowed_users = set() if allowed is None else {str(u) for u in allowed.get("users", [])}
        allowed_roles = set() if allowed is None else {str(r) for r in allowed.get("roles", [])}
        replied_user = True if allowed is None else bool(allowed.get("replied_user", False))

        user_ids: list[str] = []
        for uid in USER_MENTION.findall(content):
            if (
                ("users" in parse or uid in allowed_users)
                and int(uid) in self.users
                and uid not in user_ids
            ):
                user_ids.append(uid)
        if replied_author is not None and replied_user and replied_author["id"] not in user_ids:
            user_ids.append(replied_author["id"])
        role_ids = [
            rid
            for rid in dict.fromkeys(ROLE_MENTION.findall(content))
            if ("roles" in parse or rid in allowed_roles) and int(rid) in self.roles
        ]
        everyone = (
            bool(EVERYONE_MENTION.search(content))
            and "everyone" in parse
            and bool(self.member_permissions(author_id) & p.MENTION_EVERYONE)
        )
        mentions = [self._mentioned(uid) for uid in user_ids]
        message["mentions"] = mentions
        message["mention_roles"] = role_ids
        message["mention_everyone"] = everyone

    def _mentioned(self, user_id: str) -> Json:
        """A user as listed in a message's `mentions`: with their partial member."""
        mentioned = dict(self.users[int(user_id)])
        if int(user_id) in self.members:
            mentioned["member"] = p.partial_member(self.members[int(user_id)])
        return mentioned

    def _attachments(
        self,
        channel_id: int,
        wanted: list[Json] | None,
        files: list[UploadedFile],
        existing: list[Json],
    ) -> list[Json]:
        """New attachments come as `files[n]` parts referenced by {"id": n}, kept ones by id.

        Without an `attachments` list the files are appended to what is there.
        """
        by_field = {f.field: f for f in files}
        if wanted is None:
            wanted = [{"id": a["id"]} for a in existing] + [{"id": i} for i in range(len(files))]
        kept = {a["id"]: a for a in existing}
        result = []
        for item in wanted:
            aid = str(item.get("id"))
            if aid in kept:
                result.append(kept[aid])
                continue
            upload = by_field.get(f"files[{aid}]")
            if upload is None:
                raise ApiError(
                    400,
                    p.invalid_form_body(
                        f"attachments.{len(result)}",
                        "ATTACHMENT_NOT_FOUND",
                        "Attachment data not found",
                    ),
                )
            result.append(
                p.attachment(
                    self.ids.next(),
                    channel_id,
                    item.get("filename") or upload.filename,
                    upload.data,
                    content_type=upload.content_type,
                    description=item.get("description"),
                )
            )
        return result

    def create_message(
        self,
        channel_id: int | str,
        body: Json,
        files: list[UploadedFile],
        *,
        author_id: int,
        type: int | None = None,
        webhook: bool = False,
        interaction: InteractionState | None = None,
        message_id: int | None = None,
    ) -> Json:
        """Store a new message from `body` (a create-message payload) and return it."""
        channel = self.messageable(channel_id)
        cid = int(channel["id"])
        validate_message(body)
        reference = body.get("message_reference")
        referenced = None
        if reference is not None and reference.get("message_id") is not None:
            ref_channel = reference.get("channel_id", channel["id"])
            try:
                referenced = self.message(reference["message_id"], ref_channel)
            except ApiError:
                if reference.get("fail_if_not_exists", True):
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            "message_reference",
                            "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                            "Unknown message",
                        ),
                    ) from None
            reference = {
                "type": reference.get("type", 0),
                "channel_id": str(ref_channel),
                "message_id": str(reference["message_id"]),
            }
            if "guild_id" in channel:
                reference["guild_id"] = channel["guild_id"]
        author = self.users[author_id]
        if type is None:
            type = p.MESSAGE_REPLY if reference is not None else p.MESSAGE_DEFAULT
        flags = int(body.get("flags") or 0)
        msg = p.message(
            message_id or self.ids.next(),
            cid,
            author,
            body.get("content") or "",
            type=type,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=flags,
            message_reference=reference,
            referenced_message=copy.deepcopy(referenced) if reference is not None else None,
            webhook_id=self.application_id if webhook else None,
            application_id=self.application_id if webhook else None,
            nonce=body.get("nonce"),
            tts=bool(body.get("tts")),
        )
        msg["attachments"] = self._attachments(cid, body.get("attachments"), files, [])
        if interaction is not None:
            msg["interaction_metadata"] = self._interaction_metadata(interaction)
        if is_empty(msg) and not flags & p.FLAG_LOADING:
            raise EMPTY_MESSAGE
        replied_author = referenced["author"] if referenced is not None else None
        self.resolve_mentions(msg, body.get("allowed_mentions"), author_id, replied_author)
        self.messages[int(msg["id"])] = msg
        channel["last_message_id"] = msg["id"]
        return msg

    def edit_message(self, message: Json, body: Json, files: list[UploadedFile]) -> Json:
        """Apply an edit payload; only the fields present change, as in Discord."""
        validate_message(body)
        edited = copy.deepcopy(message)
        for key in ("content", "embeds", "components"):
            if key in body:
                edited[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be changed by an edit; keep the others.
            keep = edited["flags"] & ~p.FLAG_SUPPRESS_EMBEDS
            edited["flags"] = keep | (int(body["flags"]) & p.FLAG_SUPPRESS_EMBEDS)
        if "attachments" in body or files:
            edited["attachments"] = self._attachments(
                int(edited["channel_id"]), body.get("attachments"), files, edited["attachments"]
            )
        edited["flags"] &= ~p.FLAG_LOADING
        if is_empty(edited):
            raise EMPTY_MESSAGE
        mid = int(edited["id"])
        if "content" in body:
            # Discord rebuilds the mentions from the new content with this request's
            # allowed_mentions, or with the defaults when it has none: an edit without
            # them pings what the original message was careful not to.
            self.resolve_mentions(
                edited, body.get("allowed_mentions"), int(edited["author"]["id"]), None
            )
            # The author of a replied-to message stays mentioned if they were.
            replied_id = ((message.get("referenced_message") or {}).get("author") or {}).get("id")
            was_mentioned = any(u["id"] == replied_id for u in message["mentions"])
            if was_mentioned and all(u["id"] != replied_id for u in edited["mentions"]):
                edited["mentions"].append(self._mentioned(replied_id))
        edited["edited_timestamp"] = p.iso()
        self.messages[mid] = edited
        return edited

    def delete_message(self, message: Json) -> None:
        del self.messages[int(message["id"])]

    def bot_may_edit(self, message: Json) -> None:
        if message["author"]["id"] != str(self.application_id):
            raise ApiError(403, p.error(50005, "Cannot edit a message authored by another user"))

    def for_gateway(self, message: Json) -> Json:
        """A stored message as MESSAGE_CREATE/UPDATE carries it: with guild_id and member
        (in a guild channel)."""
        event = copy.deepcopy(message)
        if self.channel(message["channel_id"])["type"] == p.DM:
            return event  # no guild, no member
        event["guild_id"] = str(self.guild_id)
        author_id = int(message["author"]["id"])
        if author_id in self.members and "webhook_id" not in message:
            event["member"] = p.partial_member(self.members[author_id])
        return event

    # -- threads --------------------------------------------------------------------------

    def create_thread(
        self, parent_id: int | str, body: Json, *, message_id: int | None = None, owner_id: int
    ) -> Json:
        parent = self.channel(int(parent_id))
        if parent["type"] != p.GUILD_TEXT:
            raise ApiError(400, p.error(50024, "Cannot execute action on this channel type"))
        name = body.get("name") or ""
        if not 1 <= len(name) <= THREAD_NAME_LIMIT:
            raise ApiError(
                400,
                p.invalid_form_body(
                    "name",
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {THREAD_NAME_LIMIT} in length.",
                ),
            )
        if message_id is not None:
            starter = self.message(message_id, parent["id"])
            if starter.get("thread") is not None:
                raise ApiError(
                    400, p.error(160004, "A thread has already been created for this message")
                )
            kind = p.PUBLIC_THREAD
            thread_id = int(starter["id"])  # a thread from a message shares its id
        else:
            kind = int(body.get("type") or p.PRIVATE_THREAD)
            if kind not in p.THREAD_TYPES:
                raise ApiError(
                    400,
                    p.invalid_form_body(
                        "type", "BASE_TYPE_CHOICES", "Value must be one of {11, 12}."
                    ),
                )
            thread_id = self.ids.next()
        thread = p.thread(
            thread_id,
            self.guild_id,
            int(parent["id"]),
            name,
            owner_id=owner_id,
            type=kind,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            invitable=bool(body.get("invitable", True)),
        )
        self._add_channel(thread)
        if message_id is not None:
            starter["thread"] = copy.deepcopy(thread)
            starter["flags"] |= p.FLAG_HAS_THREAD
        return thread

    # -- application commands -------------------------------------------------------------

    def put_commands(self, body: Any, guild_id: int | None) -> list[Json]:
        """Bulk overwrite: validate, keep the ids of commands that already existed, add ids."""
        if not isinstance(body, list):
            raise ApiError(
                400, p.invalid_form_body("_root", "BASE_TYPE_ARRAY", "Must be an array.")
            )
        previous = (
            self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])
        )
        old_ids = {(c["name"], c.get("type", 1)): c["id"] for c in previous}
        stored = []
        for i, command in enumerate(body):
            ctype = command.get("type", p.COMMAND_CHAT_INPUT)
            name = command.get("name") or ""
            if ctype == p.COMMAND_CHAT_INPUT:
                if not COMMAND_NAME.match(name) or name != name.lower():
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            f"{i}.name",
                            "APPLICATION_COMMAND_INVALID_NAME",
                            "Command name is invalid",
                        ),
                    )
                if not 1 <= len(command.get("description") or "") <= 100:
                    raise ApiError(
                        400,
                        p.invalid_form_body(
                            f"{i}.description",
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 100 in length.",
                        ),
                    )
            elif not 1 <= len(name) <= 32:
                raise ApiError(
                    400,
                    p.invalid_form_body(
                        f"{i}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."
                    ),
                )
            if len(command.get("options") or []) > 25:
                raise ApiError(
                    400,
                    p.invalid_form_body(
                        f"{i}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                    ),
                )
            echoed = {
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
                "default_member_permissions": None,
                "type": ctype,
                "name": name,
                "name_localizations": None,
                "description": command.get("description", ""),
                "description_localizations": None,
                "dm_permission": True,
                "contexts": None,
                "integration_types": [0],
                "nsfw": False,
                **copy.deepcopy(command),
            }
            echoed["id"] = old_ids.get((name, ctype)) or str(self.ids.next())
            if guild_id is not None:
                echoed["guild_id"] = str(guild_id)
            stored.append(echoed)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return copy.deepcopy(stored)

    def find_command(self, name: str, ctype: int) -> Json | None:
        """A synced command by name and type, guild commands first (as Discord shows them)."""
        for command in [*self.guild_commands.get(self.guild_id, []), *self.global_commands]:
            if command["name"] == name and command.get("type", 1) == ctype:
                return command
        return None

    # -- interactions ---------------------------------------------------------------------

    def new_interaction(
        self, type: int, data: Json, *, user_id: int, channel_id: int, message: Json | None = None
    ) -> InteractionState:
        channel = self.messageable(channel_id)
        perms = self.member_permissions(user_id)
        payload = p.interaction(
            self.ids.next(),
            application_id=self.application_id,
            type=type,
            data=data,
            token=p.interaction_token(),
            guild_id=self.guild_id,
            channel={**copy.deepcopy(channel), "permissions": str(perms)},
            member=copy.deepcopy(self.members[user_id]),
            member_permissions=perms,
            app_permissions=self.member_permissions(self.application_id),
            message=copy.deepcopy(message) if message is not None else None,
        )
        state = InteractionState(payload=payload, dispatched_at=time.monotonic())
        self.interactions[state.id] = state
        return state

    def _interaction_metadata(self, ix: InteractionState) -> Json:
        data = ix.payload.get("data") or {}
        message = ix.payload.get("message")
        return p.interaction_metadata(
            ix.payload,
            ix.user,
            name=data.get("name") if ix.type == p.INTERACTION_APPLICATION_COMMAND else None,
            interacted_message_id=message["id"] if message is not None else None,
        )

    def interaction_by_id(self, interaction_id: int | str, token: str) -> InteractionState:
        ix = self.interactions.get(int(interaction_id))
        if ix is None or ix.token != token:
            raise unknown("interaction", UNKNOWN_INTERACTION)
        return ix

    def interaction_by_token(self, application_id: int | str, token: str) -> InteractionState:
        if str(application_id) == str(self.application_id):
            for ix in self.interactions.values():
                if ix.token == token:
                    return ix
        raise unknown("Webhook", UNKNOWN_WEBHOOK)

    def check_callback(self, ix: InteractionState, callback_type: int) -> None:
        if ix.response_type is not None:
            raise ApiError(400, p.error(40060, "Interaction has already been acknowledged."))
        if time.monotonic() - ix.dispatched_at > self.interaction_deadline_s:
            raise unknown("interaction", UNKNOWN_INTERACTION)
        if callback_type not in ALLOWED_CALLBACKS.get(ix.type, set()):
            raise ApiError(
                400,
                p.invalid_form_body(
                    "type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
                ),
            )
        if callback_type == p.CALLBACK_UPDATE_MESSAGE and ix.payload.get("message") is None:
            raise ApiError(400, p.error(40004, "Interaction does not have a message to update"))

    def interaction_type_for_message(self, ix: InteractionState) -> int:
        if ix.type == p.INTERACTION_APPLICATION_COMMAND:
            command_type = (ix.payload.get("data") or {}).get("type", 1)
            return (
                p.MESSAGE_CHAT_INPUT_COMMAND
                if command_type == 1
                else p.MESSAGE_CONTEXT_MENU_COMMAND
            )
        return p.MESSAGE_DEFAULT
