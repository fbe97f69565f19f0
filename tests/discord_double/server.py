"""``DiscordDouble``: the aiohttp server tying world, REST, gateway and records together."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from .actions import UserActions
from .commands import CommandRegistry
from .default_world import populate
from .events import message_event, needs_members_intent
from .gateway import GUILD_MEMBERS, Gateway
from .gateway_session import GatewaySession
from .ids import DefaultIds, Snowflakes, shard_for
from .interactions import InteractionFactory, InteractionHandle
from .messages import MessageStore, StoredMessage
from .payloads import channel_payload, guild_create_payload, member_payload, role_payload
from .recorder import Recorder
from .records import FileTuple, GatewayRecord, RecordedRequest, SentMessage, Violation
from .rest import RestApi, json_response
from .rest_faults import RestFaults
from .routes_core import CoreRoutes
from .routes_interactions import InteractionRoutes
from .routes_messages import MessageRoutes
from .world import Channel, Guild, Member, Role, User, World

Json = dict[str, Any]
log = logging.getLogger("discord_double")
DEFAULT_APP_ID = DefaultIds.app
DEFAULT_OWNER_ID = DefaultIds.owner


class _GatewaySetting:
    """A setting of the double that its gateway keeps: read and set on the gateway."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, double: DiscordDouble | None, owner: type | None = None) -> Any:
        return self if double is None else getattr(double.gateway, self.name)

    def __set__(self, double: DiscordDouble, value: Any) -> None:
        setattr(double.gateway, self.name, value)


