"""The gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME, shards, dispatch and faults."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from .gateway_session import GatewayConnection, GatewaySession, log
from .ids import shard_for
from .payloads import bot_user_payload, guild_create_payload, member_payload
from .recorder import Recorder
from .records import GatewayRecord
from .world import World

Json = dict[str, Any]
EventData = Json | Callable[[GatewaySession], Json | None]

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE, RESUME = 0, 1, 2, 3, 4, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES = 1 << 0, 1 << 1, 1 << 8
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class Gateway:
    """Serves ``/gateway`` (and ``/gateway/resume``) for one or more shards."""

    def __init__(
        self,
        *,
        token: str,
        world: World,
        log_: Recorder[GatewayRecord],
        heartbeat_interval: int,
        shard_count: int,
        ws_url: Callable[[], str],
    ) -> None:
        self.token = token
        self.world = world
        self.log = log_
        self.heartbeat_interval = heartbeat_interval
        self.shard_count = shard_count
        self.ack_heartbeats = True
        self.enabled_privileged_intents = PRIVILEGED_INTENTS
        self.identify_count = 0
        self.resume_count = 0
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self._ws_url = ws_url
        self._changed = asyncio.Event()

    # -- connection lifecycle --------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway WebSocket."""
        query = request.query
        ws = web.WebSocketResponse(max_msg_size=0, compress=False, autoping=True)
        await ws.prepare(request)
        compress = query.get("compress")
        conn = GatewayConnection(
            ws, request, compress=compress == "zlib-stream", on_send=self._record_out
        )
        self.connections.add(conn)
        try:
            problem = self._check_query(query)
            if problem:
                conn.close_after_queue(problem)
            else:
                conn.send(
                    {
                        "op": HELLO,
                        "s": None,
                        "t": None,
                        "d": {
                            "heartbeat_interval": self.heartbeat_interval,
                            "_trace": ["discord-double"],
                        },
                    }
                )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    conn.close_after_queue(4002)
                    continue
                self._on_frame(conn, frame)
        finally:
            self._detach(conn)
            self.connections.discard(conn)
            await conn.stop()
            self._pulse()
        return ws

    def _check_query(self, query: Any) -> int | None:
        if query.get("v", "10") not in ("9", "10"):
            return 4012
        if query.get("encoding", "json") != "json":
            return 4002
        if query.get("compress") not in (None, "zlib-stream"):
            log.warning("unsupported gateway compression %r", query.get("compress"))
            return 4000
        return None

    def _detach(self, conn: GatewayConnection) -> None:
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
        conn.session = None

    # -- incoming frames ------------------------------------------------------------
    def _on_frame(self, conn: GatewayConnection, frame: Json) -> None:
        op, data = frame.get("op"), frame.get("d")
        session = conn.session
        self._record(conn, "in", op, None, data, None)
        if op == HEARTBEAT:
            if self.ack_heartbeats:
                conn.send({"op": HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == IDENTIFY:
            self._identify(conn, data or {})
        elif op == RESUME:
            self._resume(conn, data or {})
        elif op in (PRESENCE, VOICE_STATE, REQUEST_MEMBERS):
            if session is None:
                conn.close_after_queue(4003)  # not authenticated
            elif op == REQUEST_MEMBERS:
                self._request_members(session, data or {})
        else:
            conn.close_after_queue(4001)  # unknown opcode

    def _identify(self, conn: GatewayConnection, data: Json) -> None:
        if conn.session is not None:
            return conn.close_after_queue(4005)  # already authenticated
        if data.get("token") != self.token:
            return conn.close_after_queue(4004)  # authentication failed
        try:
            shard_id, shard_count = (int(x) for x in data.get("shard") or [0, 1])
        except (TypeError, ValueError):
            return conn.close_after_queue(4010)  # invalid shard
        if not 0 <= shard_id < shard_count:
            return conn.close_after_queue(4010)  # invalid shard
        intents = data.get("intents")
        if not isinstance(intents, int):
            return conn.close_after_queue(4013)  # invalid intents
        if intents & PRIVILEGED_INTENTS & ~self.enabled_privileged_intents:
            return conn.close_after_queue(4014)  # disallowed intents
        for old in self.sessions.values():
            if old.shard_id == shard_id and old.valid:
                old.valid = False
        session = GatewaySession(secrets.token_hex(16), shard_id, shard_count, intents, data)
        self.sessions[session.session_id] = session
        conn.session, session.connection = session, conn
        self.identify_count += 1
        guild_ids = [g for g in self.world.guilds if shard_for(g, shard_count) == shard_id]
        session.emit("READY", self._ready_payload(session, guild_ids))
        for guild_id in guild_ids:
            session.emit(
                "GUILD_CREATE",
                guild_create_payload(
                    self.world, guild_id, include_members=bool(intents & GUILD_MEMBERS)
                ),
            )
        session.ready = True
        self._pulse()
        return None

    def _resume(self, conn: GatewayConnection, data: Json) -> None:
        if data.get("token") != self.token:
            return conn.close_after_queue(4004)
        session = self.sessions.get(data.get("session_id") or "")
        seq = data.get("seq") or 0
        if session is None or not session.valid or seq > session.seq:
            conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            return None
        old = session.connection
        if old is not None and old is not conn:
            old.session = None
            old.close_after_queue(4000)
        conn.session, session.connection = session, conn
        for frame in session.replay_after(seq):
            conn.send(frame)
        session.emit("RESUMED", {"_trace": ["discord-double"]})
        self.resume_count += 1
        self._pulse()
        return None

    def _request_members(self, session: GatewaySession, data: Json) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = [int(u) for u in data.get("user_ids") or []]
        query = (data.get("query") or "").lower()
        found = [
            uid
            for uid in guild.members
            if (
                uid in wanted if wanted else self.world.user(uid).username.lower().startswith(query)
            )
        ]
        if data.get("limit"):
            found = found[: data["limit"]]
        session.emit(
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": str(guild.id),
                "members": [member_payload(self.world, guild.id, uid) for uid in found],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [str(u) for u in wanted if u not in guild.members],
                **({"nonce": data["nonce"]} if data.get("nonce") else {}),
            },
        )

    def application_flags(self) -> int:
        """The *_LIMITED application flags matching the enabled privileged intents."""
        flags = 0
        if self.enabled_privileged_intents & GUILD_PRESENCES:
            flags |= 1 << 13
        if self.enabled_privileged_intents & GUILD_MEMBERS:
            flags |= 1 << 15
        if self.enabled_privileged_intents & MESSAGE_CONTENT:
            flags |= 1 << 19
        return flags

    def _ready_payload(self, session: GatewaySession, guild_ids: list[int]) -> Json:
        return {
            "v": 10,
            "user": bot_user_payload(self.world),
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._ws_url() + "/gateway/resume",
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.world.app_id), "flags": self.application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["loopback"],
            "user_settings": {},
            "auth": {},
            "_trace": ["discord-double"],
        }

    # -- outgoing -----------------------------------------------------------------------
    def _record_out(self, conn: GatewayConnection, frame: Json) -> None:
        self._record(conn, "out", frame["op"], frame.get("t"), frame.get("d"), frame.get("s"))

    def _record(
        self,
        conn: GatewayConnection,
        direction: str,
        op: Any,
        event: str | None,
        data: Any,
        seq: int | None,
    ) -> None:
        session = conn.session
        shard_id = session.shard_id if session else None
        session_id = session.session_id if session else None
        self.log.add(
            GatewayRecord(direction, shard_id, session_id, op, event, data, seq, time.monotonic())
        )

    def live_sessions(self) -> list[GatewaySession]:
        """Valid sessions, one per shard at most."""
        return [s for s in self.sessions.values() if s.valid]

    def dispatch(self, event: str, data: EventData, *, guild_id: int | None = None) -> int:
        """Send a DISPATCH to the shard owning ``guild_id`` (shard 0 for DMs).

        ``data`` may be a callable taking the session (to honour its intents) and
        returning the body or None to skip. Returns the number of sessions it went to.
        Disconnected sessions buffer the event for RESUME.
        """
        sessions = self.live_sessions()
        if not sessions:
            raise RuntimeError(f"cannot dispatch {event}: no bot is identified on the gateway")
        sent = 0
        for session in sessions:
            target = shard_for(guild_id, session.shard_count) if guild_id else 0
            if session.shard_id != target:
                continue
            body = data(session) if callable(data) else data
            if body is not None:
                session.emit(event, body)
                sent += 1
        return sent

    # -- faults ---------------------------------------------------------------------------
    def _targets(self, shard_id: int | None) -> list[GatewayConnection]:
        return [
            c
            for c in self.connections
            if shard_id is None or (c.session is not None and c.session.shard_id == shard_id)
        ]

    async def drop_connections(
        self, code: int | None = None, *, shard_id: int | None = None, invalidate: bool = False
    ) -> int:
        """Cut connections: abruptly (``code`` None) or with a close frame ``code``."""
        targets = self._targets(shard_id)
        for conn in targets:
            session = conn.session
            self._detach(conn)
            if session is not None and (invalidate or code in (4007, 4009)):
                session.valid = False
            if code is None:
                conn.abort()
            else:
                conn.close_after_queue(code)
        await self._wait_gone(targets)
        return len(targets)

    def send_reconnect(self, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT; the client closes and resumes."""
        targets = self._targets(shard_id)
        for conn in targets:
            conn.send({"op": RECONNECT, "s": None, "t": None, "d": None})
        return len(targets)

    def send_invalid_session(self, resumable: bool, shard_id: int | None = None) -> int:
        """Send op 9; when not resumable the session is forgotten and the client re-identifies."""
        targets = self._targets(shard_id)
        for conn in targets:
            if not resumable and conn.session is not None:
                conn.session.valid = False
            conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": resumable})
        return len(targets)

    async def close(self) -> None:
        """Close every connection (server shutdown)."""
        for conn in list(self.connections):
            self._detach(conn)
            conn.close_after_queue(1001)
        await self._wait_gone(list(self.connections), timeout=2.0)
        for conn in list(self.connections):
            conn.abort()

    async def _wait_gone(self, conns: list[GatewayConnection], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while any(c in self.connections for c in conns) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    # -- readiness -------------------------------------------------------------------------
    def _pulse(self) -> None:
        self._changed.set()

    def is_ready(self) -> bool:
        """Whether every expected shard has a session that got READY."""
        ready = [s for s in self.live_sessions() if s.ready]
        count = ready[-1].shard_count if ready else self.shard_count
        return all(
            any(s.shard_id == i and s.shard_count == count for s in ready) for i in range(count)
        )

    async def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait until ``condition()`` holds (re-checked on every gateway state change)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            self._changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"gateway: {what} did not happen within {timeout}s")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue
