"""A Discord API double (REST + gateway) for running the real discord.py client on loopback.

Start it in the test process and point discord.py at it::

    async with DiscordDouble.with_default_world(heartbeat_interval=1000) as d:
        point_discord_py_at(d.base_url)        # or FACTBOT_DISCORD_API_BASE=d.base_url
        ...start the bot...
        await d.wait_until_ready()
        msg = await d.send_message(d.ids.guild, d.ids.general_channel, d.ids.member, "hi")
        reply = await d.wait_for_message(channel_id=d.ids.general_channel)
        d.assert_clean()                       # no violations, no unknown routes

Patch points the bot must apply (all in :func:`client_patch.point_discord_py_at`):

* ``discord.http.Route.BASE = base + "/api/v10"``. Every REST call *including* interaction
  callbacks (``POST /interactions/{id}/{token}/callback``, ``webhook/async_.py``
  ``AsyncWebhookAdapter.create_interaction_response``) and interaction webhooks
  (``/webhooks/{app_id}/{token}``, ``.../messages/@original``) builds its URL from
  ``Route.BASE`` at call time; ``webhook/async_.py`` has no base constant of its own.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws://host:port/gateway")``.
  ``Client``/``Bot`` never call ``GET /gateway/bot``; they connect to ``DEFAULT_GATEWAY``
  and return to it after a non-resumable INVALID_SESSION. RESUMEs use READY's
  ``resume_gateway_url`` (``ws://host:port/gateway/resume``), which the double serves.
* ``discord.asset.Asset.BASE = base + "/cdn"`` (only matters if the bot downloads assets).

Set ``guild_ready_timeout`` low (e.g. ``discord.Client(..., guild_ready_timeout=0.1)``) or
``on_ready`` fires 2 s after the last GUILD_CREATE.
"""

from .client_patch import point_discord_py_at, restore_discord_py
from .ids import DefaultIds
from .interactions import InteractionCallback, InteractionHandle
from .records import GatewayRecord, RecordedRequest, SentMessage, Violation
from .server import DiscordDouble
from .world import ADMINISTRATOR, ALL_PERMISSIONS, MANAGE_GUILD

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "MANAGE_GUILD",
    "DefaultIds",
    "DiscordDouble",
    "GatewayRecord",
    "InteractionCallback",
    "InteractionHandle",
    "RecordedRequest",
    "SentMessage",
    "Violation",
    "point_discord_py_at",
    "restore_discord_py",
]
