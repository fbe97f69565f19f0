"""The add/edit form (a Discord modal)."""

from __future__ import annotations

from typing import Any

import discord

from knowledge.curation.curator import form_source
from knowledge.models import Fact

from ...errors import reply_to_error
from ...permissions import NOT_ADMIN


class FactForm(discord.ui.Modal):
    """Five fields: the fact, its questions, keywords, source and quote. Only the
    admin who opened it, in the server it was opened in, can submit it."""

    def __init__(
        self,
        cog: Any,
        opener: discord.Interaction,
        *,
        fact: Fact | None = None,
        question: str | None = None,
        review_ids: tuple[int, ...] = (),
        source_hint: str = "",
    ) -> None:
        super().__init__(title="Edit a fact" if fact else "Add a fact", timeout=900)
        self.cog = cog
        self.user_id = opener.user.id
        self.guild_id = opener.guild_id
        self.fact_id = fact.id if fact else None
        self.review_ids = review_ids
        questions = list(fact.questions) if fact else []
        if question:
            questions.insert(0, question)
        self.text = discord.ui.TextInput(
            label="Fact (one claim, readable on its own)",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            default=fact.text if fact else None,
        )
        self.questions = discord.ui.TextInput(
            label="Alternate questions (one per line)",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=2100,
            default="\n".join(questions)[:2100] or None,
            placeholder="How many users did GREE have?\nhow big is gree",
        )
        self.keywords = discord.ui.TextInput(
            label="Aliases or keywords (comma-separated)",
            required=False,
            max_length=400,
            default=", ".join(fact.keywords)[:400] if fact and fact.keywords else None,
        )
        self.source = discord.ui.TextInput(
            label="Source: ID and ¶, or a URL and note",
            max_length=300,
            default=form_source(fact)[:300] if fact else None,
            placeholder=source_hint[:100] or None,
        )
        self.quote = discord.ui.TextInput(
            label="Verbatim quote (needed for a source)",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=1000,
            default=fact.quote[:1000] if fact and fact.quote else None,
        )
        for item in (self.text, self.questions, self.keywords, self.source, self.quote):
            self.add_item(item)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.user_id and interaction.guild_id == self.guild_id:
            return True
        await interaction.response.send_message(
            NOT_ADMIN, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        return False

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.submit_form(interaction, self)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await reply_to_error(interaction, error)
