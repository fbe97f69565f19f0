"""Persistent buttons: their state lives in the custom_id, so they keep working
after a restart. Each hands off to the cog that owns the behaviour."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from . import discord_text

if TYPE_CHECKING:
    from .app import FactBot


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"factbot:vote:(?P<question_id>[0-9]{1,18}):(?P<direction>up|down)",
):
    """👍 / 👎 under an answer."""

    def __init__(self, question_id: int, *, up: bool) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"factbot:vote:{question_id}:{'up' if up else 'down'}",
                row=1,
            )
        )
        self.question_id = question_id
        self.up = up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["question_id"]), up=match["direction"] == "up")

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast("FactBot", interaction.client).ask_cog.on_vote(
            interaction, self.question_id, self.up
        )


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"factbot:pick:(?P<question_id>[0-9]{1,18}):(?P<index>[0-9])",
):
    """One "did you mean" choice."""

    def __init__(self, question_id: int, index: int, *, label: str = "Show") -> None:
        super().__init__(
            discord.ui.Button(
                label=discord_text.clip(
                    discord_text.defuse(label).strip() or "Show", discord_text.BUTTON_LABEL
                ),
                style=discord.ButtonStyle.primary,
                custom_id=f"factbot:pick:{question_id}:{index}",
                row=0,
            )
        )
        self.question_id = question_id
        self.index = index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PickButton:
        return cls(int(match["question_id"]), int(match["index"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast("FactBot", interaction.client).ask_cog.on_pick(
            interaction, self.question_id, self.index
        )
