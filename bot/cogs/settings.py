"""/factbot settings for server admins, and /help for everyone."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from .. import discord_text
from ..permissions import require_admin

if TYPE_CHECKING:
    from knowledge.service import KnowledgeBase

    from ..app import FactBot

log = logging.getLogger("factbot.settings")


def help_embed(kb: KnowledgeBase) -> discord.Embed:
    counts = kb.fact_counts()
    sources = kb.sources.values()
    embed = discord.Embed(
        title="FactBot",
        colour=discord.Colour.blurple(),
        description=(
            "I answer questions from a curated fact base, and every answer cites its source "
            "(title, paragraph, the exact quote, and a link). When I'm unsure I offer "
            "choices; when I don't know, I say so.\n\n"
            "**How to ask**\n"
            "• Mention me: `@FactBot how big is GREE?`\n"
            "• Reply to one of my answers with a follow-up question\n"
            "• `/ask question:` anywhere\n"
            "• Right-click a message → Apps → **Ask FactBot**\n"
            "• In channels where admins turned on auto-answer, just ask\n\n"
            "Rate answers with 👍 / 👎. `/stats` shows usage."
        ),
    )
    source_lines = [
        f"• [{discord_text.safe_text(s.title, 150)}]({s.url}) — {s.publisher}, {s.date}"
        for s in sources
    ]
    embed.add_field(
        name="What I know",
        value=discord_text.clip(
            "\n".join(source_lines or ["(no sources yet)"])
            + f"\n{counts['curated']} curated facts, plus facts added by server admins.",
            discord_text.FIELD_VALUE,
        ),
        inline=False,
    )
    embed.add_field(
        name="For admins",
        value=(
            "`/factbot autoanswer channel: state:` answer questions in a channel unprompted\n"
            "`/factbot admin-role role:` who besides Manage Server may administer FactBot"
        ),
        inline=False,
    )
    return embed


class Settings(commands.Cog):
    """Server settings and help."""

    factbot = app_commands.Group(
        name="factbot", description="FactBot settings and help.", guild_only=True
    )

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="How to ask FactBot, and what it knows.")
    async def help_command(self, interaction: discord.Interaction) -> None:
        await self._send_help(interaction)

    @factbot.command(name="help", description="How to ask FactBot, and what it knows.")
    async def factbot_help(self, interaction: discord.Interaction) -> None:
        await self._send_help(interaction)

    async def _send_help(self, interaction: discord.Interaction) -> None:
        embed = await asyncio.to_thread(help_embed, self.bot.kb)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @factbot.command(
        name="autoanswer", description="Answer questions in a channel without being mentioned."
    )
    @app_commands.describe(
        channel="The channel", state="on: answer confident questions there; off: stop"
    )
    async def autoanswer(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        state: Literal["on", "off"],
    ) -> None:
        guild_id = require_admin(self.bot, interaction)
        on = state == "on"
        await asyncio.to_thread(
            self.bot.kb.set_auto_answer,
            guild_id,
            channel.id,
            on,
            actor=f"discord:{interaction.user.id}",
        )
        if on:
            self.bot.auto_answer_channels.add(channel.id)
        else:
            self.bot.auto_answer_channels.discard(channel.id)
        log.info("auto-answer %s in channel %s (guild %s)", state, channel.id, interaction.guild_id)
        await interaction.response.send_message(
            f"Auto-answer is now **{state}** in {channel.mention}."
            + (" I'll answer confident questions there without being mentioned." if on else ""),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @factbot.command(
        name="admin-role", description="Set the role that may administer FactBot here."
    )
    @app_commands.describe(
        role="Members with this role count as FactBot admins; leave empty to clear"
    )
    async def admin_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        guild_id = require_admin(self.bot, interaction)
        await asyncio.to_thread(
            self.bot.kb.set_admin_role,
            guild_id,
            role.id if role else None,
            actor=f"discord:{interaction.user.id}",
        )
        if role:
            self.bot.guild_admin_roles[guild_id] = role.id
        else:
            self.bot.guild_admin_roles.pop(guild_id, None)
        log.info("admin role set to %s (guild %s)", role.id if role else None, interaction.guild_id)
        text = (
            f"Members with {role.mention} can now administer FactBot here."
            if role
            else "The FactBot admin role is cleared; Manage Server is still required."
        )
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Settings(bot))
