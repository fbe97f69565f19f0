"""Asking: mentions, replies, auto-answer channels, /ask, the context menu, and
the buttons under answers (did-you-mean choices and votes)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from knowledge.errors import InvalidQuestionError
from knowledge.models import Response, ResponseKind, Status
from knowledge.service import AskResult

from ..deferral import send_reply, within_window
from ..errors import Refusal, reply_to_error, reply_to_message_error
from ..rendering import notice, render_answer, render_response

if TYPE_CHECKING:
    from ..app import FactBot

log = logging.getLogger("factbot.ask")

HOW_TO_ASK = (
    "Ask me a question after the mention, for example: "
    "“@FactBot how many users did Facebook have in Japan?”"
)


class Ask(commands.Cog):
    """Answers questions wherever people ask them."""

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(
            name="Ask FactBot", callback=self.ask_about_message
        )
        bot.tree.add_command(self.context_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)

    # -- messages ----------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id or message.guild is None:
            return
        me = self.bot.user
        if me is None:  # not logged in yet
            return
        mentioned = me in message.mentions
        replied = _is_reply_to(message, me.id)
        auto = message.channel.id in self.bot.auto_answer_channels
        if not (mentioned or replied or auto):
            return
        via = "mention" if mentioned else "reply" if replied else "auto"
        try:
            await self._answer_message(message, via, replying=replied)
        except Exception as exc:
            # Whoever addressed the bot hears that it failed; auto-answer stays silent.
            await reply_to_message_error(message, exc, apologise=via != "auto")

    async def _answer_message(self, message: discord.Message, via: str, *, replying: bool) -> None:
        if via == "auto" and not self.bot.kb.asks_something(message.content or ""):
            return  # chatter in an auto-answer channel costs no rate limit
        wait = self.bot.limiter.retry_after(message.author.id)
        if wait:
            if via != "auto" and self.bot.limiter.should_warn(message.author.id):
                await message.reply(
                    **notice(_cooldown_text(wait)).kwargs(), mention_author=False, delete_after=15
                )
            return
        try:
            response = await self._respond(
                message.content or "",
                message.guild.id if message.guild else None,
                message.channel.id,
                message.author.id,
                via,
                replying=replying,
            )
        except InvalidQuestionError as exc:
            if via != "auto":
                await message.reply(**notice(str(exc)).kwargs(), mention_author=False)
            return
        if response.kind is ResponseKind.NOTHING:
            if via == "mention":
                await message.reply(**notice(HOW_TO_ASK).kwargs(), mention_author=False)
            return
        answer = response.answer
        if via == "auto" and (answer is None or answer.status is not Status.ANSWER):
            return
        await message.reply(**render_response(response).kwargs(), mention_author=False)

    # -- slash command and context menu -----------------------------------
    @app_commands.command(
        name="ask", description="Ask FactBot a question; answers cite their source."
    )
    @app_commands.describe(question="What you want to know, e.g. “How many users did GREE have?”")
    @app_commands.guild_only()
    async def ask_command(self, interaction: discord.Interaction, question: str) -> None:
        await self._answer_interaction(interaction, question, via="slash")

    async def ask_about_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self._answer_interaction(interaction, message.content or "", via="context")

    async def _answer_interaction(
        self, interaction: discord.Interaction, question: str, via: str
    ) -> None:
        wait = self.bot.limiter.retry_after(interaction.user.id)
        if wait:
            raise Refusal(_cooldown_text(wait))
        if not question.strip():
            raise Refusal("That message has no text I can read as a question.")
        response = await within_window(
            interaction,
            self._respond(
                question, interaction.guild_id, interaction.channel_id, interaction.user.id, via
            ),
        )
        if response.kind is ResponseKind.NOTHING:
            raise Refusal("That message has no text I can read as a question.")
        await send_reply(interaction, **render_response(response).kwargs())

    # -- buttons -----------------------------------------------------------
    async def on_pick(self, interaction: discord.Interaction, question_id: int, index: int) -> None:
        try:
            result = await asyncio.to_thread(
                self.bot.kb.answer_suggestion,
                question_id,
                index,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                user_id=interaction.user.id,
            )
            _log_answer(result, "pick", interaction.guild_id)
            await interaction.response.send_message(
                **render_answer(result.answer, result.question_id).kwargs()
            )
        except Exception as exc:
            await reply_to_error(interaction, exc)

    async def on_vote(self, interaction: discord.Interaction, question_id: int, up: bool) -> None:
        try:
            vote = await asyncio.to_thread(
                self.bot.kb.vote,
                question_id,
                interaction.user.id,
                up,
                guild_id=interaction.guild_id,
            )
            emoji = "👍" if up else "👎"
            text = {
                "added": f"Thanks! Your {emoji} is recorded.",
                "changed": f"Changed your vote to {emoji}.",
                "unchanged": f"You already voted {emoji}.",
            }[vote.outcome]
            log.info("vote %s on answer %s (%s)", emoji, question_id, vote.outcome)
            await interaction.response.send_message(
                f"{text} (👍 {vote.up} · 👎 {vote.down})",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except Exception as exc:
            await reply_to_error(interaction, exc)

    # -- shared ------------------------------------------------------------
    async def _respond(
        self,
        message: str,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        via: str,
        *,
        replying: bool = False,
    ) -> Response:
        response = await asyncio.to_thread(
            self.bot.kb.respond,
            message,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            via=via,
            replying=replying,
            questions_only=via == "auto",
        )
        if response.answer is not None:
            _log_answer(AskResult(response.answer, response.question_id), via, guild_id)
        elif response.kind is ResponseKind.SMALL_TALK:
            log.info("small talk kind=%s via=%s guild=%s", response.small_talk_kind, via, guild_id)
        return response


def _log_answer(result: AskResult, via: str, guild_id: int | None) -> None:
    answer = result.answer
    log.info(
        "answered status=%s via=%s guild=%s facts=%s confidence=%.0f latency_ms=%.2f",
        answer.status.value,
        via,
        guild_id,
        ",".join(sf.fact.id for sf in answer.facts)
        or ",".join(s.fact_id for s in answer.suggestions),
        answer.confidence,
        answer.latency_ms,
    )


def _is_reply_to(message: discord.Message, bot_id: int) -> bool:
    reference = message.reference
    if reference is None:
        return False
    resolved = reference.resolved
    return isinstance(resolved, discord.Message) and resolved.author.id == bot_id


def _cooldown_text(wait: float) -> str:
    return f"You're asking quickly! Try again in {max(1, round(wait))} s."


async def setup(bot: FactBot) -> None:
    await bot.add_cog(Ask(bot))
