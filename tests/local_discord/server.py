"""A local Discord for tests: the gateway and the REST API on one loopback port.

`LocalDiscord` serves, on one aiohttp server,

* the gateway websocket at `/` (and at `/resume`, the `resume_gateway_url` it
  hands out in READY, so a test can see that a RESUME went where it should);
* the REST API under `/api/v10`: login, application info, command sync,
  channel messages (JSON or multipart with files), typing, threads, reactions,
  interaction callbacks and the interaction webhooks (@original, followups).

It records every request and frame (`requests`, `frames`, `connections`) and
lets a test wait for one, act as a user (`message_from`, `slash_command`,
`message_command`, `click_button`, `submit_modal`, ...), inject faults
(`fail_next` for 429/5xx on a route, `close_gateway`, `request_reconnect`,
`invalidate_session`) and read the final state of the guild (`world`).

What it is not: a permission system (everyone may do everything they could in a
fresh guild), DMs, voice, or more than one guild. Unknown routes answer 404 in
Discord's error shape and are recorded in `unknown_requests`, so a test sees
what the client tried. Responses carry rate-limit headers from a simple
fixed-window model per bucket (generous by default; `set_rate_limit` makes a
route as strict as Discord's), and 429s are answered itself when exceeded.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.local_discord import gateway as gw
from tests.local_discord import payloads as p
from tests.local_discord.payloads import Json
from tests.local_discord.recording import (
    ConnectionInfo,
    Frame,
    Log,
    RecordedRequest,
    UploadedFile,
    compile_route,
    route_matches,
)
from tests.local_discord.world import (
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    InteractionState,
    World,
    unknown,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "local.discord.test-token"
API_PREFIX = "/api/v10"
MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token")

Handler = Callable[["Call"], Awaitable["Reply"]]


@dataclass
class Call:
    """What a route handler gets: the request as recorded, plus the route params."""

    request: RecordedRequest

    @property
    def params(self) -> dict[str, str]:
        return self.request.params

    @property
    def body(self) -> Any:
        return self.request.json if self.request.json is not None else {}

    @property
    def files(self) -> list[UploadedFile]:
        return self.request.files

    def flag(self, name: str) -> bool:
        return self.request.query.get(name, "").lower() in ("1", "true")


@dataclass
class Reply:
    status: int = 200
    body: Any = None


NO_CONTENT = Reply(204)


@dataclass
class Fault:
    """An injected failure for the next `times` requests matching method, route and `where`."""

    method: str
    route: str
    status: int
    times: int
    retry_after: float
    scope: str
    body: Json | None
    hits: list[RecordedRequest] = field(default_factory=list)
    where: Callable[[RecordedRequest], bool] | None = None

    def matches(self, request: RecordedRequest) -> bool:
        return (
            len(self.hits) < self.times
            and request.matches(self.method, self.route)
            and (self.where is None or self.where(request))
        )


@dataclass
class Bucket:
    limit: int
    per: float
    name: str
    used: int = 0
    window_ends: float = 0.0


class RateLimits:
    """Fixed windows per (route bucket, major parameters), with Discord's headers."""

    def __init__(self, limit: int, per: float) -> None:
        self.default = (limit, per)
        self.rules: list[tuple[str, str, int, float]] = []
        self.buckets: dict[str, Bucket] = {}

    def set(self, method: str, route: str, limit: int, per: float) -> None:
        self.rules.insert(0, (method.upper(), route, limit, per))

    def _rule(self, request: RecordedRequest) -> tuple[str, int, float]:
        for method, route, limit, per in self.rules:
            if request.matches(method, route):
                return f"{method} {route}", limit, per
        return f"{request.method} {request.route}", *self.default

    @staticmethod
    def bucket_hash(name: str) -> str:
        return hashlib.md5(name.encode()).hexdigest()

    def take(self, request: RecordedRequest) -> tuple[bool, dict[str, str], float]:
        name, limit, per = self._rule(request)
        major = "+".join(request.params[k] for k in MAJOR_PARAMETERS if k in request.params)
        bucket = self.buckets.setdefault(f"{name}:{major}", Bucket(limit, per, name))
        now = time.monotonic()
        if now >= bucket.window_ends:
            bucket.used, bucket.window_ends = 0, now + per
        # Rounded up, so a client that waits exactly this long is never early.
        reset_after = math.ceil(max(bucket.window_ends - now, 0.0) * 1000) / 1000
        allowed = bucket.used < limit
        if allowed:
            bucket.used += 1
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - bucket.used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(name),
        }
        return allowed, headers, reset_after


def json_response(status: int, body: Any, headers: dict[str, str]) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly
    # 'application/json' (no charset), so it is set by hand.
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


