"""REST routes for the gateway URL, users, the application, commands, guilds and channels."""

from __future__ import annotations

from aiohttp import web

from .commands import check_commands
from .payloads import (
    bot_user_payload,
    channel_payload,
    guild_rest_payload,
    member_payload,
    role_payload,
    user_payload,
)
from .rest import RestCall, Route, RouteGroup, no_content, ok
from .validation import ApiError, DiscordError, not_found


class CoreRoutes(RouteGroup):
    """Everything a client needs to log in and look things up."""

    def routes(self) -> list[Route]:
        """The route table (static paths before parameterised ones)."""
        app = "/applications/{app_id}"
        return [
            Route("GET", "/gateway", self.gateway, auth=False),
            Route("GET", "/gateway/bot", self.gateway_bot),
            Route("GET", "/users/@me", self.me),
            Route("POST", "/users/@me/channels", self.open_dm),
            Route("GET", "/users/{user_id}", self.user),
            Route("GET", "/oauth2/applications/@me", self.application),
            Route("GET", "/applications/@me", self.application),
            Route("GET", f"{app}/commands", self.list_commands),
            Route("PUT", f"{app}/commands", self.put_commands),
            Route("POST", f"{app}/commands", self.create_command),
            Route("GET", f"{app}/commands/{{command_id}}", self.get_command),
            Route("PATCH", f"{app}/commands/{{command_id}}", self.edit_command),
            Route("DELETE", f"{app}/commands/{{command_id}}", self.delete_command),
            Route("GET", f"{app}/guilds/{{guild_id}}/commands", self.list_commands),
            Route("PUT", f"{app}/guilds/{{guild_id}}/commands", self.put_commands),
            Route("POST", f"{app}/guilds/{{guild_id}}/commands", self.create_command),
            Route("GET", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.get_command),
            Route("PATCH", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.edit_command),
            Route(
                "DELETE", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.delete_command
            ),
            Route("GET", "/guilds/{guild_id}", self.guild),
            Route("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            Route("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            Route("GET", "/guilds/{guild_id}/members/{user_id}", self.member),
            Route("GET", "/channels/{channel_id}", self.channel),
        ]

    # -- gateway / users / application ------------------------------------------------
    async def gateway(self, call: RestCall) -> web.Response:
        return ok({"url": self.d.ws_url + "/gateway"})

    async def gateway_bot(self, call: RestCall) -> web.Response:
        return ok(
            {
                "url": self.d.ws_url + "/gateway",
                "shards": self.d.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def me(self, call: RestCall) -> web.Response:
        return ok(bot_user_payload(self.d.world))

    async def user(self, call: RestCall) -> web.Response:
        user_id = call.id("user_id")
        if user_id not in self.d.world.users:
            raise not_found(10013, "Unknown User")
        return ok(user_payload(self.d.world, user_id))

    async def open_dm(self, call: RestCall) -> web.Response:
        recipient = int(call.body.get("recipient_id", 0))
        if recipient not in self.d.world.users:
            raise not_found(10013, "Unknown User")
        channel = self.d.world.dm_channel_for(recipient, self.d.snowflakes.next())
        return ok(channel_payload(self.d.world, channel))

    async def application(self, call: RestCall) -> web.Response:
        world = self.d.world
        return ok(
            {
                "id": str(world.app_id),
                "name": world.bot_user.username,
                "icon": None,
                "description": "FactBot test application",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": self.d.application_flags,
                "owner": user_payload(world, world.owner_id),
                "team": None,
                "bot": bot_user_payload(world),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(world.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    # -- application commands -------------------------------------------------------------
    def _scope(self, call: RestCall) -> int | None:
        if call.id("app_id") != self.d.world.app_id:
            raise ApiError(not_found(10002, "Unknown Application").error, violation=True)
        if "guild_id" not in call.request.match_info:
            return None
        guild_id = call.id("guild_id")
        if guild_id not in self.d.world.guilds:
            raise ApiError(DiscordError(50001, "Missing Access", status=403), violation=True)
        return guild_id

    async def list_commands(self, call: RestCall) -> web.Response:
        return ok(self.d.commands.scope(self._scope(call)))

    async def put_commands(self, call: RestCall) -> web.Response:
        scope = self._scope(call)
        payloads = call.json if isinstance(call.json, list) else []
        error = check_commands(payloads)
        if error is not None:
            raise ApiError(error)
        return ok(self.d.commands.bulk_overwrite(scope, payloads))

    async def create_command(self, call: RestCall) -> web.Response:
        scope = self._scope(call)
        error = check_commands([call.body])
        if error is not None:
            raise ApiError(error)
        return ok(self.d.commands.upsert(scope, call.body), 201)

    async def get_command(self, call: RestCall) -> web.Response:
        return ok(self.d.commands.get(self._scope(call), call.id("command_id")))

    async def edit_command(self, call: RestCall) -> web.Response:
        return ok(self.d.commands.edit(self._scope(call), call.id("command_id"), call.body))

    async def delete_command(self, call: RestCall) -> web.Response:
        self.d.commands.delete(self._scope(call), call.id("command_id"))
        return no_content()

    # -- guilds and channels -----------------------------------------------------------------
    def _guild_id(self, call: RestCall) -> int:
        guild_id = call.id("guild_id")
        if guild_id not in self.d.world.guilds:
            raise not_found(10004, "Unknown Guild")
        return guild_id

    async def guild(self, call: RestCall) -> web.Response:
        return ok(guild_rest_payload(self.d.world, self._guild_id(call)))

    async def guild_channels(self, call: RestCall) -> web.Response:
        guild = self.d.world.guild(self._guild_id(call))
        return ok([channel_payload(self.d.world, c) for c in guild.channels.values()])

    async def guild_roles(self, call: RestCall) -> web.Response:
        guild = self.d.world.guild(self._guild_id(call))
        return ok([role_payload(r) for r in guild.roles.values()])

    async def member(self, call: RestCall) -> web.Response:
        guild_id, user_id = self._guild_id(call), call.id("user_id")
        if self.d.world.member(guild_id, user_id) is None:
            raise not_found(10007, "Unknown Member")
        return ok(member_payload(self.d.world, guild_id, user_id))

    async def channel(self, call: RestCall) -> web.Response:
        channel = self.d.world.channel(call.id("channel_id"))
        if channel is None:
            raise not_found(10003, "Unknown Channel")
        return ok(channel_payload(self.d.world, channel))
