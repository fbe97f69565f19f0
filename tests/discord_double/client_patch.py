"""Point an unmodified discord.py at the double (or any other base URL).

discord.py builds every REST URL (bot routes, interaction callbacks, interaction webhooks
and follow-ups) as ``discord.http.Route.BASE + path`` when a ``Route`` is created, so one
class attribute moves all of REST. The gateway URL is *not* taken from REST for plain
``Client``/``Bot``: it connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` first, then uses the
``resume_gateway_url`` from READY for RESUMEs, and falls back to ``DEFAULT_GATEWAY`` again
after a non-resumable INVALID_SESSION (``AutoShardedClient`` asks ``GET /gateway/bot``, but
also falls back to ``DEFAULT_GATEWAY`` when re-identifying a shard). CDN assets use
``discord.asset.Asset.BASE``.

This module only depends on discord.py so the bot can copy or import it as is.
"""

from __future__ import annotations

import discord.asset
import discord.gateway
import discord.http

_ORIGINAL = {
    "route": discord.http.Route.BASE,
    "gateway": discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    "cdn": discord.asset.Asset.BASE,
}


def point_discord_py_at(base_url: str) -> None:
    """Send all of discord.py's traffic to ``base_url`` (e.g. ``"http://127.0.0.1:41234"``).

    Patches (call before the client logs in):

    * ``discord.http.Route.BASE = base_url + "/api/v10"`` — REST, interaction callbacks
      (``/interactions/{id}/{token}/callback``) and webhooks (``/webhooks/{app}/{token}...``).
    * ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = ws://host:port/gateway``.
    * ``discord.asset.Asset.BASE = base_url + "/cdn"`` — avatars/icons (the double 404s).
    """
    base = base_url.rstrip("/")
    ws_base = "ws" + base[len("http") :] if base.startswith("http") else base
    discord.http.Route.BASE = f"{base}/api/v{discord.http.INTERNAL_API_VERSION}"
    url_type = type(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)  # yarl.URL
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url_type(f"{ws_base}/gateway")
    discord.asset.Asset.BASE = f"{base}/cdn"


def restore_discord_py() -> None:
    """Undo :func:`point_discord_py_at` (real Discord URLs again)."""
    discord.http.Route.BASE = _ORIGINAL["route"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _ORIGINAL["gateway"]
    discord.asset.Asset.BASE = _ORIGINAL["cdn"]