class LocalDiscord:
    """The gateway and REST API of a one-guild Discord on 127.0.0.1."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "articlebot",
        privileged_intents: int = p.PRIVILEGED_INTENTS,
        heartbeat_interval_ms: int = 41_250,
        interaction_deadline_s: float = 3.0,
        rate_limit: tuple[int, float] = (50, 1.0),
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.world = World(
            bot_name=bot_name,
            privileged_intents=privileged_intents,
            interaction_deadline_s=interaction_deadline_s,
        )
        self.gateway = gw.Gateway(
            self.world,
            token=token,
            resume_url=lambda: self.resume_gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        self.requests: Log[RecordedRequest] = Log()
        self.faults: list[Fault] = []
        self.rate_limits = RateLimits(*rate_limit)
        self._routes: list[tuple[str, str, Handler, bool]] = []
        self._add_routes()
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("local Discord listening on %s", self.url)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.shutdown()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be."""
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What `DiscordWebSocket.DEFAULT_GATEWAY` must be (and what GET /gateway/bot answers)."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    # -- recording and waiting ------------------------------------------------------------

    @property
    def frames(self) -> Log[Frame]:
        return self.gateway.frames

    @property
    def connections(self) -> Log[ConnectionInfo]:
        return self.gateway.connections

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route is None]

    def requests_to(
        self, method: str | None = None, route: str | None = None
    ) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, route)]

    async def wait_for_request(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        where: Callable[[RecordedRequest], bool] | None = None,
        start: int = 0,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first answered request from index `start` on matching method, route and `where`."""

        def match(r: RecordedRequest) -> bool:
            return r.status is not None and r.matches(method, route) and (where is None or where(r))

        return await self.requests.wait_for(
            match, timeout=timeout, start=start, what=f"{method or '*'} {route or '*'}"
        )

    async def wait_for_frame(
        self,
        direction: str,
        *,
        op: int | None = None,
        t: str | None = None,
        where: Callable[[Frame], bool] | None = None,
        start: int = 0,
        timeout: float = 5.0,
    ) -> Frame:
        def match(f: Frame) -> bool:
            return (
                f.direction == direction
                and (op is None or f.op == op)
                and (t is None or f.t == t)
                and (where is None or where(f))
            )

        return await self.frames.wait_for(
            match, timeout=timeout, start=start, what=f"{direction} frame op={op} t={t}"
        )

    async def wait_for_identify(self, *, timeout: float = 5.0) -> Json:
        """The IDENTIFY payload the client sent (its `intents`, `properties`, `shard`...)."""
        frame = await self.wait_for_frame("recv", op=gw.IDENTIFY, timeout=timeout)
        return frame.d

    async def wait_until_guild_sent(self, *, start: int = 0, timeout: float = 5.0) -> Frame:
        """Wait until GUILD_CREATE went out: from then on the client's cache has the guild."""
        return await self.wait_for_frame("send", t="GUILD_CREATE", start=start, timeout=timeout)

    # -- acting as users ------------------------------------------------------------------

    @property
    def bot_mention(self) -> str:
        return f"<@{self.world.application_id}>"

    def channel_id(self, name: str) -> int:
        return self.world.channel_id(name)

    def user_id(self, name: str) -> int:
        return self.world.user_id(name)

    async def dispatch(self, event: str, data: Json) -> list[int]:
        """Send any event to the bot; returns the sequence numbers used."""
        return await self.gateway.dispatch(event, data)

    async def message_from(
        self,
        author: str,
        content: str,
        *,
        channel: str | int = "general",
        reply_to: Json | None = None,
        embeds: list[Json] | None = None,
    ) -> Json:
        """A user posts a message; the bot gets MESSAGE_CREATE. Returns the stored message."""
        body: Json = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            body["message_reference"] = {
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
            }
        message = self.world.create_message(
            self.world.channel(channel)["id"], body, [], author_id=self.world.user_id(author)
        )
        await self.dispatch("MESSAGE_CREATE", self.world.for_gateway(message))
        return message

    async def direct_message(self, author: str, content: str) -> Json:
        """A user writes to the bot in a direct message (no guild); returns the stored message."""
        channel = self.world.dm_channel(author)
        message = self.world.create_message(
            channel["id"], {"content": content}, [], author_id=self.world.user_id(author)
        )
        await self.dispatch("MESSAGE_CREATE", self.world.for_gateway(message))
        return message

    async def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: str = "alice",
        channel: str | int = "general",
    ) -> SentInteraction:
        """A user runs `/name` (or `/group sub`) with `options`; typed from the synced tree."""
        root, *path = name.split()
        command = self.world.find_command(root, p.COMMAND_CHAT_INPUT)
        definitions = (command or {}).get("options") or []
        chain: list[tuple[str, int]] = []
        for sub in path:
            definition = next((o for o in definitions if o["name"] == sub), None)
            guess = p.OPTION_SUB_COMMAND if sub == path[-1] else p.OPTION_SUB_COMMAND_GROUP
            chain.append((sub, definition["type"] if definition else guess))
            definitions = (definition or {}).get("options") or []
        resolved: Json = {}
        leaf = self._options(options or {}, definitions, resolved)
        for sub, kind in reversed(chain):
            leaf = [{"name": sub, "type": kind, "options": leaf}]
        data: Json = {
            "id": command["id"] if command else str(self.world.ids.next()),
            "name": root,
            "type": p.COMMAND_CHAT_INPUT,
            "options": leaf,
        }
        if resolved:
            data["resolved"] = resolved
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(
            p.INTERACTION_APPLICATION_COMMAND, data, user=user, channel=channel
        )

    def _options(
        self, values: dict[str, Any], definitions: list[Json], resolved: Json
    ) -> list[Json]:
        out = []
        for key, value in values.items():
            definition = next((o for o in definitions if o["name"] == key), None)
            if definition is not None:
                kind = definition["type"]
            elif isinstance(value, bool):
                kind = p.OPTION_BOOLEAN
            elif isinstance(value, int):
                kind = p.OPTION_INTEGER
            elif isinstance(value, float):
                kind = p.OPTION_NUMBER
            else:
                kind = p.OPTION_STRING
            if kind == p.OPTION_USER:
                target = self.world.user(value)
                value = target["id"]
                resolved.setdefault("users", {})[value] = copy.deepcopy(target)
                if int(value) in self.world.members:
                    member = p.partial_member(self.world.members[int(value)])
                    member["permissions"] = str(self.world.member_permissions(int(value)))
                    resolved.setdefault("members", {})[value] = member
            elif kind == p.OPTION_CHANNEL:
                target = self.world.channel(value)
                value = target["id"]
                perms = str(self.world.member_permissions(self.world.application_id))
                resolved.setdefault("channels", {})[value] = {
                    **copy.deepcopy(target),
                    "permissions": perms,
                }
            elif kind == p.OPTION_ROLE:
                rid = (
                    self.world.role_id(value)
                    if isinstance(value, str) and not value.isdigit()
                    else int(value)
                )
                value = str(rid)
                resolved.setdefault("roles", {})[value] = copy.deepcopy(self.world.roles[rid])
            out.append({"name": key, "type": kind, "value": value})
        return out

    async def message_command(
        self, name: str, target: Json, *, user: str = "alice"
    ) -> SentInteraction:
        """A user picks the message context-menu command `name` on `target`."""
        command = self.world.find_command(name, p.COMMAND_MESSAGE)
        data: Json = {
            "id": command["id"] if command else str(self.world.ids.next()),
            "name": name,
            "type": p.COMMAND_MESSAGE,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: copy.deepcopy(target)}},
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(
            p.INTERACTION_APPLICATION_COMMAND, data, user=user, channel=int(target["channel_id"])
        )

    async def user_command(
        self, name: str, target: str, *, user: str = "alice", channel: str | int = "general"
    ) -> SentInteraction:
        """A user picks the user context-menu command `name` on member `target`."""
        command = self.world.find_command(name, p.COMMAND_USER)
        resolved: Json = {}
        self._options({"target": target}, [{"name": "target", "type": p.OPTION_USER}], resolved)
        target_id = self.world.user(target)["id"]
        data: Json = {
            "id": command["id"] if command else str(self.world.ids.next()),
            "name": name,
            "type": p.COMMAND_USER,
            "target_id": target_id,
            "resolved": resolved,
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._interact(
            p.INTERACTION_APPLICATION_COMMAND, data, user=user, channel=channel
        )

    async def click_button(
        self, message: Json | int | str, custom_id: str, *, user: str = "alice"
    ) -> SentInteraction:
        """A user presses the button `custom_id` on a message the bot sent."""
        msg = self._component_message(message, custom_id)
        data = {"custom_id": custom_id, "component_type": p.COMPONENT_BUTTON}
        return await self._interact(
            p.INTERACTION_MESSAGE_COMPONENT,
            data,
            user=user,
            channel=int(msg["channel_id"]),
            message=msg,
        )

    async def select(
        self, message: Json | int | str, custom_id: str, values: list[str], *, user: str = "alice"
    ) -> SentInteraction:
        """A user picks `values` in the string select `custom_id`."""
        msg = self._component_message(message, custom_id)
        data = {
            "custom_id": custom_id,
            "component_type": p.COMPONENT_STRING_SELECT,
            "values": values,
        }
        return await self._interact(
            p.INTERACTION_MESSAGE_COMPONENT,
            data,
            user=user,
            channel=int(msg["channel_id"]),
            message=msg,
        )

    async def submit_modal(
        self, opened_by: SentInteraction, values: dict[str, str]
    ) -> SentInteraction:
        """The user who got the modal fills its text inputs (`custom_id` -> text) and submits."""
        modal = opened_by.state.modal
        if modal is None:
            raise AssertionError("the bot answered that interaction without a modal")
        missing = set(values)

        def fill(component: Json) -> Json | None:
            kind = component.get("type")
            if kind == p.COMPONENT_TEXT_INPUT:
                missing.discard(component["custom_id"])
                out = {
                    "type": kind,
                    "custom_id": component["custom_id"],
                    "value": values.get(component["custom_id"], component.get("value") or ""),
                }
                if "id" in component:
                    out["id"] = component["id"]
                return out
            if kind == p.COMPONENT_ACTION_ROW:
                return {
                    "type": kind,
                    "components": [c for c in map(fill, component["components"]) if c],
                }
            if "component" in component:  # a Label (type 18) wrapping one input
                inner = fill(component["component"])
                return (
                    {"type": kind, "id": component.get("id"), "component": inner} if inner else None
                )
            return None

        components = [c for c in map(fill, modal.get("components") or []) if c]
        if missing:
            raise AssertionError(f"the modal has no text inputs {sorted(missing)}")
        origin = opened_by.payload
        data = {"custom_id": modal["custom_id"], "components": components}
        user = origin["member"]["user"]["id"]
        return await self._interact(
            p.INTERACTION_MODAL_SUBMIT,
            data,
            user=user,
            channel=int(origin["channel_id"]),
            message=origin.get("message"),
        )

    def _component_message(self, message: Json | int | str, custom_id: str) -> Json:
        mid = message["id"] if isinstance(message, dict) else message
        msg = self.world.message(mid)

        def walk(components: list[Json]) -> bool:
            return any(
                c.get("custom_id") == custom_id
                or walk(c.get("components") or [])
                or (c.get("accessory") or {}).get("custom_id") == custom_id
                for c in components
            )

        if not walk(msg.get("components") or []):
            raise AssertionError(
                f"message {mid} has no component {custom_id!r}: {msg.get('components')}"
            )
        return msg

    async def _interact(
        self, type: int, data: Json, *, user: str, channel: str | int, message: Json | None = None
    ) -> SentInteraction:
        state = self.world.new_interaction(
            type,
            data,
            user_id=self.world.user_id(user),
            channel_id=self.world.channel(channel)["id"],
            message=message,
        )
        await self.dispatch("INTERACTION_CREATE", state.payload)
        return SentInteraction(self, state)

    # -- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        route: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.25,
        scope: str = "user",
        body: Json | None = None,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> Fault:
        """Answer the next `times` requests matching `method`, `route` and `where` (a test
        on the recorded request, e.g. "its JSON has embeds") with `status`.

        A 429 comes as Discord sends it: `retry_after` in the body, `Retry-After`
        and the `X-RateLimit-*` headers (scope 'user', 'shared' or 'global'), and a
        `Via` header, without which discord.py takes a 429 for a Cloudflare ban.
        """
        fault = Fault(method.upper(), route, status, times, retry_after, scope, body, where=where)
        self.faults.append(fault)
        return fault

    def set_rate_limit(self, method: str, route: str, *, limit: int, per: float) -> None:
        """Make a route's bucket `limit` requests per `per` seconds (Discord: 5 edits per 5 s)."""
        self.rate_limits.set(method, route, limit, per)

    async def close_gateway(
        self, code: int = gw.UNKNOWN_ERROR, *, resumable: bool | None = None
    ) -> None:
        """Close the bot's websocket; 4000 (the default) lets it RESUME."""
        await self.gateway.close(code, resumable=resumable)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        await self.gateway.send_op(gw.RECONNECT)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION."""
        await self.gateway.send_op(gw.INVALID_SESSION, resumable)

    # -- REST plumbing --------------------------------------------------------------------

    def _route(
        self, method: str, template: str, handler: Handler, *, bot_auth: bool = True
    ) -> None:
        self._routes.append((method, template, handler, bot_auth))

    def _match(
        self, method: str, path: str
    ) -> tuple[str | None, Handler | None, bool, dict[str, str]]:
        """(template, handler, needs bot auth, params) of the route serving `method path`.

        A segment named `..._id` must be a snowflake, so that e.g. GET
        /channels/1/messages/pins is an unknown route rather than a bad message id.
        """
        segments = path.split("/")
        for m, template, handler, bot_auth in self._routes:
            if m != method or compile_route(template).match(path) is None:
                continue
            params = {
                t[1:-1]: seg
                for seg, t in zip(segments, template.split("/"), strict=True)
                if t.startswith("{")
            }
            if all(v.isdigit() for k, v in params.items() if k.endswith("_id")):
                return template, handler, bot_auth, params
        return None, None, False, {}

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.content_type == "multipart/form-data":
            payload, files = None, []
            reader = await request.multipart()
            async for part in reader:
                data = bytes(await part.read())
                if part.name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename or "",
                            content_type=part.headers.get("Content-Type"),
                            data=data,
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _rest(self, request: web.Request) -> web.Response:
        received = time.monotonic()
        path = request.path[len(API_PREFIX) :]
        method = request.method.upper()
        template, handler, bot_auth, params = self._match(method, path)
        body, files = await self._read_body(request)
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        record = self.requests.append(
            RecordedRequest(
                index=len(self.requests),
                method=method,
                path=path,
                query=dict(request.query),
                route=template,
                params=params,
                json=body,
                files=files,
                content_type=request.content_type,
                authorized=authorized,
                at=received,
            )
        )
        headers = {"Via": "1.1 google"}
        try:
            reply = await self._answer(record, handler, bot_auth, headers)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body)
        except Exception:  # a bug in this server: answer like Discord would, and say so
            log.exception("local Discord failed on %s %s", method, path)
            reply = Reply(500, p.error(0, "500: Internal Server Error"))
        record.status, record.response, record.answered_at = (
            reply.status,
            reply.body,
            time.monotonic(),
        )
        self.requests.changed()
        return json_response(reply.status, reply.body, headers)

    async def _answer(
        self,
        record: RecordedRequest,
        handler: Handler | None,
        bot_auth: bool,
        headers: dict[str, str],
    ) -> Reply:
        if handler is None:
            return Reply(404, p.error(0, "404: Not Found"))
        if bot_auth and not record.authorized:
            return Reply(401, p.error(0, "401: Unauthorized"))
        fault = next((f for f in self.faults if f.matches(record)), None)
        if fault is not None:
            fault.hits.append(record)
            record.fault = str(fault.status)
            return self._fault_reply(fault, record, headers)
        allowed, limit_headers, reset_after = self.rate_limits.take(record)
        headers.update(limit_headers)
        if not allowed:
            record.fault = "429 (rate limit)"
            headers.update(
                {"Retry-After": str(math.ceil(reset_after)), "X-RateLimit-Scope": "user"}
            )
            return Reply(
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": round(reset_after, 3),
                    "global": False,
                },
            )
        return await handler(Call(record))

    def _fault_reply(self, fault: Fault, record: RecordedRequest, headers: dict[str, str]) -> Reply:
        if fault.status != 429:
            default = p.error(
                0, f"{fault.status}: {'Internal Server Error' if fault.status == 500 else 'Error'}"
            )
            return Reply(fault.status, fault.body or default)
        is_global = fault.scope == "global"
        headers["Retry-After"] = str(math.ceil(fault.retry_after))
        headers["X-RateLimit-Scope"] = fault.scope
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            name = f"{record.method} {record.route}"
            headers.update(
                {
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                    "X-RateLimit-Bucket": RateLimits.bucket_hash(name),
                }
            )
        body = fault.body or {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": is_global,
        }
        return Reply(429, body)

    # -- REST routes ----------------------------------------------------------------------

    def _add_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/gateway", self._get_gateway, bot_auth=False)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/applications/{application_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/commands", self._put_commands)
        r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._put_commands)
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._get_messages)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._put_reaction,
        )
        r(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            self._delete_reaction,
        )
        r("POST", "/channels/{channel_id}/typing", self._post_typing)
        r(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            self._post_thread_from_message,
        )
        r("POST", "/channels/{channel_id}/threads", self._post_thread)
        r(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            self._post_callback,
            bot_auth=False,
        )
        original = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
        r("GET", original, self._get_webhook_message, bot_auth=False)
        r("PATCH", original, self._patch_webhook_message, bot_auth=False)
        r("DELETE", original, self._delete_webhook_message, bot_auth=False)
        r("POST", "/webhooks/{webhook_id}/{webhook_token}", self._post_followup, bot_auth=False)
        by_id = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
        r("GET", by_id, self._get_webhook_message, bot_auth=False)
        r("PATCH", by_id, self._patch_webhook_message, bot_auth=False)
        r("DELETE", by_id, self._delete_webhook_message, bot_auth=False)

    async def _get_me(self, call: Call) -> Reply:
        return Reply(200, self.world.bot_user())

    async def _get_user(self, call: Call) -> Reply:
        uid = int(call.params["user_id"])
        if uid not in self.world.users:
            raise unknown("User", 10013)
        return Reply(200, self.world.users[uid])

    async def _get_gateway(self, call: Call) -> Reply:
        return Reply(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, call: Call) -> Reply:
        return Reply(
            200,
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    async def _get_application(self, call: Call) -> Reply:
        return Reply(200, self.world.application_info())

    def _check_application(self, call: Call) -> int | None:
        if call.params["application_id"] != str(self.world.application_id):
            raise ApiError(403, p.error(50001, "Missing Access"))
        if "guild_id" in call.params:
            if call.params["guild_id"] != str(self.world.guild_id):
                raise ApiError(403, p.error(50001, "Missing Access"))
            return self.world.guild_id
        return None

    async def _get_commands(self, call: Call) -> Reply:
        guild_id = self._check_application(call)
        commands = (
            self.world.global_commands
            if guild_id is None
            else self.world.guild_commands.get(guild_id, [])
        )
        return Reply(200, copy.deepcopy(commands))

    async def _put_commands(self, call: Call) -> Reply:
        guild_id = self._check_application(call)
        return Reply(200, self.world.put_commands(call.request.json, guild_id))

    async def _get_guild(self, call: Call) -> Reply:
        if call.params["guild_id"] != str(self.world.guild_id):
            raise unknown("Guild", 10004)
        guild = self.world.guild_create(with_members=False)
        for key in (
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "voice_states",
            "members",
            "channels",
            "threads",
            "presences",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ):
            guild.pop(key, None)
        return Reply(200, guild)

    async def _get_member(self, call: Call) -> Reply:
        if call.params["guild_id"] != str(self.world.guild_id):
            raise unknown("Guild", 10004)
        member = self.world.members.get(int(call.params["user_id"]))
        if member is None:
            raise unknown("Member", 10007)
        return Reply(200, member)

    async def _get_channel(self, call: Call) -> Reply:
        return Reply(200, self.world.channel(int(call.params["channel_id"])))

    async def _get_messages(self, call: Call) -> Reply:
        messages = self.world.channel_messages(int(call.params["channel_id"]))
        query = call.request.query
        limit = max(1, min(int(query.get("limit", 50)), 100))
        if "before" in query:
            messages = [m for m in messages if int(m["id"]) < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if int(m["id"]) > int(query["after"])][:limit]
        return Reply(200, list(reversed(messages[-limit:])))

    async def _get_message(self, call: Call) -> Reply:
        self.world.channel(int(call.params["channel_id"]))
        return Reply(200, self.world.message(call.params["message_id"], call.params["channel_id"]))

    async def _post_message(self, call: Call) -> Reply:
        message = self.world.create_message(
            call.params["channel_id"], call.body, call.files, author_id=self.world.application_id
        )
        await self._announce("MESSAGE_CREATE", message)
        return Reply(200, message)

    async def _patch_message(self, call: Call) -> Reply:
        self.world.channel(int(call.params["channel_id"]))
        message = self.world.message(call.params["message_id"], call.params["channel_id"])
        self.world.bot_may_edit(message)
        edited = self.world.edit_message(message, call.body, call.files)
        await self._announce("MESSAGE_UPDATE", edited)
        return Reply(200, edited)

    async def _delete_message(self, call: Call) -> Reply:
        message = self.world.message(call.params["message_id"], call.params["channel_id"])
        self.world.delete_message(message)
        await self._announce_delete(message)
        return NO_CONTENT

    async def _put_reaction(self, call: Call) -> Reply:
        message = self.world.message(call.params["message_id"], call.params["channel_id"])
        emoji = call.params["emoji"]
        reactions = message.setdefault("reactions", [])
        if not any(r["emoji"]["name"] == emoji and r["me"] for r in reactions):
            reactions.append(
                {
                    "emoji": {"id": None, "name": emoji},
                    "count": 1,
                    "me": True,
                    "count_details": {"burst": 0, "normal": 1},
                    "burst_colors": [],
                    "me_burst": False,
                    "burst_count": 0,
                }
            )
        return NO_CONTENT

    async def _delete_reaction(self, call: Call) -> Reply:
        message = self.world.message(call.params["message_id"], call.params["channel_id"])
        emoji = call.params["emoji"]
        message["reactions"] = [
            r for r in message.get("reactions", []) if not (r["emoji"]["name"] == emoji and r["me"])
        ]
        return NO_CONTENT

    async def _post_typing(self, call: Call) -> Reply:
        self.world.messageable(call.params["channel_id"])
        return NO_CONTENT

    async def _post_thread_from_message(self, call: Call) -> Reply:
        thread = self.world.create_thread(
            call.params["channel_id"],
            call.body,
            message_id=int(call.params["message_id"]),
            owner_id=self.world.application_id,
        )
        return await self._thread_created(thread)

    async def _post_thread(self, call: Call) -> Reply:
        thread = self.world.create_thread(
            call.params["channel_id"], call.body, owner_id=self.world.application_id
        )
        return await self._thread_created(thread)

    async def _thread_created(self, thread: Json) -> Reply:
        member = p.thread_member(int(thread["id"]), self.world.application_id)
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True, "member": member})
        return Reply(201, {**thread, "member": member})

    # -- interactions ---------------------------------------------------------------------

    async def _post_callback(self, call: Call) -> Reply:
        ix = self.world.interaction_by_id(call.params["webhook_id"], call.params["webhook_token"])
        body = call.body
        kind = body.get("type")
        self.world.check_callback(ix, kind)
        data = body.get("data") or {}
        world = self.world
        message: Json | None = None
        if kind == p.CALLBACK_CHANNEL_MESSAGE:
            message = world.create_message(
                ix.channel_id,
                data,
                call.files,
                author_id=world.application_id,
                type=world.interaction_type_for_message(ix),
                webhook=True,
                interaction=ix,
            )
            ix.ephemeral = bool(message["flags"] & p.FLAG_EPHEMERAL)
            ix.original_id = int(message["id"])
            await self._announce("MESSAGE_CREATE", message)
        elif kind == p.CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = p.FLAG_LOADING | (int(data.get("flags") or 0) & p.FLAG_EPHEMERAL)
            loading = world.create_message(
                ix.channel_id,
                {"content": "", "flags": flags},
                [],
                author_id=world.application_id,
                type=world.interaction_type_for_message(ix),
                webhook=True,
                interaction=ix,
            )
            ix.ephemeral = bool(flags & p.FLAG_EPHEMERAL)
            ix.original_id, ix.loading = int(loading["id"]), True
            await self._announce("MESSAGE_CREATE", loading)
        elif kind in (p.CALLBACK_DEFERRED_UPDATE_MESSAGE, p.CALLBACK_UPDATE_MESSAGE):
            target = ix.payload.get("message")
            if target is not None:
                ix.original_id = int(target["id"])
                ix.ephemeral = bool(target.get("flags", 0) & p.FLAG_EPHEMERAL)
            if kind == p.CALLBACK_UPDATE_MESSAGE:
                message = world.edit_message(world.message(target["id"]), data, call.files)
                await self._announce("MESSAGE_UPDATE", message)
        elif kind == p.CALLBACK_MODAL:
            ix.modal = copy.deepcopy(data)
        elif kind == p.CALLBACK_AUTOCOMPLETE_RESULT:
            ix.autocomplete_choices = copy.deepcopy(data.get("choices") or [])
        ix.response_type, ix.responded_at = kind, call.request.at
        if not call.flag("with_response"):
            return NO_CONTENT
        interaction: Json = {
            "id": str(ix.id),
            "type": ix.type,
            "response_message_loading": kind == p.CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": ix.ephemeral,
        }
        if kind in (
            p.CALLBACK_CHANNEL_MESSAGE,
            p.CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            p.CALLBACK_UPDATE_MESSAGE,
        ):
            interaction["response_message_id"] = str(ix.original_id)
        resource: Json = {"type": kind}
        if message is not None:
            resource["message"] = message
        return Reply(200, {"interaction": interaction, "resource": resource})

    def _webhook_target(self, call: Call) -> tuple[InteractionState, Json]:
        ix = self.world.interaction_by_token(
            call.params["webhook_id"], call.params["webhook_token"]
        )
        wanted = call.params.get("message_id")
        if wanted is None:  # @original
            if ix.original_id is None or ix.original_id not in self.world.messages:
                raise unknown("Message", UNKNOWN_MESSAGE)
            return ix, self.world.messages[ix.original_id]
        if int(wanted) != ix.original_id and int(wanted) not in ix.followup_ids:
            raise unknown("Message", UNKNOWN_MESSAGE)
        return ix, self.world.message(wanted)

    async def _get_webhook_message(self, call: Call) -> Reply:
        return Reply(200, self._webhook_target(call)[1])

    async def _patch_webhook_message(self, call: Call) -> Reply:
        ix, message = self._webhook_target(call)
        edited = self.world.edit_message(message, call.body, call.files)
        if int(edited["id"]) == ix.original_id:
            ix.loading = False
        await self._announce("MESSAGE_UPDATE", edited)
        return Reply(200, edited)

    async def _delete_webhook_message(self, call: Call) -> Reply:
        _, message = self._webhook_target(call)
        self.world.delete_message(message)
        await self._announce_delete(message)
        return NO_CONTENT

    async def _post_followup(self, call: Call) -> Reply:
        ix = self.world.interaction_by_token(
            call.params["webhook_id"], call.params["webhook_token"]
        )
        if ix.response_type is None:
            raise unknown("Webhook", UNKNOWN_WEBHOOK)
        if ix.loading:
            # The first followup after a "thinking" defer replaces the thinking message.
            loading = self.world.messages.get(ix.original_id or 0)
            if loading is None:
                raise unknown("Message", UNKNOWN_MESSAGE)
            message = self.world.edit_message(
                loading, {k: v for k, v in call.body.items() if k != "flags"}, call.files
            )
            ix.loading = False
            await self._announce("MESSAGE_UPDATE", message)
        else:
            message = self.world.create_message(
                ix.channel_id,
                call.body,
                call.files,
                author_id=self.world.application_id,
                webhook=True,
                interaction=ix,
            )
            ix.followup_ids.append(int(message["id"]))
            await self._announce("MESSAGE_CREATE", message)
        return Reply(200, message) if call.flag("wait") else NO_CONTENT

    # -- events for what the bot did ------------------------------------------------------

    async def _announce(self, event: str, message: Json) -> None:
        """Tell the gateway about a message the bot created or edited, as Discord does
        (never for ephemeral messages)."""
        if message["flags"] & p.FLAG_EPHEMERAL:
            return
        with contextlib.suppress(RuntimeError):  # no session: nothing to tell
            await self.dispatch(event, self.world.for_gateway(message))

    async def _announce_delete(self, message: Json) -> None:
        if message["flags"] & p.FLAG_EPHEMERAL:
            return
        with contextlib.suppress(RuntimeError):
            await self.dispatch(
                "MESSAGE_DELETE",
                {
                    "id": message["id"],
                    "channel_id": message["channel_id"],
                    "guild_id": str(self.world.guild_id),
                },
            )


class SentInteraction:
    """A test's handle on one interaction it sent: what the bot answered and when."""

    def __init__(self, server: LocalDiscord, state: InteractionState) -> None:
        self.server = server
        self.state = state

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def payload(self) -> Json:
        return self.state.payload

    @property
    def response_type(self) -> int | None:
        return self.state.response_type

    @property
    def ack_delay(self) -> float | None:
        """Seconds from INTERACTION_CREATE on the wire to the callback's arrival."""
        if self.state.responded_at is None:
            return None
        return self.state.responded_at - self.state.dispatched_at

    def _mine(self, r: RecordedRequest) -> bool:
        return r.params.get("webhook_token") == self.token

    @property
    def callbacks(self) -> list[RecordedRequest]:
        return [r for r in self.server.requests if self._mine(r) and r.path.endswith("/callback")]

    @property
    def edits(self) -> list[RecordedRequest]:
        """Successful edits of the original response, in order."""
        return [
            r
            for r in self.server.requests
            if self._mine(r)
            and r.method == "PATCH"
            and r.path.endswith("/@original")
            and r.status == 200
        ]

    @property
    def followups(self) -> list[RecordedRequest]:
        return [
            r
            for r in self.server.requests
            if self._mine(r)
            and r.method == "POST"
            and r.route == "/webhooks/{webhook_id}/{webhook_token}"
            and r.status is not None
            and r.status < 300
        ]

    def original(self) -> Json | None:
        """The message @original refers to now, or None."""
        mid = self.state.original_id
        return None if mid is None else self.server.world.messages.get(mid)

    async def wait_acknowledged(self, *, timeout: float = 5.0) -> RecordedRequest:
        """The first successful callback (the acknowledgement)."""
        return await self.server.wait_for_request(
            "POST",
            "/interactions/{i}/{t}/callback",
            timeout=timeout,
            where=lambda r: self._mine(r) and r.status is not None and r.status < 300,
        )

    async def wait_for_edit(
        self,
        where: Callable[[RecordedRequest], bool] | None = None,
        *,
        start: int = 0,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first successful PATCH of @original from request index `start` on."""
        return await self.server.wait_for_request(
            "PATCH",
            "/webhooks/{w}/{t}/messages/@original",
            start=start,
            timeout=timeout,
            where=lambda r: self._mine(r) and r.status == 200 and (where is None or where(r)),
        )

    async def wait_for_followup(self, *, start: int = 0, timeout: float = 5.0) -> RecordedRequest:
        return await self.server.wait_for_request(
            "POST",
            "/webhooks/{w}/{t}",
            start=start,
            timeout=timeout,
            where=lambda r: self._mine(r) and r.status is not None and r.status < 300,
        )


__all__ = ["DEFAULT_TOKEN", "Fault", "LocalDiscord", "SentInteraction", "route_matches"]
