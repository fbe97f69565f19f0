"""Embeds for curation: a fact in full, pages of facts, history, the review queue."""

from __future__ import annotations

import re

import discord

from knowledge.curation.curator import FactDetails, HistoryEntry, ImportPlan, UnansweredGroup
from knowledge.models import Fact

from ... import limits

PER_PAGE = 8
COLOUR = discord.Colour.dark_teal()


def who(actor: str) -> str:
    """An audit actor for display: Discord users as mentions (embeds never ping)."""
    match = re.fullmatch(r"discord:(\d{15,20})", actor or "")
    return f"<@{match[1]}>" if match else limits.safe_text(actor or "?", 60)


def fact_embed(details: FactDetails) -> discord.Embed:
    fact, citation = details.fact, details.citation
    status = " (removed)" if details.removed else ""
    embed = discord.Embed(
        title=limits.clip(f"{fact.id}{status}", limits.EMBED_TITLE),
        description=limits.safe_text(fact.text, 1500),
        colour=COLOUR,
    )
    source = " · ".join(
        p
        for p in (
            f"¶{citation.paragraph}" if citation.paragraph else "",
            limits.clip(citation.source_title, 150),
            citation.publisher,
            citation.date,
        )
        if p
    )
    lines = [limits.safe_text(source, 300)]
    if citation.quote:
        lines.append(limits.quote_block(f"“{citation.quote}”", 500))
    if url := limits.safe_url(citation.url):
        lines.append(f"[Link]({url})")
    embed.add_field(name="Citation", value=limits.field_value("\n".join(lines)), inline=False)
    scope = (
        "curated, every server" if fact.origin == "curated" else "added by an admin of this server"
    )
    embed.add_field(name="Origin", value=scope)
    embed.add_field(name="Votes", value=f"👍 {details.votes_up} · 👎 {details.votes_down}")
    embed.add_field(
        name="Added / updated",
        value=limits.clip(
            f"{who(details.created_by)} {details.created_at[:16]}\n{who(details.updated_by)} {details.updated_at[:16]}",
            limits.FIELD_VALUE,
        ),
        inline=False,
    )
    # One per line, as the form shows them (a keyword may hold a comma).
    for name, items, each in (("Questions", fact.questions, 200), ("Keywords", fact.keywords, 100)):
        if items:
            listed = "\n".join(f"• {limits.safe_text(item, each)}" for item in items)
            embed.add_field(name=name, value=limits.clip(listed, limits.FIELD_VALUE), inline=False)
    return embed


def fact_pages(title: str, facts: list[Fact], total: int, page: int) -> discord.Embed:
    pages = max(1, -(-total // PER_PAGE))
    lines = [f"`{f.id}` {limits.safe_text(f.text, 160)}" for f in facts]
    embed = discord.Embed(
        title=limits.clip(title, limits.EMBED_TITLE),
        description=limits.clip("\n".join(lines) or "No facts.", limits.EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {total} fact(s)")
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
        title=limits.clip(f"History of {fact_id}", limits.EMBED_TITLE),
        description=limits.clip(
            "\n".join(lines) or "No changes recorded.", limits.EMBED_DESCRIPTION
        ),
        colour=COLOUR,
    )
    embed.set_footer(text="Pick a version below to roll back to it.")
    return embed


def unanswered_embed(groups: list[UnansweredGroup]) -> discord.Embed:
    lines = [
        f"**{n}.** {limits.safe_text(g.question, 200)} — asked ×{g.count}"
        for n, g in enumerate(groups, start=1)
    ]
    return discord.Embed(
        title="Questions FactBot could not answer",
        description=limits.clip(
            "\n".join(lines) or "Nothing to review. 🎉", limits.EMBED_DESCRIPTION
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
            f"`{limits.safe_text(what, 60)}`: {limits.safe_text(why, 200)}"
            for what, why in plan.rejected[:15]
        ]
        if len(plan.rejected) > 15:
            lines.append(f"… and {len(plan.rejected) - 15} more")
        embed.add_field(name="Rejected", value=limits.field_value("\n".join(lines)), inline=False)
    return embed


def duplicates_embed(duplicates: list[tuple[Fact, float]]) -> discord.Embed:
    lines = [
        f"`{f.id}` ({score:.0f}% alike): {limits.safe_text(f.text, 300)}" for f, score in duplicates
    ]
    return discord.Embed(
        title="This looks like a fact FactBot already has",
        description=limits.clip("\n".join(lines), limits.EMBED_DESCRIPTION),
        colour=discord.Colour.orange(),
    )
