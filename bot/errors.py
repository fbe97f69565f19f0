"""The one place that turns errors into replies and log lines."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from knowledge.errors import (
    FactNotFoundError,
    InvalidQuestionError,
    KnowledgeError,
    StoreError,
)

from . import discord_text

log = logging.getLogger("factbot.errors")

APOLOGY = "Sorry, something went wrong on my side. The error was logged; please try again."

# Discord failed (5xx after discord.py's retries), or cannot take this reply (no
# permission, the channel or message is gone): an apology would fail the same way, so
# these are logged in one line and nothing more is sent.
DISCORD_FAILED = (discord.DiscordServerError, discord.Forbidden, discord.NotFound)
UNKNOWN_INTERACTION, UNKNOWN_WEBHOOK = 10062, 10015


def _interaction_gone(error: BaseException) -> bool:
    """Discord failed, or the interaction can no longer be answered (too late)."""
    return isinstance(error, discord.DiscordServerError) or (
        isinstance(error, discord.NotFound) and error.code in (UNKNOWN_INTERACTION, UNKNOWN_WEBHOOK)
    )


class Refusal(Exception):
    """An expected refusal (not allowed, cooling down): shown to the user as is."""


def user_message(error: BaseException) -> str | None:
    """The message for an expected error, or None for a bug. Messages can repeat
    what the user typed (an unknown fact id, a quote), so mentions are defused
    and markdown escaped."""
    text = _expected_message(error)
    return (
        None if text is None else discord_text.clip(discord_text.escape(text), discord_text.CONTENT)
    )


def _expected_message(error: BaseException) -> str | None:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, Refusal | InvalidQuestionError | FactNotFoundError):
        return str(error)
    if isinstance(error, app_commands.TransformerError):  # e.g. a channel of another server
        return "I can't use that option's value here; pick one from Discord's list."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use that here."
    if isinstance(error, StoreError):
        return "The fact base is unavailable right now; the admins have been told."
    if isinstance(error, KnowledgeError):
        return str(error)
    return None


async def reply_to_error(interaction: discord.Interaction, error: BaseException) -> None:
    """An ephemeral reply for this user; a log line (with traceback for bugs)."""
    message = user_message(error)
    original = getattr(error, "original", error)
    if _interaction_gone(original):
        log.error("could not answer interaction %s: %s", interaction.id, original)
        return
    if message is None or isinstance(original, StoreError):
        log.error(
            "error handling interaction %s (%s)",
            interaction.id,
            interaction.command.qualified_name if interaction.command else interaction.type.name,
            exc_info=original,
        )
    text = message or APOLOGY
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not send the error reply for interaction %s", interaction.id)


async def reply_to_message_error(
    message: discord.Message, error: BaseException, *, apologise: bool = True
) -> None:
    """For a question asked in a message: one log line (with traceback for bugs)
    and, with `apologise`, a short reply pinging nobody."""
    where = f"message {message.id} in channel {message.channel.id}"
    if isinstance(error, DISCORD_FAILED):
        log.error("could not answer %s: %s", where, error)
        return
    message_text = user_message(error)
    if message_text is None or isinstance(error, StoreError):
        log.error("error answering %s", where, exc_info=error)
    if not apologise:
        return
    try:
        await message.reply(
            message_text or APOLOGY,
            mention_author=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException:
        log.warning("could not send the error reply for %s", where)
