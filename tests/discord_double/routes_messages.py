"""REST routes for channel messages, typing and reactions."""

from __future__ import annotations

from aiohttp import web

from .rest import RestCall, Route, RouteGroup, no_content, ok
from .validation import ApiError, DiscordError, check_message, not_found
from .world import (
    ATTACH_FILES,
    EMBED_LINKS,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
)

MESSAGE = "/channels/{channel_id}/messages/{message_id}"


def missing_permissions() -> ApiError:
    """Discord's 403 for a bot lacking a permission (recorded as a violation)."""
    return ApiError(DiscordError(50013, "Missing Permissions", status=403), violation=True)


class MessageRoutes(RouteGroup):
    """Create, read, edit and delete channel messages as the bot."""

    def routes(self) -> list[Route]:
        """The route table."""
        return [
            Route("POST", "/channels/{channel_id}/messages", self.create),
            Route("GET", "/channels/{channel_id}/messages", self.history),
            Route("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete),
            Route("POST", "/channels/{channel_id}/typing", self.typing),
            Route("GET", MESSAGE, self.get),
            Route("PATCH", MESSAGE, self.edit),
            Route("DELETE", MESSAGE, self.delete),
            Route("PUT", MESSAGE + "/reactions/{emoji}/@me", self.react),
            Route("DELETE", MESSAGE + "/reactions/{emoji}/@me", self.unreact),
        ]

    def _channel(self, call: RestCall, needed: int = VIEW_CHANNEL) -> Channel:
        channel = self.d.world.channel(call.id("channel_id"))
        if channel is None:
            raise not_found(10003, "Unknown Channel")
        if channel.guild_id is not None:
            have = self.d.world.permissions(channel.guild_id, self.d.world.bot_user.id)
            if have & needed != needed:
                raise missing_permissions()
        return channel

    async def create(self, call: RestCall) -> web.Response:
        body = call.body
        needed = VIEW_CHANNEL | SEND_MESSAGES
        needed |= EMBED_LINKS if body.get("embeds") else 0
        needed |= ATTACH_FILES if call.files else 0
        channel = self._channel(call, needed)
        error = check_message(body, len(call.files))
        if error is not None:
            raise ApiError(error)
        stored = self.d.messages.create(
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.d.world.bot_user.id,
            body=body,
            files=call.files,
        )
        self.d.record_sent("channel", stored, body, call.files)
        self.d.echo("MESSAGE_CREATE", stored)
        return ok(stored.data)

    async def history(self, call: RestCall) -> web.Response:
        channel = self._channel(call, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        query = call.request.query
        limit = min(int(query.get("limit", 50)), 100)
        before = int(query["before"]) if "before" in query else None
        after = int(query["after"]) if "after" in query else None
        return ok(self.d.messages.history(channel.id, limit, before, after))

    async def get(self, call: RestCall) -> web.Response:
        channel = self._channel(call, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        return ok(self.d.messages.require(call.id("message_id"), channel.id).data)

    async def edit(self, call: RestCall) -> web.Response:
        channel = self._channel(call)
        stored = self.d.messages.require(call.id("message_id"), channel.id)
        if stored.author_id != self.d.world.bot_user.id:
            raise ApiError(
                DiscordError(50005, "Cannot edit a message authored by another user", status=403),
                violation=True,
            )
        error = check_message(call.body, len(call.files), partial=True)
        if error is not None:
            raise ApiError(error)
        self.d.messages.edit(stored, call.body, call.files)
        self.d.record_sent("channel_edit", stored, call.body, call.files)
        self.d.echo("MESSAGE_UPDATE", stored)
        return ok(stored.data)

    async def delete(self, call: RestCall) -> web.Response:
        channel = self._channel(call)
        stored = self.d.messages.require(call.id("message_id"), channel.id)
        if stored.author_id != self.d.world.bot_user.id:
            self._channel(call, VIEW_CHANNEL | MANAGE_MESSAGES)
        self.d.messages.delete(stored)
        self.d.echo("MESSAGE_DELETE", stored)
        return no_content()

    async def bulk_delete(self, call: RestCall) -> web.Response:
        channel = self._channel(call, VIEW_CHANNEL | MANAGE_MESSAGES)
        for message_id in call.body.get("messages") or []:
            stored = self.d.messages.get(int(message_id))
            if stored is not None and stored.channel_id == channel.id:
                self.d.messages.delete(stored)
                self.d.echo("MESSAGE_DELETE", stored)
        return no_content()

    async def typing(self, call: RestCall) -> web.Response:
        self._channel(call, VIEW_CHANNEL | SEND_MESSAGES)
        return no_content()

    async def react(self, call: RestCall) -> web.Response:
        channel = self._channel(call)
        stored = self.d.messages.require(call.id("message_id"), channel.id)
        emoji = call.param("emoji")
        reactions = stored.data.setdefault("reactions", [])
        if not any(r["emoji"].get("name") == emoji for r in reactions):
            reactions.append({"count": 1, "me": True, "emoji": {"id": None, "name": emoji}})
        return no_content()

    async def unreact(self, call: RestCall) -> web.Response:
        channel = self._channel(call)
        stored = self.d.messages.require(call.id("message_id"), channel.id)
        emoji = call.param("emoji")
        stored.data["reactions"] = [
            r for r in stored.data.get("reactions", []) if r["emoji"].get("name") != emoji
        ]
        return no_content()
