"""Answering an interaction inside Discord's 3-second window when the work is slow.

The work runs before anything is sent, so a failure can still be answered
privately. Only work still running after THINKING_AFTER_SECONDS shows the public
"thinking…"; from then on Discord shows any reply, an apology too, to the channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

THINKING_AFTER_SECONDS = 1.5

T = TypeVar("T")


async def within_window(interaction: discord.Interaction, work: Awaitable[T]) -> T:
    """The result of `work`; the interaction is deferred first if it takes long."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=THINKING_AFTER_SECONDS)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    return await task


async def send_reply(interaction: discord.Interaction, **kwargs: Any) -> None:
    """The reply: the first response, or the follow-up that replaces "thinking…"."""
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)
