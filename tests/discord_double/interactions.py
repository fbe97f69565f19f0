"""INTERACTION_CREATE payloads and the handles tests use to await the bot's answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from . import commands as cmd
from .ids import Snowflakes, new_token
from .payloads import interaction_channel_payload, member_payload, role_payload, user_payload
from .recorder import Recorder
from .records import FileTuple, SentMessage
from .world import DEFAULT_BOT_PERMISSIONS, World

Json = dict[str, Any]

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
REPLY_KINDS = ("response", "update", "webhook_edit", "followup")


@dataclass
class InteractionCallback:
    """What the bot answered to an interaction (``POST /interactions/{id}/{token}/callback``).

    ``type`` is the response type (4 message, 5 deferred, 6 deferred update, 7 update,
    8 autocomplete result, 9 modal); ``message`` the message it created or updated.
    """

    type: int
    data: Json
    files: list[FileTuple]
    message: Json | None
    time: float

    @property
    def content(self) -> str:
        """``data.content`` or ""."""
        return (self.data or {}).get("content") or ""

    @property
    def ephemeral(self) -> bool:
        """Whether the response was flagged ephemeral."""
        return bool(int((self.data or {}).get("flags") or 0) & 64)


class InteractionHandle:
    """A dispatched interaction; await the bot's callback, follow-ups or final reply."""

    def __init__(self, payload: Json, sent: Recorder[SentMessage], created: float) -> None:
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        self.channel_id = int(payload["channel_id"])
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        self.user_id = int(user["id"])
        self.created = created
        self.callback: InteractionCallback | None = None
        self.original_message_id: int | None = None
        self._sent = sent
        self._responded: asyncio.Future[InteractionCallback] = (
            asyncio.get_running_loop().create_future()
        )

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} responded={self.acknowledged}>"

    @property
    def acknowledged(self) -> bool:
        """Whether the bot has sent its callback."""
        return self.callback is not None

    def set_callback(self, callback: InteractionCallback) -> None:
        """Record the bot's callback (called by the REST layer)."""
        self.callback = callback
        if not self._responded.done():
            self._responded.set_result(callback)

    async def response(self, timeout: float = 5.0) -> InteractionCallback:
        """The callback the bot sent (waits for it)."""
        try:
            callback = await asyncio.wait_for(asyncio.shield(self._responded), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"bot did not answer interaction {self.id} within {timeout}s"
            ) from None
        for message in self.messages():
            if message.kind in ("response", "update"):
                self._sent.consume(message)
        return callback

    async def followups(self, count: int = 1, timeout: float = 5.0) -> list[SentMessage]:
        """The next ``count`` follow-up messages (each handed out once)."""

        def is_followup(m: SentMessage) -> bool:
            return m.interaction_id == self.id and m.kind == "followup"

        return [await self._sent.wait(is_followup, timeout, consume=True) for _ in range(count)]

    async def reply(self, timeout: float = 5.0) -> SentMessage:
        """The next message carrying the bot's answer: a type 4/7 response, an edit of the
        original response (after deferring) or a follow-up (each handed out once)."""
        return await self._sent.wait(
            lambda m: m.interaction_id == self.id and m.kind in REPLY_KINDS, timeout, consume=True
        )

    def messages(self) -> list[SentMessage]:
        """Every message recorded for this interaction so far."""
        return [m for m in self._sent.items if m.interaction_id == self.id]


