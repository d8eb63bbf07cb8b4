"""The gateway half of the local Discord: a real websocket speaking gateway v10.

A connection gets HELLO, then either IDENTIFY (answered by READY and one
GUILD_CREATE) or RESUME (answered by the events it missed, then RESUMED, or by
INVALID_SESSION when the session cannot be resumed). Heartbeats are ACKed.
Dispatches carry sequence numbers per session and are kept, so a RESUME after
a dropped connection replays exactly what was missed. Transport compression is
what the client asks for in the query string: none, `zlib-stream` (one zlib
stream per connection, each message ending in a Z_SYNC_FLUSH) or `zstd-stream`
(when the `zstandard` module is installed, as discord.py only asks for it then).

Events are filtered by the intents the session identified with, as Discord
does: no MESSAGE_CREATE without GUILD_MESSAGES, and without MESSAGE_CONTENT the
content, embeds, attachments and components of other people's messages that do
not mention the bot arrive empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.local_discord import payloads as p
from tests.local_discord.payloads import Json
from tests.local_discord.recording import ConnectionInfo, Frame, Log

if TYPE_CHECKING:
    from tests.local_discord.world import World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_ERROR, UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED = 4000, 4001, 4002, 4003
AUTHENTICATION_FAILED, ALREADY_AUTHENTICATED, INVALID_SEQ, RATE_LIMITED = 4004, 4005, 4007, 4008
SESSION_TIMED_OUT, INVALID_SHARD, SHARDING_REQUIRED, INVALID_API_VERSION = 4009, 4010, 4011, 4012
INVALID_INTENTS, DISALLOWED_INTENTS = 4013, 4014
# After these Discord will not accept a RESUME of the session.
NOT_RESUMABLE = {
    AUTHENTICATION_FAILED,
    INVALID_SEQ,
    SESSION_TIMED_OUT,
    INVALID_SHARD,
    SHARDING_REQUIRED,
    INVALID_API_VERSION,
    INVALID_INTENTS,
    DISALLOWED_INTENTS,
}

# Which intent an event needs; message events in a DM need DIRECT_MESSAGES instead.
EVENT_INTENTS = {
    "GUILD_CREATE": p.GUILDS,
    "THREAD_CREATE": p.GUILDS,
    "THREAD_UPDATE": p.GUILDS,
    "CHANNEL_CREATE": p.GUILDS,
    "MESSAGE_CREATE": p.GUILD_MESSAGES,
    "MESSAGE_UPDATE": p.GUILD_MESSAGES,
    "MESSAGE_DELETE": p.GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": p.GUILD_MESSAGE_REACTIONS,
    "TYPING_START": p.GUILD_MESSAGE_TYPING,
}
DM_EVENT_INTENTS = {
    "MESSAGE_CREATE": p.DIRECT_MESSAGES,
    "MESSAGE_UPDATE": p.DIRECT_MESSAGES,
    "MESSAGE_DELETE": p.DIRECT_MESSAGES,
    "TYPING_START": p.DIRECT_MESSAGE_TYPING,
}
CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}

try:  # discord.py asks for zstd-stream exactly when one of these imports
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None


class Encoder:
    """Turns gateway JSON into websocket frames for one connection."""

    def __init__(self, compress: str | None) -> None:
        self.compress = compress
        if compress == "zlib-stream":
            self._zlib = zlib.compressobj()
        elif compress == "zstd-stream":
            self._zstd = zstandard.ZstdCompressor().compressobj()

    def encode(self, text: str) -> str | bytes:
        data = text.encode()
        if self.compress == "zlib-stream":
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self.compress == "zstd-stream":
            return self._zstd.compress(data) + self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return text


@dataclass
class Session:
    id: str
    identify: Json
    intents: int
    shard: list[int] | None
    seq: int = 0
    sent: list[tuple[int, Json]] = field(default_factory=list)  # every dispatch, for replay
    connection: Connection | None = None
    resumable: bool = True


class Connection:
    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, info: ConnectionInfo) -> None:
        self.gateway = gateway
        self.ws = ws
        self.info = info
        self.encoder = Encoder(info.compress)
        self.session: Session | None = None
        self._lock = asyncio.Lock()

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, payload: Json) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:  # compress and send in one order: the stream is shared
            if self.ws.closed:
                raise ConnectionResetError("gateway connection is closed")
            frame = self.encoder.encode(text)
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        self.gateway.record(self, "send", payload, len(frame))

    async def close(self, code: int, message: str = "") -> None:
        if self.info.closed_by is None:
            self.info.closed_by = "server"
            self.info.close_code = code
        await self.ws.close(code=code, message=message.encode())


class Gateway:
    """All gateway connections and sessions of one local Discord."""

    def __init__(
        self,
        world: World,
        *,
        token: str,
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int = 41_250,
        heartbeat_ack_delay_s: float = 0.02,
    ) -> None:
        self.world = world
        self.token = token
        self.resume_url = resume_url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # An ACK that arrives before discord.py's heartbeat thread has noted the send makes
        # it log "Can't keep up … 41.3s behind" (a whole interval); a real round trip never does.
        self.heartbeat_ack_delay_s = heartbeat_ack_delay_s
        self.ack_heartbeats = True
        self._acks: set[asyncio.Task] = set()
        self.connections: Log[ConnectionInfo] = Log()
        self.frames: Log[Frame] = Log()
        self.sessions: dict[str, Session] = {}
        self._live: dict[int, Connection] = {}

    # -- recording ------------------------------------------------------------------------

    def record(self, conn: Connection, direction: str, payload: Any, size: int) -> None:
        d = payload if isinstance(payload, dict) else {}
        self.frames.append(
            Frame(
                index=len(self.frames),
                connection=conn.info.id,
                direction=direction,
                op=d.get("op"),
                t=d.get("t"),
                s=d.get("s"),
                d=d.get("d"),
                at=time.monotonic(),
                wire_bytes=size,
            )
        )

    # -- the websocket handler ------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True)
        await ws.prepare(request)
        query = dict(request.query)
        info = ConnectionInfo(
            id=len(self.connections),
            path=request.path,
            query=query,
            compress=query.get("compress"),
            opened_at=time.monotonic(),
        )
        self.connections.append(info)
        conn = Connection(self, ws, info)
        self._live[info.id] = conn
        try:
            await self._serve(conn)
        except ConnectionResetError:
            pass
        finally:
            self._live.pop(info.id, None)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            if info.closed_by is None:
                info.closed_by = "client"
                info.close_code = ws.close_code
                if ws.close_code in (1000, 1001) and conn.session is not None:
                    conn.session.resumable = False  # a clean close ends the session
            info.closed_at = time.monotonic()
            self.connections.changed()
        return ws

    async def _serve(self, conn: Connection) -> None:
        query = conn.info.query
        if query.get("v") != "10":
            await conn.close(INVALID_API_VERSION, "Invalid API version")
            return
        if query.get("encoding", "json") != "json":
            await conn.close(DECODE_ERROR, "Only encoding=json is served here")
            return
        if conn.info.compress not in (None, "zlib-stream", "zstd-stream") or (
            conn.info.compress == "zstd-stream" and zstandard is None
        ):
            await conn.close(UNKNOWN_ERROR, f"Unsupported compression {conn.info.compress}")
            return
        await conn.send(
            {
                "op": HELLO,
                "d": {
                    "heartbeat_interval": self.heartbeat_interval_ms,
                    "_trace": ['["local-discord",{}]'],
                },
                "s": None,
                "t": None,
            }
        )
        async for msg in conn.ws:
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            raw = msg.data if msg.type is WSMsgType.TEXT else msg.data.decode()
            try:
                payload = json.loads(raw)
            except ValueError:
                self.record(conn, "recv", {"raw": raw}, len(raw))
                await conn.close(DECODE_ERROR, "Error while decoding payload.")
                return
            self.record(conn, "recv", payload, len(raw))
            if not await self._on_payload(conn, payload):
                return

    async def _on_payload(self, conn: Connection, payload: Json) -> bool:
        """Handle one client payload; False when the connection was closed."""
        op, d = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            if self.ack_heartbeats:
                task = asyncio.ensure_future(self._ack(conn))
                self._acks.add(task)
                task.add_done_callback(self._acks.discard)
            return True
        if op == IDENTIFY:
            return await self._identify(conn, d or {})
        if op == RESUME:
            return await self._resume(conn, d or {})
        if conn.session is None:
            await conn.close(NOT_AUTHENTICATED, "Not authenticated.")
            return False
        if op == REQUEST_GUILD_MEMBERS:
            await self._members_chunk(conn.session, d or {})
            return True
        if op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            return True  # recorded; nothing else to do
        await conn.close(UNKNOWN_OPCODE, "Unknown opcode.")
        return False

    async def _ack(self, conn: Connection) -> None:
        await asyncio.sleep(self.heartbeat_ack_delay_s)
        with contextlib.suppress(ConnectionResetError):
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})

    async def _identify(self, conn: Connection, d: Json) -> bool:
        if conn.session is not None:
            await conn.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return False
        if d.get("token") != self.token:
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return False
        intents = d.get("intents")
        if not isinstance(intents, int) or intents & ~p.KNOWN_INTENTS:
            await conn.close(INVALID_INTENTS, "Invalid intent(s).")
            return False
        if intents & p.PRIVILEGED_INTENTS & ~self.world.privileged_intents:
            await conn.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return False
        shard = d.get("shard")
        if shard is not None and not (len(shard) == 2 and 0 <= shard[0] < shard[1]):
            await conn.close(INVALID_SHARD, "Invalid shard.")
            return False
        session = Session(id=secrets.token_hex(16), identify=d, intents=intents, shard=shard)
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        conn.info.session_id = session.id
        ready: Json = {
            "v": 10,
            "user": self.world.bot_user(),
            "user_settings": {},
            "guilds": [p.unavailable_guild(g) for g in self._guild_ids(session)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url(),
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "application": {
                "id": str(self.world.application_id),
                "flags": p.application_flags(self.world.privileged_intents),
            },
            "_trace": ['["local-discord",{}]'],
        }
        if shard is not None:
            ready["shard"] = shard
        await self._dispatch_to(session, "READY", ready)
        if session.intents & p.GUILDS:
            for _ in self._guild_ids(session):
                with_members = bool(session.intents & p.GUILD_MEMBERS)
                await self._dispatch_to(
                    session, "GUILD_CREATE", self.world.guild_create(with_members=with_members)
                )
        return True

    def _guild_ids(self, session: Session) -> list[int]:
        gid = self.world.guild_id
        if session.shard is not None and (gid >> 22) % session.shard[1] != session.shard[0]:
            return []
        return [gid]

    async def _resume(self, conn: Connection, d: Json) -> bool:
        session = self.sessions.get(d.get("session_id") or "")
        if d.get("token") != self.token:
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return False
        seq = d.get("seq")
        if (
            session is None
            or not session.resumable
            or not isinstance(seq, int)
            or seq > session.seq
        ):
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return True
        old = session.connection
        if old is not None and old is not conn:
            session.connection = None
            await old.close(UNKNOWN_ERROR, "Session resumed elsewhere")
        session.connection = conn
        conn.session = session
        conn.info.session_id = session.id
        conn.info.resumed = True
        for s, frame in [(s, f) for s, f in session.sent if s > seq]:
            await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ['["local-discord",{}]']})
        return True

    async def _members_chunk(self, session: Session, d: Json) -> None:
        wanted = {str(u) for u in d.get("user_ids") or []}
        query = (d.get("query") or "").lower()
        members = [
            m
            for m in self.world.members.values()
            if (not wanted or m["user"]["id"] in wanted)
            and m["user"]["username"].lower().startswith(query)
        ]
        limit = d.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: Json = {
            "guild_id": str(self.world.guild_id),
            "members": copy.deepcopy(members),
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        if d.get("presences"):
            chunk["presences"] = []
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- dispatching ----------------------------------------------------------------------

    def _filtered(self, session: Session, event: str, data: Json) -> Json | None:
        direct = event in DM_EVENT_INTENTS and "guild_id" not in data
        needed = (DM_EVENT_INTENTS if direct else EVENT_INTENTS).get(event, 0)
        if needed and not session.intents & needed:
            return None
        if (
            not direct  # Message Content does not apply to DMs
            and event in ("MESSAGE_CREATE", "MESSAGE_UPDATE")
            and not session.intents & p.MESSAGE_CONTENT
        ):
            bot_id = str(self.world.application_id)
            author = (data.get("author") or {}).get("id")
            mentioned = any(u.get("id") == bot_id for u in data.get("mentions") or [])
            if author != bot_id and not mentioned:
                data = {**data, **copy.deepcopy(CONTENT_FIELDS)}
                data.pop("poll", None)
        return data

    async def _dispatch_to(self, session: Session, event: str, data: Json) -> int | None:
        data = self._filtered(session, event, data)
        if data is None:
            return None
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append((session.seq, frame))
        conn = session.connection
        if conn is not None and conn.open:
            with contextlib.suppress(ConnectionResetError):
                await conn.send(frame)
        return session.seq

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.resumable]

    async def dispatch(self, event: str, data: Json) -> list[int]:
        """Send an event to every live session; it is kept for replay if one is disconnected."""
        sessions = self.live_sessions()
        if not sessions:
            raise RuntimeError(
                f"no gateway session to dispatch {event} to; has the bot identified?"
            )
        seqs = []
        for session in sessions:
            seq = await self._dispatch_to(session, event, copy.deepcopy(data))
            if seq is not None:
                seqs.append(seq)
        return seqs

    # -- faults ---------------------------------------------------------------------------

    async def close(self, code: int = UNKNOWN_ERROR, *, resumable: bool | None = None) -> None:
        """Close every live connection with `code`; the session survives unless not resumable."""
        if resumable is None:
            resumable = code not in NOT_RESUMABLE
        for conn in list(self._live.values()):
            if conn.session is not None and not resumable:
                conn.session.resumable = False
            await conn.close(code, "Closed by the test")

    async def send_op(self, op: int, d: Any = None) -> None:
        """Send a raw opcode (RECONNECT, INVALID_SESSION...) to every identified connection."""
        for conn in list(self._live.values()):
            if conn.session is not None:
                if op == INVALID_SESSION and not d:
                    conn.session.resumable = False
                await conn.send({"op": op, "d": d, "s": None, "t": None})

    async def shutdown(self) -> None:
        for conn in list(self._live.values()):
            with contextlib.suppress(Exception):
                await conn.close(1001, "Server shutting down")
