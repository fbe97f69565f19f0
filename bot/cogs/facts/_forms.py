"""The add/edit form (a Discord modal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from knowledge.curation.form import FIELD_CHARS, FormFields
from knowledge.models import Fact

from ...errors import reply_to_error
from ...permissions import NOT_ADMIN

if TYPE_CHECKING:
    from ._cog import Facts


def _field(
    shown: FormFields,
    name: str,
    label: str,
    *,
    required: bool = False,
    style: discord.TextStyle = discord.TextStyle.paragraph,
    placeholder: str | None = None,
) -> discord.ui.TextInput[FactForm]:
    """The input for FormFields' field `name`: it shows that field of `shown`
    and takes as many characters as knowledge.curation.form allows it."""
    return discord.ui.TextInput(
        label=label,
        style=style,
        required=required,
        max_length=FIELD_CHARS[name],
        default=getattr(shown, name) or None,
        placeholder=placeholder,
    )


class FactForm(discord.ui.Modal):
    """Five fields: the fact, its questions, keywords, source and quote. Only the
    admin who opened it, in the server it was opened in, can submit it.

    The form shows `shown` (see knowledge.curation.form: lists one item per
    line, losslessly); an edit remembers the fact it was opened for (`base`, at
    `version`), so that it changes only the fields the admin changed, and only
    if nobody changed the fact in between."""

    def __init__(
        self,
        cog: Facts,
        opener: discord.Interaction,
        shown: FormFields,
        *,
        base: Fact | None = None,
        version: str | None = None,
        review_ids: tuple[int, ...] = (),
        source_hint: str = "",
    ) -> None:
        super().__init__(title="Edit a fact" if base else "Add a fact", timeout=900)
        self.cog = cog
        self.user_id = opener.user.id
        self.guild_id = opener.guild_id
        self.fact_id = base.id if base else None
        self.base = base
        self.version = version
        self.shown = shown
        self.review_ids = review_ids
        self.text = _field(shown, "text", "Fact (one claim, readable on its own)", required=True)
        self.questions = _field(
            shown,
            "questions",
            "Alternate questions (one per line)",
            placeholder="How many users did GREE have?\nhow big is gree",
        )
        self.keywords = _field(
            shown,
            "keywords",
            "Aliases or keywords (one per line)",
            placeholder="GREE\nTokyo, Japan",
        )
        self.source = _field(
            shown,
            "source",
            "Source: ID and ¶, or a URL and note",
            required=True,
            style=discord.TextStyle.short,
            placeholder=source_hint[:100] or None,
        )
        self.quote = _field(shown, "quote", "Verbatim quote (needed for a source)")
        for item in (self.text, self.questions, self.keywords, self.source, self.quote):
            self.add_item(item)

    def submitted(self) -> FormFields:
        """The fields as the admin submitted them."""
        return FormFields(
            text=self.text.value,
            questions=self.questions.value,
            keywords=self.keywords.value,
            source=self.source.value,
            quote=self.quote.value,
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.user_id and interaction.guild_id == self.guild_id:
            return True
        await interaction.response.send_message(
            NOT_ADMIN, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
        return False

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.submit_form(interaction, self)

    # discord.py's Modal.on_error drops BaseView's `item` argument; this matches Modal.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await reply_to_error(interaction, error)
