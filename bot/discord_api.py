"""Point discord.py at another Discord API, such as the test double on loopback.

Set FACTBOT_DISCORD_API_BASE (e.g. http://127.0.0.1:41234) and every REST call,
interaction callback, webhook and the gateway go there instead of discord.com.
Never set it in production.
"""

from __future__ import annotations

import discord.asset
import discord.gateway
import discord.http

API_BASE_ENV = "FACTBOT_DISCORD_API_BASE"


def point_discord_py_at(base_url: str) -> None:
    """Send all of discord.py's traffic to base_url. Call before logging in."""
    base = base_url.rstrip("/")
    ws_base = "ws" + base[len("http") :] if base.startswith("http") else base
    discord.http.Route.BASE = f"{base}/api/v{discord.http.INTERNAL_API_VERSION}"
    url_type = type(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url_type(f"{ws_base}/gateway")
    discord.asset.Asset.BASE = f"{base}/cdn"