class InteractionFactory:
    """Builds INTERACTION_CREATE bodies from the world, registered commands and messages."""

    def __init__(
        self,
        world: World,
        commands: cmd.CommandRegistry,
        snowflakes: Snowflakes,
        uploads: dict[str, tuple[Any, Json]] | None = None,
    ) -> None:
        self.world = world
        self.commands = commands
        self.snowflakes = snowflakes
        self.uploads = uploads if uploads is not None else {}

    def build(
        self,
        itype: int,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        data: Json | None,
        *,
        message: Json | None = None,
        locale: str = "en-US",
    ) -> Json:
        """The common interaction body (member or user, channel, permissions, locale...)."""
        world = self.world
        payload: Json = {
            "id": str(self.snowflakes.next()),
            "application_id": str(world.app_id),
            "type": itype,
            "token": new_token(),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel_id),
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            guild = world.guild(guild_id)
            channel = guild.channels.get(channel_id)
            if channel is None:
                raise KeyError(f"channel {channel_id} is not in guild {guild_id}")
            if user_id not in guild.members:
                raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": guild.locale, "features": []},
                guild_locale=guild.locale,
                member=member_payload(world, guild_id, user_id, with_permissions=True),
                app_permissions=str(world.permissions(guild_id, world.bot_user.id)),
                context=0,
                authorizing_integration_owners={"0": str(guild_id)},
            )
        else:
            channel = world.ensure_dm_channel(channel_id, user_id)
            payload.update(
                user=user_payload(world, user_id),
                context=1,
                app_permissions=str(DEFAULT_BOT_PERMISSIONS),
                authorizing_integration_owners={"0": "0", "1": str(user_id)},
            )
        payload["channel"] = interaction_channel_payload(world, channel, user_id)
        if message is not None:
            payload["message"] = message
        return payload

    def command_data(
        self,
        name: str,
        guild_id: int | None,
        user_id: int,
        options: Any,
        focused: str | None = None,
    ) -> Json:
        """``data`` of a chat-input command; ``name`` may hold a path like ``"fact add"``."""
        top, *path = name.split()
        command = self.commands.find(top, guild_id)
        leaf, path_types = cmd.leaf_schema(command, path)
        values = self._options(leaf, options, focused)
        for sub, sub_type in reversed(list(zip(path, path_types, strict=True))):
            values = [{"type": sub_type, "name": sub, "options": values}]
        data: Json = {
            "id": command["id"] if command else str(self.snowflakes.next()),
            "name": top,
            "type": cmd.CHAT_INPUT,
            "options": values,
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        resolved = self._resolved(values, guild_id, user_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def context_menu_data(
        self, name: str, guild_id: int | None, user_id: int, ctype: int, target: Json
    ) -> Json:
        """``data`` of a user (2) or message (3) context-menu command."""
        command = self.commands.find(name, guild_id, ctype)
        data: Json = {
            "id": command["id"] if command else str(self.snowflakes.next()),
            "name": name,
            "type": ctype,
            "target_id": target["id"],
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if ctype == cmd.MESSAGE_COMMAND:
            data["resolved"] = {"messages": {target["id"]: target}}
        else:
            data["resolved"] = self._resolved(
                [{"type": cmd.USER, "name": "target", "value": target["id"]}], guild_id, user_id
            )
        return data

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _options(schema: list[Json] | None, options: Any, focused: str | None) -> list[Json]:
        if options is None:
            return []
        if isinstance(options, list):
            return options
        by_name = {o["name"]: o for o in schema or []}
        out = []
        for name, value in options.items():
            otype = by_name[name]["type"] if name in by_name else _infer_type(value)
            option: Json = {"name": name, "type": otype, "value": _convert(otype, value)}
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)
            out.append(option)
        return out

    def _resolved(self, options: list[Json], guild_id: int | None, user_id: int) -> Json:
        resolved: Json = {}
        for option in _flatten(options):
            otype, value = option.get("type"), option.get("value")
            if otype == cmd.ATTACHMENT and str(value) in self.uploads:
                resolved.setdefault("attachments", {})[str(value)] = self.uploads[str(value)][1]
                continue
            if otype not in (cmd.USER, cmd.CHANNEL, cmd.ROLE, cmd.MENTIONABLE) or value is None:
                continue
            snowflake = int(value)
            if otype in (cmd.USER, cmd.MENTIONABLE) and snowflake in self.world.users:
                resolved.setdefault("users", {})[value] = user_payload(self.world, snowflake)
                if guild_id is not None and self.world.member(guild_id, snowflake):
                    resolved.setdefault("members", {})[value] = member_payload(
                        self.world, guild_id, snowflake, with_user=False, with_permissions=True
                    )
            elif otype in (cmd.ROLE, cmd.MENTIONABLE) and guild_id is not None:
                role = self.world.guild(guild_id).roles.get(snowflake)
                if role is not None:
                    resolved.setdefault("roles", {})[value] = role_payload(role)
            elif otype == cmd.CHANNEL:
                channel = self.world.channel(snowflake)
                if channel is not None:
                    resolved.setdefault("channels", {})[value] = interaction_channel_payload(
                        self.world, channel, user_id
                    )
        return resolved


def _flatten(options: list[Json]) -> list[Json]:
    out = []
    for option in options:
        out.append(option)
        out += _flatten(option.get("options") or [])
    return out


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return cmd.BOOLEAN
    if isinstance(value, int):
        return cmd.INTEGER
    if isinstance(value, float):
        return cmd.NUMBER
    return cmd.STRING


def _convert(otype: int, value: Any) -> Any:
    if otype in (cmd.USER, cmd.CHANNEL, cmd.ROLE, cmd.MENTIONABLE, cmd.ATTACHMENT):
        return str(value)
    if otype == cmd.INTEGER:
        return int(value)
    if otype == cmd.NUMBER:
        return float(value)
    if otype == cmd.BOOLEAN:
        return bool(value)
    return str(value)
