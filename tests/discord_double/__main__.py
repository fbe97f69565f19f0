"""Run the double with the default world until interrupted: ``python -m tests.discord_double``.

Useful to poke at a bot by hand; prints the base URL, token and ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from .server import DiscordDouble


async def main() -> None:
    port = int(os.environ.get("DISCORD_DOUBLE_PORT", "0"))
    async with DiscordDouble.with_default_world(port=port) as double:
        print(f"FACTBOT_DISCORD_API_BASE={double.base_url}")
        print(f"DISCORD_TOKEN={double.token}")
        print(f"ids: {double.ids}")
        await asyncio.Event().wait()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
