"""What users do in Discord (send messages, run commands, click, submit) as gateway events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import commands as cmd
from . import interactions as ix
from .events import message_event
from .records import SentMessage
from .validation import SELECTS

if TYPE_CHECKING:
    from .server import DiscordDouble

Json = dict[str, Any]
log = logging.getLogger("discord_double.actions")
MessageRef = int | Json | SentMessage | Any  # an id, a payload, a SentMessage or discord.Message


def walk_components(components: Sequence[Json]) -> Iterator[Json]:
    """Every component, depth first (rows, labels, sections, containers)."""
    for comp in components:
        yield comp
        yield from walk_components(comp.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                yield from walk_components([comp[key]])


class UserActions:
    """Mixin for :class:`DiscordDouble`: user-side actions that dispatch gateway events."""

    async def send_message(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        author_id: int,
        content: str,
        mentions: Sequence[int] = (),
        reference_message_id: int | None = None,
        *,
        embeds: Sequence[Json] = (),
    ) -> Json:
        """A user posts a message; dispatches MESSAGE_CREATE and returns its payload."""
        if guild_id is None:
            self.world.ensure_dm_channel(channel_id, author_id)
        else:
            guild = self.world.guild(guild_id)
            if channel_id not in guild.channels or author_id not in guild.members:
                raise KeyError(f"channel {channel_id} / member {author_id} not in guild {guild_id}")
        body: Json = {"content": content, "embeds": list(embeds)}
        if reference_message_id is not None:
            self.messages.require(reference_message_id)
            body["message_reference"] = {"message_id": str(reference_message_id)}
        stored = self.messages.create(
            channel_id=channel_id,
            guild_id=guild_id,
            author_id=author_id,
            body=body,
            mention_ids=mentions,
        )
        self.gateway.dispatch(
            "MESSAGE_CREATE",
            message_event(self.messages, stored, "MESSAGE_CREATE", self.world.bot_user.id),
            guild_id=guild_id,
        )
        return self.messages.gateway_payload(stored)

    async def slash_command(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: dict[str, Any] | list[Json] | None = None,
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Invoke ``/name`` (``name`` may be ``"group sub"``); options as {name: value}."""
        data = self.factory.command_data(name, guild_id, user_id, options)
        self._warn_unsynced(data, name, guild_id)
        return self._interact(
            ix.APPLICATION_COMMAND, guild_id, channel_id, user_id, data, locale=locale
        )

    async def autocomplete(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """The user is typing option ``focused`` of ``/name``; the bot should answer choices."""
        if focused not in options:
            raise KeyError(f"focused option {focused!r} must be one of {list(options)}")
        data = self.factory.command_data(name, guild_id, user_id, options, focused)
        return self._interact(ix.AUTOCOMPLETE, guild_id, channel_id, user_id, data, locale=locale)

    async def context_menu_message(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        target_message: MessageRef,
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Run the message context-menu command ``name`` on ``target_message``."""
        target = self._message_payload(target_message)
        return self._context_menu(
            guild_id, channel_id, user_id, name, cmd.MESSAGE_COMMAND, target, locale
        )

    async def context_menu_user(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        target_user_id: int,
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Run the user context-menu command ``name`` on ``target_user_id``."""
        target = {"id": str(target_user_id)}
        return self._context_menu(
            guild_id, channel_id, user_id, name, cmd.USER_COMMAND, target, locale
        )

    async def press_button(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message: MessageRef,
        custom_id: str,
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Click the button ``custom_id`` on ``message`` (it must be there and enabled)."""
        payload = self._message_payload(message)
        comp = self._component(payload, custom_id)
        if comp.get("type") != 2 or comp.get("disabled") or comp.get("style") == 5:
            raise ValueError(f"{custom_id!r} is not a clickable button: {comp}")
        data = {"custom_id": custom_id, "component_type": 2}
        return self._use_component(guild_id, channel_id, user_id, payload, data, locale)

    async def select_menu(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message: MessageRef,
        custom_id: str,
        values: Sequence[str],
        *,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Pick ``values`` in the select menu ``custom_id`` on ``message``."""
        payload = self._message_payload(message)
        comp = self._component(payload, custom_id)
        if comp.get("type") not in SELECTS or comp.get("disabled"):
            raise ValueError(f"{custom_id!r} is not an enabled select menu: {comp}")
        if comp.get("type") == 3:
            allowed = {o["value"] for o in comp.get("options") or []}
            if not set(values) <= allowed:
                raise ValueError(f"values {values} not among options {sorted(allowed)}")
        if not comp.get("min_values", 1) <= len(values) <= comp.get("max_values", 1):
            raise ValueError(f"{len(values)} values outside min/max of {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": comp["type"], "values": list(values)}
        return self._use_component(guild_id, channel_id, user_id, payload, data, locale)

    async def submit_modal(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        custom_id: str,
        fields: dict[str, str | list[str]],
        *,
        message: MessageRef | None = None,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        """Submit the modal ``custom_id`` with ``fields`` ({input custom_id: value}).

        The submission mirrors the layout of the last modal with that custom_id the bot
        showed (action rows or labels) and enforces its required/min/max rules.
        """
        shown = self.modals.get(custom_id)
        if shown is None:
            log.warning("submitting modal %r that the bot never showed", custom_id)
            components = [
                {"type": 1, "components": [_submitted({"type": 4, "custom_id": k}, v)]}
                for k, v in fields.items()
            ]
        else:
            remaining = dict(fields)
            components = _mirror(shown.get("components") or [], remaining)
            if remaining:
                raise KeyError(f"modal {custom_id!r} has no inputs {sorted(remaining)}")
        data = {"custom_id": custom_id, "components": components}
        payload = self._message_payload(message) if message is not None else None
        return self._interact(
            ix.MODAL_SUBMIT, guild_id, channel_id, user_id, data, message=payload, locale=locale
        )

    # -- helpers ---------------------------------------------------------------------------
    def _interact(
        self: DiscordDouble,
        itype: int,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        data: Json,
        *,
        message: Json | None = None,
        locale: str = "en-US",
    ) -> ix.InteractionHandle:
        payload = self.factory.build(
            itype, guild_id, channel_id, user_id, data, message=message, locale=locale
        )
        handle = ix.InteractionHandle(payload, self.sent_log, asyncio.get_running_loop().time())
        self.interactions[handle.id] = handle
        self.interactions_by_token[handle.token] = handle
        self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild_id)
        return handle

    def _context_menu(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        ctype: int,
        target: Json,
        locale: str,
    ) -> ix.InteractionHandle:
        data = self.factory.context_menu_data(name, guild_id, user_id, ctype, target)
        self._warn_unsynced(data, name, guild_id, ctype)
        return self._interact(
            ix.APPLICATION_COMMAND, guild_id, channel_id, user_id, data, locale=locale
        )

    def _use_component(
        self: DiscordDouble,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message: Json,
        data: Json,
        locale: str,
    ) -> ix.InteractionHandle:
        """A MESSAGE_COMPONENT interaction: a button or menu of ``message`` was used."""
        return self._interact(
            ix.MESSAGE_COMPONENT,
            guild_id,
            channel_id,
            user_id,
            data,
            message=message,
            locale=locale,
        )

    def _warn_unsynced(
        self: DiscordDouble,
        data: Json,
        name: str,
        guild_id: int | None,
        ctype: int = cmd.CHAT_INPUT,
    ) -> None:
        top = name.split()[0] if ctype == cmd.CHAT_INPUT else name
        if self.commands.find(top, guild_id, ctype) is None:
            log.warning(
                "command %r (type %s) was never synced; sending with id %s", name, ctype, data["id"]
            )

    def _message_payload(self: DiscordDouble, message: MessageRef) -> Json:
        if isinstance(message, SentMessage):
            message = message.message_id
        elif isinstance(message, dict):
            message = int(message["id"])
        elif not isinstance(message, int):
            message = int(message.id)  # e.g. a discord.Message
        return self.messages.require(message).data

    @staticmethod
    def _component(payload: Json, custom_id: str) -> Json:
        for comp in walk_components(payload.get("components") or []):
            if comp.get("custom_id") == custom_id:
                return comp
        raise LookupError(f"message {payload['id']} has no component {custom_id!r}")


def _submitted(comp: Json, value: str | list[str] | None) -> Json:
    out: Json = {"type": comp["type"], "custom_id": comp["custom_id"]}
    if "id" in comp:
        out["id"] = comp["id"]
    if comp["type"] == 4:
        out["value"] = value if isinstance(value, str) else ""
    else:
        out["values"] = list(value or [])
    return out


def _mirror(shown: list[Json], fields: dict[str, str | list[str]]) -> list[Json]:
    """Build submitted components with the shown modal's layout and enforce its rules."""
    out: list[Json] = []
    for comp in shown:
        if comp.get("type") == 1:
            out.append({"type": 1, "components": _mirror(comp.get("components") or [], fields)})
        elif comp.get("type") == 18:
            inner = _mirror([comp["component"]], fields)
            out.append(
                {"type": 18, **({"id": comp["id"]} if "id" in comp else {}), "component": inner[0]}
            )
        elif comp.get("custom_id"):
            # Like a real client: an untouched input submits the value it was shown with.
            value = fields.pop(comp["custom_id"], comp.get("value"))
            _check_input(comp, value)
            out.append(_submitted(comp, value))
    return out


def _check_input(comp: Json, value: str | list[str] | None) -> None:
    if comp.get("type") != 4:
        return
    text = value if isinstance(value, str) else ""
    if comp.get("required", True) and not text:
        raise ValueError(f"modal input {comp['custom_id']!r} is required")
    if text and not comp.get("min_length", 0) <= len(text) <= comp.get("max_length", 4000):
        raise ValueError(f"modal input {comp['custom_id']!r} length {len(text)} is out of range")
