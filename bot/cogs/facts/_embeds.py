"""Embeds for curation: a fact in full, pages of facts, history, the review queue."""

from __future__ import annotations

import re

import discord

from knowledge.curation.curator import (
    LIST_COUNT_MAX,
    FactDetails,
    HistoryEntry,
    ImportPlan,
    UnansweredGroup,
)
from knowledge.models import Fact

from ... import discord_text

PER_PAGE = 8
COLOUR = discord.Colour.dark_teal()


def who(actor: str) -> str:
    """An audit actor for display: Discord users as mentions (embeds never ping)."""
    match = re.fullmatch(r"discord:(\d{15,20})", actor or "")
    return f"<@{match[1]}>" if match else discord_text.safe_text(actor or "?", 60)


def fact_embed(details: FactDetails) -> discord.Embed:
    fact, citation = details.fact, details.citation
    status = " (removed)" if details.removed else ""
    embed = discord.Embed(
        title=discord_text.clip(f"{fact.id}{status}", discord_text.EMBED_TITLE),
        description=discord_text.safe_text(fact.text, 1500),
        colour=COLOUR,
    )
    source = " · ".join(
        p
        for p in (
            f"¶{citation.paragraph}" if citation.paragraph else "",
            discord_text.clip(citation.source_title, 150),
            citation.publisher,
            citation.date,
        )
        if p
    )
    lines = [discord_text.safe_text(source, 300)]
    if citation.quote:
        lines.append(discord_text.quote_block(f"“{citation.quote}”", 500))
    if url := discord_text.safe_url(citation.url):
        lines.append(f"[Link]({url})")
    embed.add_field(name="Citation", value=discord_text.field_value("\n".join(lines)), inline=False)
    scope = (
        "curated, every server" if fact.origin == "curated" else "added by an admin of this server"
    )
    embed.add_field(name="Origin", value=scope)
    embed.add_field(name="Votes", value=f"👍 {details.votes_up} · 👎 {details.votes_down}")
    embed.add_field(
        name="Added / updated",
        value=discord_text.clip(
            f"{who(details.created_by)} {details.created_at[:16]}\n{who(details.updated_by)} {details.updated_at[:16]}",
            discord_text.FIELD_VALUE,
        ),
        inline=False,
    )
    # One per line, as the form shows them (a keyword may hold a comma).
    for name, items, each in (("Questions", fact.questions, 200), ("Keywords", fact.keywords, 100)):
        if items:
            listed = "\n".join(f"• {discord_text.safe_text(item, each)}" for item in items)
            embed.add_field(
                name=name, value=discord_text.clip(listed, discord_text.FIELD_VALUE), inline=False
            )
    return embed


def fact_pages(title: str, facts: list[Fact], total: int, page: int) -> discord.Embed:
    pages = max(1, -(-min(total, LIST_COUNT_MAX) // PER_PAGE))
    more = "+" if total > LIST_COUNT_MAX else ""  # counted no further
    lines = [f"`{f.id}` {discord_text.safe_text(f.text, 160)}" for f in facts]
    embed = discord.Embed(
        title=discord_text.clip(title, discord_text.EMBED_TITLE),
        description=discord_text.clip(
            "\n".join(lines) or "No facts.", discord_text.EMBED_DESCRIPTION
        ),
        colour=COLOUR,
    )
    embed.set_footer(
        text=f"Page {page + 1} of {pages:,}{more} · {min(total, LIST_COUNT_MAX):,}{more} fact(s)"
    )
    return embed


def history_embed(fact_id: str, entries: list[HistoryEntry]) -> discord.Embed:
    lines = []
    for entry in entries[-20:]:
        changed = (
            f" ({', '.join(entry.changes)})"
            if entry.changes and entry.action in ("update", "rollback", "import")
            else ""
        )
        lines.append(
            f"`#{entry.id}` {entry.at[:16]} · {who(entry.actor)} · **{entry.action}**{changed}"
        )
    embed = discord.Embed(
        title=discord_text.clip(f"History of {fact_id}", discord_text.EMBED_TITLE),
        description=discord_text.clip(
            "\n".join(lines) or "No changes recorded.", discord_text.EMBED_DESCRIPTION
        ),
        colour=COLOUR,
    )
    embed.set_footer(text="Pick a version below to roll back to it.")
    return embed


def unanswered_embed(groups: list[UnansweredGroup]) -> discord.Embed:
    lines = [
        f"**{n}.** {discord_text.safe_text(g.question, 200)} — asked ×{g.count}"
        for n, g in enumerate(groups, start=1)
    ]
    return discord.Embed(
        title="Questions FactBot could not answer",
        description=discord_text.clip(
            "\n".join(lines) or "Nothing to review. 🎉", discord_text.EMBED_DESCRIPTION
        ),
        colour=COLOUR,
    )


def import_embed(plan: ImportPlan) -> discord.Embed:
    embed = discord.Embed(title="Import: dry run", colour=COLOUR)
    embed.description = (
        f"**{len(plan.added)}** to add · **{len(plan.changed)}** to change · "
        f"**{len(plan.unchanged)}** unchanged · **{len(plan.rejected)}** rejected\n"
        "Nothing is written until you press **Apply**."
    )
    if plan.rejected:
        lines = [
            f"`{discord_text.safe_text(what, 60)}`: {discord_text.safe_text(why, 200)}"
            for what, why in plan.rejected[:15]
        ]
        if len(plan.rejected) > 15:
            lines.append(f"… and {len(plan.rejected) - 15} more")
        embed.add_field(
            name="Rejected", value=discord_text.field_value("\n".join(lines)), inline=False
        )
    return embed


def duplicates_embed(duplicates: list[tuple[Fact, float]]) -> discord.Embed:
    lines = [
        f"`{f.id}` ({score:.0f}% alike): {discord_text.safe_text(f.text, 300)}"
        for f, score in duplicates
    ]
    return discord.Embed(
        title="This looks like a fact FactBot already has",
        description=discord_text.clip("\n".join(lines), discord_text.EMBED_DESCRIPTION),
        colour=discord.Colour.orange(),
    )
