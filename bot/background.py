"""The bot's background tasks (the status file, the database sync): started
from setup_hook, cancelled when the bot closes."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task (None: not started) and wait until it stopped."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
