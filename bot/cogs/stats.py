"""/stats: usage for this server (or, for the bot owner, all servers), with a chart."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from knowledge.stats import UsageStats

from .. import discord_text
from ..charts import questions_per_day_png
from ..deferral import send_reply, within_window
from ..errors import Refusal

if TYPE_CHECKING:
    from ..app import FactBot

CHART_NAME = "questions-per-day.png"


def stats_embed(stats: UsageStats, scope_label: str) -> discord.Embed:
    embed = discord.Embed(title=f"FactBot usage — {scope_label}", colour=discord.Colour.teal())
    rate = f"{stats.answer_rate:.0%}" if stats.questions_total else "—"
    embed.add_field(
        name="Facts",
        value=f"{stats.curated_facts} curated · {stats.admin_facts} added by admins",
        inline=False,
    )
    embed.add_field(
        name="Questions",
        value=(
            f"{stats.questions_total} total · {stats.questions_24h} in 24 h · "
            f"{stats.questions_7d} in 7 days\n"
            f"Answered {stats.answered} ({rate}) · did-you-mean {stats.suggested} · "
            f"unknown {stats.unknown}"
        ),
        inline=False,
    )
    top_facts = "\n".join(
        f"{n}. {discord_text.safe_text(text, 90)} — ×{times}"
        for n, (_, text, times) in enumerate(stats.top_facts, start=1)
    )
    embed.add_field(name="Top facts", value=discord_text.field_value(top_facts), inline=False)
    unanswered = "\n".join(
        f"{n}. {discord_text.safe_text(question, 90)} — ×{times}"
        for n, (question, times) in enumerate(stats.top_unanswered, start=1)
    )
    embed.add_field(
        name="Top unanswered",
        value=discord_text.field_value(unanswered),
        inline=False,
    )
    latency = (
        f"median {stats.latency_p50_ms:.1f} ms · p95 {stats.latency_p95_ms:.1f} ms"
        if stats.latency_p50_ms is not None
        else "—"
    )
    embed.add_field(name="Feedback", value=f"👍 {stats.votes_up} · 👎 {stats.votes_down}")
    embed.add_field(name="Answer latency", value=latency)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    return embed


class Stats(commands.Cog):
    """Usage statistics."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="stats", description="FactBot usage: questions, answers, top facts, feedback."
    )
    @app_commands.describe(scope="this server (default), or all servers (bot owner only)")
    @app_commands.guild_only()
    async def stats(
        self, interaction: discord.Interaction, scope: Literal["server", "all"] = "server"
    ) -> None:
        if scope == "all" and interaction.user.id not in self.bot.owner_id_set:
            raise Refusal("Only the bot owner can see statistics for all servers.")
        guild_id = None if scope == "all" else interaction.guild_id
        label = (
            "all servers"
            if scope == "all"
            else (interaction.guild.name if interaction.guild else "this server")
        )
        stats, png = await within_window(interaction, self._compute(guild_id, label))
        await send_reply(
            interaction,
            embed=stats_embed(stats, discord_text.safe_text(label, 100)),
            file=discord.File(io.BytesIO(png), filename=CHART_NAME),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _compute(self, guild_id: int | None, label: str) -> tuple[UsageStats, bytes]:
        stats = await asyncio.to_thread(self.bot.kb.usage_stats, guild_id)
        png = await asyncio.to_thread(
            questions_per_day_png, stats.daily, title=f"Questions per day — {label}"[:80]
        )
        return stats, png


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Stats(bot))
