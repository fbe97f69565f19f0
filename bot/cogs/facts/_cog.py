"""/fact commands: each checks, on FactBot's side and at the moment it runs, that
the caller is an admin here; curated facts change only for the bot owner."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from knowledge.curation.curator import (
    LIST_COUNT_MAX,
    MAX_IMPORT_BYTES,
    TERMINAL_IMPORT_HINT,
    Curator,
    FactDraft,
    UnansweredGroup,
)
from knowledge.curation.form import draft_from_form, form_fields

from ... import discord_text
from ...errors import Refusal
from ...permissions import caller_is_admin, caller_is_owner, require_admin
from ._embeds import (
    PER_PAGE,
    duplicates_embed,
    fact_embed,
    fact_pages,
    history_embed,
    import_embed,
    unanswered_embed,
)
from ._forms import FactForm
from ._views import ConfirmView, PageView, ReviewView, RollbackView

if TYPE_CHECKING:
    from ...app import FactBot

log = logging.getLogger("factbot.facts")
NONE = discord.AllowedMentions.none()
P = ParamSpec("P")
T = TypeVar("T")


class Facts(commands.Cog):
    """Curate facts: add, edit, remove, restore, review, export, import."""

    fact = app_commands.Group(
        name="fact", description="Curate FactBot's facts (server admins only).", guild_only=True
    )

    alias = app_commands.Group(
        name="alias",
        description="Names this server's members use for things (server admins only).",
        parent=fact,
    )

    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.curator = Curator(bot.kb)

    # -- helpers ---------------------------------------------------------
    def _actor(self, interaction: discord.Interaction) -> str:
        return f"discord:{interaction.user.id}"

    def _caller(self, interaction: discord.Interaction) -> dict[str, Any]:
        """Who is changing facts, and where: the keyword arguments Curator wants."""
        return {
            "guild_id": interaction.guild_id,
            "actor": self._actor(interaction),
            "is_owner": caller_is_owner(self.bot, interaction),
        }

    async def _run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _ids(
        self, interaction: discord.Interaction, current: str, *, removed: bool = False
    ) -> list[app_commands.Choice[str]]:
        # Autocomplete could reveal facts: only admins get suggestions.
        if not caller_is_admin(self.bot, interaction):
            return []
        ids = await self._run(self.curator.fact_ids, current, interaction.guild_id, removed=removed)
        return [app_commands.Choice(name=i, value=i) for i in ids[:25]]

    async def live_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._ids(interaction, current)

    async def removed_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._ids(interaction, current, removed=True)

    # -- add and edit ----------------------------------------------------
    @fact.command(name="add", description="Add a fact for this server (opens a form).")
    async def add(self, interaction: discord.Interaction) -> None:
        await self.open_form(interaction)

    async def open_form(
        self,
        interaction: discord.Interaction,
        *,
        question: str | None = None,
        review_ids: tuple[int, ...] = (),
    ) -> None:
        require_admin(self.bot, interaction)
        sources = list(self.bot.kb.sources)
        hint = (
            f"{sources[0]} 2   or   https://example.org note"
            if sources
            else "https://example.org note"
        )
        await interaction.response.send_modal(
            FactForm(
                self,
                interaction,
                form_fields(question=question),
                review_ids=review_ids,
                source_hint=hint,
            )
        )

    @fact.command(name="edit", description="Edit a fact (opens a form with its current values).")
    @app_commands.describe(fact_id="The fact's id")
    @app_commands.autocomplete(fact_id=live_ids)
    async def edit(self, interaction: discord.Interaction, fact_id: str) -> None:
        require_admin(self.bot, interaction)
        # The version first: if the fact changes after it is read, saving is refused.
        version = await self._run(self.curator.version, fact_id)
        fact = await self._run(self.curator.visible_fact, fact_id, interaction.guild_id)
        if fact.origin == "curated" and not caller_is_owner(self.bot, interaction):
            raise Refusal("Curated facts come from the article; only the bot owner can edit them.")
        form = FactForm(self, interaction, form_fields(fact), base=fact, version=version)
        await interaction.response.send_modal(form)

    async def submit_form(self, interaction: discord.Interaction, form: FactForm) -> None:
        require_admin(self.bot, interaction)
        # Answer within Discord's 3 seconds whatever the checks below cost.
        await interaction.response.defer(ephemeral=True, thinking=True)
        draft = draft_from_form(
            form.submitted(),
            shown=form.shown,
            base=form.base,
            source_ids=self.bot.kb.sources,
        )
        guild_id = interaction.guild_id
        if form.fact_id is None:
            await self._run(self.curator.validate, draft, guild_id=guild_id)
        duplicates = await self._run(
            self.curator.near_duplicates, draft.text, guild_id, exclude=form.fact_id
        )
        if duplicates:

            async def save_anyway(i: discord.Interaction) -> str:
                return await self._save(i, draft, form, edit_message=True)

            await interaction.followup.send(
                "Save it anyway?",
                embed=duplicates_embed(duplicates),
                view=ConfirmView(self.bot, interaction.user.id, "Save anyway", save_anyway),
                ephemeral=True,
                allowed_mentions=NONE,
            )
            return
        await self._save(interaction, draft, form, edit_message=False)

    async def _save(
        self,
        interaction: discord.Interaction,
        draft: FactDraft,
        form: FactForm,
        *,
        edit_message: bool,
    ) -> str:
        """Add or update the fact; what a second press of "Save anyway" is told."""
        require_admin(self.bot, interaction)
        kwargs = self._caller(interaction)
        if form.fact_id is None:
            fact = await self._run(
                self.curator.add, draft, guild_id=kwargs["guild_id"], actor=kwargs["actor"]
            )
            verb = "Added"
        else:
            fact = await self._run(
                self.curator.edit, form.fact_id, draft, expected=form.version, **kwargs
            )
            verb = "Updated"
        if form.review_ids:
            await self._run(
                self.curator.dismiss,
                form.review_ids,
                guild_id=interaction.guild_id,
                actor=kwargs["actor"],
            )
        log.info("%s fact %s (guild %s)", verb.lower(), fact.id, interaction.guild_id)
        details = await self._run(self.curator.show, fact.id, interaction.guild_id)
        content = f"{verb} `{fact.id}`. It answers questions now."
        if edit_message:
            await interaction.response.edit_message(
                content=content, embed=fact_embed(details), view=None
            )
        else:
            await interaction.followup.send(
                content, embed=fact_embed(details), ephemeral=True, allowed_mentions=NONE
            )
        return f"`{fact.id}` was already saved; nothing more was written."

    # -- remove and restore ------------------------------------------------
    @fact.command(name="remove", description="Remove a fact (it can be restored).")
    @app_commands.describe(fact_id="The fact's id")
    @app_commands.autocomplete(fact_id=live_ids)
    async def remove(self, interaction: discord.Interaction, fact_id: str) -> None:
        require_admin(self.bot, interaction)
        fact = await self._run(self.curator.visible_fact, fact_id, interaction.guild_id)
        if fact.origin == "curated" and not caller_is_owner(self.bot, interaction):
            raise Refusal(
                "Curated facts come from the article; only the bot owner can remove them."
            )

        version = await self._run(self.curator.version, fact_id)

        async def confirmed(i: discord.Interaction) -> str:
            require_admin(self.bot, i)
            await self._run(self.curator.remove, fact_id, expected=version, **self._caller(i))
            log.info("removed fact %s (guild %s)", fact_id, i.guild_id)
            await i.response.edit_message(
                content=f"Removed `{fact_id}`. `/fact restore` brings it back.",
                embed=None,
                view=None,
            )
            return f"`{fact_id}` was already removed."

        details = await self._run(self.curator.show, fact_id, interaction.guild_id)
        await interaction.response.send_message(
            "Remove this fact?",
            embed=fact_embed(details),
            view=ConfirmView(self.bot, interaction.user.id, "Remove", confirmed, danger=True),
            ephemeral=True,
            allowed_mentions=NONE,
        )

    @fact.command(name="restore", description="Bring back a removed fact.")
    @app_commands.describe(fact_id="The removed fact's id")
    @app_commands.autocomplete(fact_id=removed_ids)
    async def restore(self, interaction: discord.Interaction, fact_id: str) -> None:
        require_admin(self.bot, interaction)
        await self._run(
            self.curator.restore,
            fact_id,
            **self._caller(interaction),
        )
        log.info("restored fact %s (guild %s)", fact_id, interaction.guild_id)
        await interaction.response.send_message(
            f"Restored `{fact_id}`.", ephemeral=True, allowed_mentions=NONE
        )

    # -- this server's aliases --------------------------------------------
    @alias.command(name="add", description="Make a name stand for another in this server.")
    @app_commands.describe(
        name="What people here type, e.g. the hall",
        canonical="The name it stands for, as your facts write it, e.g. Riverside Community Hall",
    )
    async def alias_add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 100],
        canonical: app_commands.Range[str, 1, 100],
    ) -> None:
        stored = await self._change_alias(
            interaction, self.bot.kb.add_server_alias, name, canonical
        )
        name_for = discord_text.escape(" ".join(canonical.split()))
        await self._alias_reply(
            interaction, f"Here, **{discord_text.escape(stored)}** now stands for **{name_for}**."
        )

    @alias.command(name="remove", description="Forget one of this server's aliases.")
    @app_commands.describe(name="The alias, as listed by /fact alias list")
    async def alias_remove(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]
    ) -> None:
        canonical = await self._change_alias(interaction, self.bot.kb.remove_server_alias, name)
        removed = discord_text.escape(" ".join(name.split()))
        await self._alias_reply(
            interaction,
            f"Removed **{removed}** (it stood for **{discord_text.escape(canonical)}**).",
        )

    async def _change_alias(self, interaction: discord.Interaction, change: Any, *args: str) -> str:
        """Run an alias change for an admin of this server (the index is rebuilt
        with it, so the reply is deferred); what the change returns."""
        require_admin(self.bot, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self._run(
            change, interaction.guild_id, *args, actor=self._actor(interaction)
        )
        log.info("%s (guild %s)", change.__name__, interaction.guild_id)
        return result

    async def _alias_reply(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.followup.send(
            discord_text.clip(text, discord_text.CONTENT), ephemeral=True, allowed_mentions=NONE
        )

    @alias.command(name="list", description="The aliases this server added.")
    async def alias_list(self, interaction: discord.Interaction) -> None:
        guild_id = require_admin(self.bot, interaction)
        aliases = await self._run(self.bot.kb.server_aliases, guild_id)
        lines = [f"{alias} → {canonical}" for alias, canonical in aliases.items()]
        text = "\n".join(lines) if lines else "This server has no aliases of its own yet."
        await interaction.response.send_message(
            discord_text.safe_text(text, discord_text.CONTENT),
            ephemeral=True,
            allowed_mentions=NONE,
        )

    # -- reading ---------------------------------------------------------
    @fact.command(
        name="show", description="A fact with its full citation, origin, author, dates and votes."
    )
    @app_commands.describe(fact_id="The fact's id")
    @app_commands.autocomplete(fact_id=live_ids)
    async def show(self, interaction: discord.Interaction, fact_id: str) -> None:
        require_admin(self.bot, interaction)
        details = await self._run(self.curator.show, fact_id, interaction.guild_id)
        await interaction.response.send_message(
            embed=fact_embed(details), ephemeral=True, allowed_mentions=NONE
        )

    @fact.command(name="list", description="The facts in this server, newest first.")
    @app_commands.describe(removed="List removed facts instead")
    async def list_facts(self, interaction: discord.Interaction, removed: bool = False) -> None:
        require_admin(self.bot, interaction)
        # Answer within Discord's 3 seconds whatever a page of a million costs.
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        facts, total = await self._run(
            self.curator.list_page, guild_id, removed=removed, per_page=PER_PAGE
        )
        title = "Removed facts" if removed else "Facts"

        async def render(page: int) -> discord.Embed:
            found, count = await self._run(
                self.curator.list_page, guild_id, removed=removed, page=page, per_page=PER_PAGE
            )
            return fact_pages(title, found, count, page)

        await self._paged(interaction, fact_pages(title, facts, total, 0), total, render)

    @fact.command(
        name="search", description="Find facts by words in their text, questions or keywords."
    )
    @app_commands.describe(query="Words to look for")
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]
    ) -> None:
        require_admin(self.bot, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self._run(self.curator.search, query, interaction.guild_id)
        title = f"Facts matching “{discord_text.safe_text(query, 200)}”"

        async def render(page: int) -> discord.Embed:
            return fact_pages(
                title, found[page * PER_PAGE : (page + 1) * PER_PAGE], len(found), page
            )

        await self._paged(interaction, await render(0), len(found), render)

    async def _paged(
        self,
        interaction: discord.Interaction,
        first: discord.Embed,
        total: int,
        render: Callable[[int], Awaitable[discord.Embed]],
    ) -> None:
        pages = max(1, -(-min(total, LIST_COUNT_MAX) // PER_PAGE))
        kwargs: dict[str, Any] = {"embed": first, "ephemeral": True, "allowed_mentions": NONE}
        if pages > 1:
            kwargs["view"] = PageView(self.bot, interaction.user.id, pages, render)
        await interaction.followup.send(**kwargs)  # the interaction was deferred

    @fact.command(
        name="history", description="Every change to a fact; roll back to an earlier version."
    )
    @app_commands.describe(fact_id="The fact's id")
    @app_commands.autocomplete(fact_id=live_ids)
    async def history(self, interaction: discord.Interaction, fact_id: str) -> None:
        require_admin(self.bot, interaction)
        version = await self._run(self.curator.version, fact_id)
        entries = await self._run(self.curator.history, fact_id, interaction.guild_id)
        view = RollbackView(self.bot, interaction.user.id, fact_id, entries, self, version)
        kwargs: dict[str, Any] = {
            "embed": history_embed(fact_id, entries),
            "ephemeral": True,
            "allowed_mentions": NONE,
        }
        if view.children:
            kwargs["view"] = view
        await interaction.response.send_message(**kwargs)

    async def rollback(
        self,
        interaction: discord.Interaction,
        fact_id: str,
        entry_id: int,
        version: str | None,
    ) -> None:
        require_admin(self.bot, interaction)
        fact = await self._run(
            self.curator.rollback,
            fact_id,
            entry_id,
            expected=version,
            **self._caller(interaction),
        )
        log.info("rolled fact %s back to #%s (guild %s)", fact.id, entry_id, interaction.guild_id)
        details = await self._run(self.curator.show, fact.id, interaction.guild_id)
        await interaction.response.edit_message(
            content=f"Rolled `{fact.id}` back to the version after #{entry_id}.",
            embed=fact_embed(details),
            view=None,
        )

    # -- the review queue ------------------------------------------------
    @fact.command(
        name="unanswered", description="Questions FactBot could not answer, most asked first."
    )
    async def unanswered(self, interaction: discord.Interaction) -> None:
        require_admin(self.bot, interaction)
        groups = await self._run(self.curator.unanswered, interaction.guild_id, limit=5)
        kwargs: dict[str, Any] = {
            "embed": unanswered_embed(groups),
            "ephemeral": True,
            "allowed_mentions": NONE,
        }
        if groups:
            kwargs["view"] = ReviewView(self.bot, interaction.user.id, groups, self)
        await interaction.response.send_message(**kwargs)

    async def dismiss(self, interaction: discord.Interaction, group: UnansweredGroup) -> None:
        require_admin(self.bot, interaction)
        count = await self._run(
            self.curator.dismiss,
            group.question_ids,
            guild_id=interaction.guild_id,
            actor=self._actor(interaction),
        )
        await interaction.response.send_message(
            f"Dismissed {count} question(s) like “{discord_text.safe_text(group.question, 100)}”.",
            ephemeral=True,
            allowed_mentions=NONE,
        )

    # -- export and import -------------------------------------------------
    @fact.command(
        name="export", description="This server's facts as a JSON file (curated ones flagged)."
    )
    async def export(self, interaction: discord.Interaction) -> None:
        require_admin(self.bot, interaction)
        data = await self._run(self.curator.export, interaction.guild_id)
        await interaction.response.send_message(
            "Here are this server's facts. `/fact import` takes the same format back.",
            file=discord.File(
                io.BytesIO(data.encode()), filename=f"factbot-facts-{interaction.guild_id}.json"
            ),
            ephemeral=True,
            allowed_mentions=NONE,
        )

    @fact.command(
        name="import", description="Import facts from a JSON file: a dry run first, then apply."
    )
    @app_commands.describe(file="A JSON file in the /fact export format")
    async def import_facts(
        self, interaction: discord.Interaction, file: discord.Attachment
    ) -> None:
        require_admin(self.bot, interaction)
        if file.size > MAX_IMPORT_BYTES:
            raise Refusal(
                f"That file is {file.size:,} bytes; the limit is {MAX_IMPORT_BYTES:,}. "
                f"Nothing was read. {TERMINAL_IMPORT_HINT}"
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        plan = await self._run(
            self.curator.plan_import,
            data,
            guild_id=interaction.guild_id,
            is_owner=caller_is_owner(self.bot, interaction),
        )

        async def apply(i: discord.Interaction) -> str:
            require_admin(self.bot, i)
            await self._run(self.curator.apply_import, plan, actor=self._actor(i))
            log.info(
                "imported %d new and %d changed facts (guild %s)",
                len(plan.added),
                len(plan.changed),
                i.guild_id,
            )
            await i.response.edit_message(
                content=f"Imported: {len(plan.added)} added, {len(plan.changed)} changed.",
                embed=None,
                view=None,
            )
            return (
                f"This import was already applied ({len(plan.added)} added, "
                f"{len(plan.changed)} changed); nothing more was written."
            )

        kwargs: dict[str, Any] = {
            "embed": import_embed(plan),
            "ephemeral": True,
            "allowed_mentions": NONE,
        }
        if plan.added or plan.changed:
            kwargs["view"] = ConfirmView(self.bot, interaction.user.id, "Apply", apply)
        await interaction.followup.send(**kwargs)
