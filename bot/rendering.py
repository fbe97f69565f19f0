"""Domain answers turned into Discord messages that always fit Discord's discord_text."""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from knowledge.models import Answer, Response, ResponseKind, Status

from . import discord_text
from .components import PickButton, VoteButton

ANSWER_COLOUR = discord.Colour.from_rgb(46, 134, 222)
SUGGEST_COLOUR = discord.Colour.from_rgb(241, 196, 15)
UNKNOWN_COLOUR = discord.Colour.from_rgb(149, 165, 166)

UNKNOWN_TEXT = "I don't know that one. Nothing in my fact base answers it, so I won't guess."
NOTED_TEXT = "I've noted the question for the server admins."


@dataclass
class Reply:
    """Everything needed to send one message: pass as keyword arguments."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)

    def kwargs(self) -> dict:
        found: dict = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content is not None:
            found["content"] = discord_text.clip(self.content, discord_text.CONTENT)
        if self.embed is not None:
            found["embed"] = self.embed
        if self.view is not None:
            found["view"] = self.view
        if self.files:
            found["files"] = self.files
        return found


def render_response(response: Response) -> Reply:
    """The reply to a message: its answers, or a small-talk reply with an example
    question. (ResponseKind.NOTHING has no reply; callers decide what to say.)"""
    if response.kind is ResponseKind.SMALL_TALK:
        text = response.small_talk
        if response.example:
            text += f"\nTry asking, for example: “{response.example}”"
        return notice(text)
    assert response.answer is not None
    reply = render_answer(response.answer, response.question_id)
    if response.context_question and reply.embed is not None:
        reply.embed.set_author(
            name=discord_text.safe_text(f"↪ following up on: {response.context_question}", 256)
        )
    return reply


def render_answer(answer: Answer, question_id: int | None, *, with_votes: bool = True) -> Reply:
    """The reply for any outcome: answer, did-you-mean, or unknown."""
    if answer.status is Status.ANSWER:
        return _render_facts(answer, question_id, with_votes)
    if answer.status is Status.SUGGEST:
        return _render_suggestions(answer, question_id)
    return Reply(embed=_unknown_embed(answer))


def _render_facts(answer: Answer, question_id: int | None, with_votes: bool) -> Reply:
    best = answer.facts[0]
    embed = discord.Embed(
        colour=ANSWER_COLOUR,
        title=discord_text.safe_text(answer.question, discord_text.EMBED_TITLE),
        description=discord_text.clip(
            f"**{discord_text.safe_text(best.fact.text, 1500)}**", discord_text.EMBED_DESCRIPTION
        ),
    )
    for number, scored in enumerate(answer.facts, start=1):
        citation = scored.citation
        where = " · ".join(
            part
            for part in (
                f"¶{citation.paragraph}" if citation.paragraph else "",
                discord_text.clip(citation.source_title, 150),
                discord_text.clip(citation.publisher, 40),
                citation.date,
            )
            if part
        )
        lines = []
        if number > 1:
            lines.append(discord_text.safe_text(scored.fact.text, 400))
        if citation.quote:
            lines.append(discord_text.quote_block(f"“{citation.quote}”", 450))
        if url := discord_text.safe_url(citation.url):
            lines.append(f"[Read the source]({url})")
        embed.add_field(
            name=discord_text.safe_text(f"{number}. {where}", discord_text.FIELD_NAME),
            value=discord_text.field_value("\n".join(lines)),
            inline=False,
        )
    ids = discord_text.defuse(", ".join(sf.fact.id for sf in answer.facts))
    embed.set_footer(
        text=discord_text.clip(
            f"Confidence {answer.confidence:.0f}/100 · facts: {ids}", discord_text.FOOTER
        )
    )
    view = discord.ui.View(timeout=None)
    urls = dict.fromkeys(
        filter(None, (discord_text.safe_url(sf.citation.url) for sf in answer.facts))
    )
    for url in list(urls)[:3]:
        view.add_item(discord.ui.Button(label="Read the article", url=url, row=0))
    if with_votes and question_id is not None:
        view.add_item(VoteButton(question_id, up=True))
        view.add_item(VoteButton(question_id, up=False))
    return Reply(embed=_fit(embed), view=view if view.children else None)


def _render_suggestions(answer: Answer, question_id: int | None) -> Reply:
    lines = [
        f"{number}. {discord_text.safe_text(s.question, 300)}"
        for number, s in enumerate(answer.suggestions, start=1)
    ]
    embed = discord.Embed(
        colour=SUGGEST_COLOUR,
        title="I'm not sure. Did you mean…",
        description=discord_text.clip("\n".join(lines), discord_text.EMBED_DESCRIPTION),
    )
    embed.set_footer(text=f"Confidence {answer.confidence:.0f}/100 · press a choice to see it")
    view = discord.ui.View(timeout=None)
    if question_id is not None:
        for index, suggestion in enumerate(answer.suggestions):
            view.add_item(PickButton(question_id, index, label=suggestion.question))
    return Reply(embed=embed, view=view if view.children else None)


def _unknown_embed(answer: Answer) -> discord.Embed:
    return discord.Embed(colour=UNKNOWN_COLOUR, description=f"{UNKNOWN_TEXT}\n{NOTED_TEXT}")


def _fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed is within the 6000-character total."""
    while len(embed) > discord_text.EMBED_TOTAL and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > discord_text.EMBED_TOTAL:
        embed.description = discord_text.clip(embed.description or "", 1000)
    return embed


def notice(text: str) -> Reply:
    """A short plain message (errors, refusals, confirmations)."""
    return Reply(content=discord_text.clip(discord_text.defuse(text), discord_text.CONTENT))
