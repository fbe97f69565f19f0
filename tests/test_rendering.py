"""Rendering answers as real discord.py embeds and views: limits and mention safety."""

from __future__ import annotations

import pytest

from bot import limits
from bot.rendering import render_answer
from knowledge.models import Answer, Citation, Fact, ScoredFact, Status, Suggestion

MASS = "@everyone @here <@123456789012345678> <@&234567890123456789> ＠everyone @\u200deveryone"


def fact(
    text: str, quote: str = "a quote", url: str = "https://example.com/a", n: int = 1
) -> ScoredFact:
    return ScoredFact(
        Fact(id=f"fact-{n}", text=text, source_id="src", paragraph=2, quote=quote),
        90.0,
        Citation("Title " * 80, "Publisher", "2012-01-04", 2, quote, url),
    )


def buttons(reply) -> list[dict]:
    """The components exactly as discord.py sends them."""
    if reply.view is None:
        return []
    return [c for row in reply.view.to_components() for c in row["components"]]


def payload_text(reply) -> str:
    parts = [reply.content or ""]
    if reply.embed is not None:
        data = reply.embed.to_dict()
        parts += [
            data.get("title", ""),
            data.get("description", ""),
            data.get("footer", {}).get("text", ""),
        ]
        for field in data.get("fields", []):
            parts += [field["name"], field["value"]]
    parts += [b.get("label", "") for b in buttons(reply)]
    return "\n".join(parts)


def assert_within_limits(reply) -> None:
    if reply.content:
        assert len(reply.content) <= limits.CONTENT
    embed = reply.embed
    if embed is not None:
        assert len(embed.title or "") <= limits.EMBED_TITLE
        assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
        assert len(embed.fields) <= limits.EMBED_FIELDS
        for field in embed.fields:
            assert len(field.name) <= limits.FIELD_NAME
            assert len(field.value) <= limits.FIELD_VALUE
        assert len(embed.footer.text or "") <= limits.FOOTER
        assert len(embed) <= limits.EMBED_TOTAL
    if reply.view is not None:
        rows = reply.view.to_components()
        assert len(rows) <= limits.ACTION_ROWS
        assert all(len(row["components"]) <= 5 for row in rows)
        for button in buttons(reply):
            assert len(button.get("label", "")) <= limits.BUTTON_LABEL
            assert len(button.get("custom_id", "")) <= limits.CUSTOM_ID


def test_answer_leads_with_the_fact_and_cites_every_fact():
    answer = Answer(
        "How many users?",
        Status.ANSWER,
        91.0,
        facts=(fact("Facebook had 11 million users.", n=1), fact("Mixi had 8.4 million.", n=2)),
    )
    reply = render_answer(answer, question_id=5)
    assert reply.embed.description.startswith("**Facebook had 11 million users.**")
    assert len(reply.embed.fields) == 2
    assert "¶2" in reply.embed.fields[0].name
    assert "> “a quote”" in reply.embed.fields[0].value
    assert (
        "Confidence 91/100" in reply.embed.footer.text
        and "fact-1, fact-2" in reply.embed.footer.text
    )
    custom_ids = [b.get("custom_id") for b in buttons(reply)]
    assert "factbot:vote:5:up" in custom_ids and "factbot:vote:5:down" in custom_ids
    urls = [b["url"] for b in buttons(reply) if "url" in b]
    assert urls == ["https://example.com/a"]
    assert reply.kwargs()["allowed_mentions"].to_dict() == {"parse": []}


@pytest.mark.parametrize("status", [Status.ANSWER, Status.SUGGEST, Status.UNKNOWN])
def test_huge_and_hostile_content_stays_within_limits_and_never_pings(status):
    big = ("x" * 1990 + MASS) * 1
    question = ("q" * 3990) + MASS
    facts = tuple(fact(big + MASS, quote=big + "\n# heading\n```" + MASS, n=n) for n in (1, 2, 3))
    answer = Answer(
        question,
        status,
        70.0,
        facts=facts if status is Status.ANSWER else (),
        suggestions=tuple(Suggestion(big + MASS, f"fact-{n}", 60.0) for n in range(3))
        if status is Status.SUGGEST
        else (),
    )
    reply = render_answer(answer, question_id=123456789012345678)
    assert_within_limits(reply)
    text = payload_text(reply)
    assert "@everyone" not in text and "@here" not in text
    assert "<@123456789012345678>" not in text and "<@&234567890123456789>" not in text
    assert "＠everyone" not in text
    assert reply.kwargs()["allowed_mentions"].to_dict() == {"parse": []}


def test_quote_cannot_break_out_of_its_block_quote():
    reply = render_answer(
        Answer(
            "q",
            Status.ANSWER,
            80.0,
            facts=(fact("t", quote="line one\n**bold** [x](http://evil)\n> nested"),),
        ),
        question_id=1,
    )
    value = reply.embed.fields[0].value
    quote_lines = [line for line in value.splitlines() if not line.startswith("[Read the source]")]
    assert all(line.startswith(">") for line in quote_lines)
    assert "**bold**" not in value and "\\*\\*bold\\*\\*" in value


def test_bad_source_url_gets_no_link_button():
    reply = render_answer(
        Answer("q", Status.ANSWER, 80.0, facts=(fact("t", url="javascript:alert(1)"),)),
        question_id=1,
    )
    assert not [b for b in buttons(reply) if "url" in b]


def test_suggestions_become_pick_buttons():
    answer = Answer(
        "who founded facebook",
        Status.SUGGEST,
        55.0,
        suggestions=tuple(Suggestion(f"Question {n}?", f"fact-{n}", 55.0) for n in range(3)),
    )
    reply = render_answer(answer, question_id=77)
    assert [b["custom_id"] for b in buttons(reply)] == [f"factbot:pick:77:{n}" for n in range(3)]
    assert [b["label"] for b in buttons(reply)] == ["Question 0?", "Question 1?", "Question 2?"]
    assert "Did you mean" in reply.embed.title


def test_unknown_says_so_plainly():
    reply = render_answer(Answer("qwerty", Status.UNKNOWN, 0.0), question_id=3)
    assert "I don't know that one" in reply.embed.description
    assert reply.view is None
