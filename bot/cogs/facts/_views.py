"""Buttons and menus for curation. Every press re-checks that the presser is the
admin who opened the view and is still an admin."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from knowledge.curation.curator import HistoryEntry, UnansweredGroup
from knowledge.errors import (
    AlreadyAppliedError,
    FactChangedError,
    FactNotFoundError,
    ScopeConflictError,
)

from ... import discord_text
from ...errors import reply_to_error, user_message
from ...permissions import NOT_ADMIN, caller_is_admin

if TYPE_CHECKING:
    from ...app import FactBot
    from ._cog import Facts

Handler = Callable[[discord.Interaction], Awaitable[None]]
NONE = discord.AllowedMentions.none()
# Refusals after which a preview can never apply: it is replaced by the reason.
PREVIEW_OUT_OF_DATE = (AlreadyAppliedError, FactChangedError, FactNotFoundError, ScopeConflictError)


class AdminView(discord.ui.View):
    """A view only its admin may use."""

    def __init__(self, bot: FactBot, user_id: int, *, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.bot = bot
        self.user_id = user_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.user_id or not caller_is_admin(self.bot, interaction):
            await interaction.response.send_message(
                NOT_ADMIN, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await reply_to_error(interaction, error)


class ConfirmView(AdminView):
    """Confirm or cancel a previewed change.

    `on_confirm` makes the change, replies, and returns what a second press of
    the button should say (it does nothing more). A refusal that means this
    preview can never apply (a fact changed since, or belongs to another scope)
    replaces the preview with the reason; any other error leaves the button, so
    the admin can try again.
    """

    def __init__(
        self,
        bot: FactBot,
        user_id: int,
        label: str,
        on_confirm: Callable[[discord.Interaction], Awaitable[str]],
        *,
        danger: bool = False,
    ) -> None:
        super().__init__(bot, user_id)
        self.on_confirm = on_confirm
        self.confirm.label = label
        self.confirm.style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.success
        self.outcome: str | None = None  # what a repeated press is told
        self._pressing = asyncio.Lock()

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        async with self._pressing:  # a double press waits for the first to finish
            if self.outcome is not None:
                await interaction.response.send_message(
                    self.outcome, ephemeral=True, allowed_mentions=NONE
                )
                return
            try:
                self.outcome = await self.on_confirm(interaction)
            except PREVIEW_OUT_OF_DATE as error:
                self.outcome = user_message(error) or ""
                await interaction.response.edit_message(content=self.outcome, embed=None, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            content="Cancelled; nothing changed.", embed=None, view=None
        )


class PageView(AdminView):
    """◀ ▶ through pages rendered on demand."""

    def __init__(
        self,
        bot: FactBot,
        user_id: int,
        pages: int,
        render: Callable[[int], Awaitable[discord.Embed]],
    ) -> None:
        super().__init__(bot, user_id)
        self.page = 0
        self.pages = pages
        self.render = render
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync_buttons()
        await interaction.response.edit_message(embed=await self.render(self.page), view=self)

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.page = max(0, self.page - 1)
        await self._show(interaction)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.page = min(self.pages - 1, self.page + 1)
        await self._show(interaction)


class ReviewView(AdminView):
    """ "Answer this" and "Dismiss" for each group of unanswered questions."""

    def __init__(
        self, bot: FactBot, user_id: int, groups: list[UnansweredGroup], cog: Facts
    ) -> None:
        super().__init__(bot, user_id)
        for row, group in enumerate(groups[:5]):
            for label, style, handler in (
                ("Answer", discord.ButtonStyle.primary, self._answer(cog, group)),
                ("Dismiss", discord.ButtonStyle.secondary, self._dismiss(cog, group)),
            ):
                self.add_item(
                    HandlerButton(handler, label=f"{label} #{row + 1}", style=style, row=row)
                )

    @staticmethod
    def _answer(cog: Facts, group: UnansweredGroup) -> Handler:
        async def callback(interaction: discord.Interaction) -> None:
            await cog.open_form(interaction, question=group.question, review_ids=group.question_ids)

        return callback

    @staticmethod
    def _dismiss(cog: Facts, group: UnansweredGroup) -> Handler:
        async def callback(interaction: discord.Interaction) -> None:
            await cog.dismiss(interaction, group)

        return callback


class RollbackView(AdminView):
    """A menu of earlier versions to roll back to, while the fact is still the
    version (`version`) the history was shown for."""

    def __init__(
        self,
        bot: FactBot,
        user_id: int,
        fact_id: str,
        entries: list[HistoryEntry],
        cog: Facts,
        version: str | None,
    ) -> None:
        super().__init__(bot, user_id)
        options = [
            discord.SelectOption(
                label=discord_text.clip(f"#{e.id} {e.action} {e.at[:16]}", 100),
                value=str(e.id),
                description=discord_text.clip(f"by {e.actor}", 100),
            )
            for e in reversed(entries)
            if e.action in ("create", "update", "rollback", "import", "restore")
        ][:25]
        if not options:
            return
        self.add_item(
            VersionSelect(
                cog,
                fact_id,
                version,
                placeholder="Roll back to the version after…",
                options=options,
            )
        )


class HandlerButton(discord.ui.Button[AdminView]):
    """A button that hands its press to a handler."""

    def __init__(self, handler: Handler, **options: Any) -> None:
        super().__init__(**options)
        self.handler = handler

    async def callback(self, interaction: discord.Interaction) -> None:
        await self.handler(interaction)


class VersionSelect(discord.ui.Select[AdminView]):
    """The menu of RollbackView: the chosen audit entry's version is rolled back to."""

    def __init__(self, cog: Facts, fact_id: str, version: str | None, **options: Any) -> None:
        super().__init__(**options)
        self.cog = cog
        self.fact_id = fact_id
        self.version = version

    async def callback(self, interaction: discord.Interaction) -> None:
        await self.cog.rollback(interaction, self.fact_id, int(self.values[0]), self.version)