class DiscordDouble(UserActions):
    """A fake Discord (REST + gateway) on 127.0.0.1 for the real discord.py client.

    Use as ``async with DiscordDouble.with_default_world() as d:`` then point discord.py at
    ``d.base_url`` (see :func:`client_patch.point_discord_py_at`).
    """

    def __init__(
        self,
        token: str = "test-token",
        app_id: int = DEFAULT_APP_ID,
        bot_user_id: int | None = None,
        *,
        owner_id: int = DEFAULT_OWNER_ID,
        bot_username: str = "FactBot",
        shard_count: int = 1,
        heartbeat_interval: int = 41250,
        interaction_deadline: float | None = 3.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.host, self.port = host, port
        self.snowflakes = Snowflakes()
        bot = User(bot_user_id or app_id, bot_username, bot=True, discriminator="4242")
        self.world = World(app_id, bot, owner_id)
        self.world.add_user(owner_id, "owner")
        self.ids: DefaultIds | None = None
        self.messages = MessageStore(self.world, self.snowflakes, lambda: self.base_url)
        self.commands = CommandRegistry(app_id, self.snowflakes)
        self.factory = InteractionFactory(
            self.world, self.commands, self.snowflakes, self.messages.uploads
        )
        self.request_log: Recorder[RecordedRequest] = Recorder("request")
        self.sent_log: Recorder[SentMessage] = Recorder("message from the bot")
        self.gateway_log: Recorder[GatewayRecord] = Recorder("gateway frame")
        self.violations: list[Violation] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.interactions: dict[int, InteractionHandle] = {}
        self.interactions_by_token: dict[str, InteractionHandle] = {}
        self.modals: dict[str, Json] = {}
        self.attachment_downloads: list[str] = []  # attachment ids, one per GET of a file
        self.rest_faults = RestFaults()
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = True
        self.upload_limit = 10 * 1024 * 1024  # bytes per request, like an unboosted guild
        self.gateway = Gateway(
            token=token,
            world=self.world,
            log_=self.gateway_log,
            heartbeat_interval=heartbeat_interval,
            shard_count=shard_count,
            ws_url=lambda: self.ws_url,
        )
        self._runner: web.AppRunner | None = None

    @classmethod
    def with_default_world(cls, **kwargs: Any) -> DiscordDouble:
        """A double populated by :func:`default_world.populate`; ids are in ``d.ids``."""
        ids = DefaultIds()
        kwargs.setdefault("app_id", ids.app)
        kwargs.setdefault("bot_user_id", ids.bot)
        kwargs.setdefault("owner_id", ids.owner)
        double = cls(**kwargs)
        populate(double.world, ids)
        double.ids = ids
        return double

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start serving on ``host`` and a free port (or ``port``)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        routes = CoreRoutes(self).routes() + MessageRoutes(self).routes()
        RestApi(self, routes + InteractionRoutes(self).routes()).install(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("discord double listening on %s", self.base_url)

    async def close(self) -> None:
        """Close gateway connections, release hung requests and stop the server."""
        if self._runner is None:
            return
        self.rest_faults.release_hangs()
        await self.gateway.close()
        for recorder in (self.request_log, self.sent_log, self.gateway_log):
            recorder.cancel_waiters()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> DiscordDouble:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — what ``FACTBOT_DISCORD_API_BASE`` should be."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT`` (the gateway lives at ``/gateway``)."""
        return f"ws://{self.host}:{self.port}"

    async def _attachment(self, request: web.Request) -> web.Response:
        self.attachment_downloads.append(request.match_info["attachment_id"])
        found = self.messages.attachment(request.match_info["attachment_id"])
        if found is None:
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(body=found[1], content_type=found[2])

    # -- configuration passthroughs ----------------------------------------------------------
    shard_count = _GatewaySetting(
        "Shards announced by ``GET /gateway/bot`` and expected by ``wait_until_ready``."
    )
    ack_heartbeats = _GatewaySetting("Set False to stop answering heartbeats with op 11.")
    enabled_privileged_intents = _GatewaySetting(
        'Privileged intents "enabled in the developer portal" (others close with 4014).'
    )

    @property
    def application_flags(self) -> int:
        """Application flags matching the enabled privileged intents."""
        return self.gateway.application_flags()

    @property
    def identify_count(self) -> int:
        """How many IDENTIFYs were accepted."""
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        """How many RESUMEs succeeded."""
        return self.gateway.resume_count

    # -- records ------------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request, in order."""
        return self.request_log.items

    @property
    def sent_messages(self) -> list[SentMessage]:
        """Every message the bot sent or edited, in order."""
        return self.sent_log.items

    def record_sent(
        self,
        kind: str,
        stored: StoredMessage,
        payload: Json,
        files: Sequence[FileTuple],
        *,
        interaction_id: int | None = None,
    ) -> None:
        """Record a message the bot sent (called by the REST routes)."""
        self.sent_log.add(
            SentMessage(
                kind,
                stored.channel_id,
                stored.guild_id,
                stored.id,
                interaction_id,
                payload,
                copy.deepcopy(stored.data),  # a snapshot: later edits must not change it
                list(files),
                self._now(),
            )
        )

    def echo(self, event: str, stored: StoredMessage) -> None:
        """Dispatch MESSAGE_* for a message the bot changed (as Discord does)."""
        if not self.echo_bot_messages or not self.gateway.live_sessions():
            return
        self.gateway.dispatch(
            event,
            message_event(self.messages, stored, event, self.world.bot_user.id),
            guild_id=stored.guild_id,
        )

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 10.0
    ) -> RecordedRequest:
        """The first request (past or future) matching ``predicate``."""
        return await self.request_log.wait(predicate, timeout)

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        interaction_id: int | None = None,
        kinds: Sequence[str] | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 10.0,
    ) -> SentMessage:
        """The next not-yet-returned message the bot sent matching the filters.

        Covers channel messages, interaction responses, follow-ups and edits
        (see :class:`SentMessage.kind`). Each message is returned once.
        """

        def match(m: SentMessage) -> bool:
            return (
                (channel_id is None or m.channel_id == channel_id)
                and (interaction_id is None or m.interaction_id == interaction_id)
                and (kinds is None or m.kind in kinds)
                and (predicate is None or predicate(m))
            )

        return await self.sent_log.wait(match, timeout, consume=True)

    async def wait_for_gateway(
        self, predicate: Callable[[GatewayRecord], bool], timeout: float = 10.0
    ) -> GatewayRecord:
        """The first gateway frame (either direction, past or future) matching ``predicate``."""
        return await self.gateway_log.wait(predicate, timeout)

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Wait until READY was sent on every expected shard."""
        await self.gateway.wait_until(self.gateway.is_ready, timeout, "READY on all shards")

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``resume_count`` reaches ``count``."""
        await self.gateway.wait_until(
            lambda: self.resume_count >= count, timeout, f"{count} RESUME(s)"
        )

    async def wait_for_identify(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``identify_count`` reaches ``count``."""
        await self.gateway.wait_until(
            lambda: self.identify_count >= count, timeout, f"{count} IDENTIFY(s)"
        )

    def assert_clean(self) -> None:
        """Fail if the bot broke a Discord rule or called an unimplemented route."""
        problems = [f"{v.route}: {line}" for v in self.violations for line in v.describe()]
        problems += [f"unknown route {r.method} {r.path}" for r in self.unknown_routes]
        if problems:
            raise AssertionError("discord double problems:\n  " + "\n  ".join(problems))

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    # -- world (events are dispatched if a bot is connected) ----------------------------------
    def add_user(self, user_id: int, username: str | None = None) -> User:
        """Create (or rename) a user."""
        return self.world.add_user(user_id, username)

    def add_guild(self, guild_id: int, name: str, owner_id: int) -> Guild:
        """Create a guild (bot joins it: GUILD_CREATE if connected)."""
        guild = self.world.add_guild(guild_id, name, owner_id)
        self._dispatch_if_connected(
            "GUILD_CREATE",
            lambda s: guild_create_payload(
                self.world, guild_id, include_members=bool(s.intents & GUILD_MEMBERS)
            ),
            guild_id,
        )
        return guild

    def add_channel(self, guild_id: int, channel_id: int, name: str) -> Channel:
        """Create a text channel (CHANNEL_CREATE if connected)."""
        channel = self.world.add_channel(guild_id, channel_id, name)
        self._dispatch_if_connected(
            "CHANNEL_CREATE", channel_payload(self.world, channel), guild_id
        )
        return channel

    def add_role(self, guild_id: int, role_id: int, name: str, permissions: int) -> Role:
        """Create a role (GUILD_ROLE_CREATE if connected)."""
        role = self.world.add_role(guild_id, role_id, name, permissions)
        body = {"guild_id": str(guild_id), "role": role_payload(role)}
        self._dispatch_if_connected("GUILD_ROLE_CREATE", body, guild_id)
        return role

    def add_member(
        self, guild_id: int, user_id: int, username: str | None = None, roles: Sequence[int] = ()
    ) -> Member:
        """Add a member with roles (GUILD_MEMBER_ADD to sessions with GUILD_MEMBERS)."""
        member = self.world.add_member(guild_id, user_id, username, tuple(roles))
        body = {**member_payload(self.world, guild_id, user_id), "guild_id": str(guild_id)}
        self._dispatch_if_connected("GUILD_MEMBER_ADD", needs_members_intent(body), guild_id)
        return member

    def upload_attachment(
        self, channel_id: int, filename: str, content: bytes, content_type: str = "application/json"
    ) -> str:
        """A file a user picks for an attachment option; pass the returned id as the
        option's value (the interaction then carries it in ``resolved.attachments``)."""
        return self.messages.upload(channel_id, filename, content, content_type)["id"]

    def add_message(
        self,
        channel_id: int,
        author_id: int,
        content: str = "",
        *,
        components: Sequence[Json] = (),
        embeds: Sequence[Json] = (),
    ) -> Json:
        """Store a message that already exists (e.g. the bot posted it before a restart).

        Nothing is dispatched; use it to press buttons of persistent views.
        """
        channel = self.world.channel(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        body = {"content": content, "components": list(components), "embeds": list(embeds)}
        stored = self.messages.create(
            channel_id=channel_id, guild_id=channel.guild_id, author_id=author_id, body=body
        )
        return stored.data

    def _dispatch_if_connected(
        self, event: str, body: Json | Callable[[GatewaySession], Json | None], guild_id: int
    ) -> None:
        if self.gateway.live_sessions():
            self.gateway.dispatch(event, body, guild_id=guild_id)

    # -- raw dispatch and faults -------------------------------------------------------------
    async def dispatch(self, event: str, data: Json, guild_id: int | None = None) -> int:
        """Send any DISPATCH event to the shard owning ``guild_id``."""
        return self.gateway.dispatch(event, data, guild_id=guild_id)

    async def drop_connections(
        self, code: int | None = None, *, shard_id: int | None = None, invalidate: bool = False
    ) -> int:
        """Cut gateway connections abruptly (or with close ``code``); clients will RESUME.

        Events dispatched while disconnected are replayed on RESUME. ``invalidate`` (or
        codes 4007/4009) forgets the sessions so the client must IDENTIFY again.
        """
        return await self.gateway.drop_connections(code, shard_id=shard_id, invalidate=invalidate)

    async def send_reconnect(self, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT."""
        return self.gateway.send_reconnect(shard_id)

    async def send_invalid_session(self, resumable: bool, shard_id: int | None = None) -> int:
        """Send op 9 INVALID_SESSION (``resumable`` is its ``d``)."""
        return self.gateway.send_invalid_session(resumable, shard_id)

    def shard_of(self, guild_id: int) -> int:
        """The shard that receives ``guild_id``'s events."""
        return shard_for(guild_id, self.shard_count)
