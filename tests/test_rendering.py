"""Rendering answers as real discord.py embeds and views: limits and mention safety."""

from __future__ import annotations

import pytest

from bot import discord_text
from bot.rendering import render_answer, render_response
from knowledge.models import (
    Answer,
    Citation,
    Fact,
    Response,
    ResponseKind,
    ScoredFact,
    Status,
    Suggestion,
)
from tests.discord_safety import (
    BARE_LINK,
    WORKING_LINK,
    assert_within_limits,
    reply_text,
    working_mentions,
)
from tests.discord_safety import reply_buttons as buttons

MASS = "@everyone @here <@123456789012345678> <@&234567890123456789> ＠everyone @\u200deveryone"


def fact(
    text: str, quote: str = "a quote", url: str = "https://example.com/a", n: int = 1
) -> ScoredFact:
    return ScoredFact(
        Fact(id=f"fact-{n}", text=text, source_id="src", paragraph=2, quote=quote),
        90.0,
        Citation("Title " * 80, "Publisher", "2012-01-04", 2, quote, url),
    )


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
    text = reply_text(reply)
    assert working_mentions(text) == []
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


DISGUISED = [
    "@everyone",
    "@here",
    "@EveryOne",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&234567890123456789>",
    "<@42>",  # short ids render as mentions too
    "＠everyone",  # full-width at sign
    "﹫here",  # small at sign
    "@\u200deveryone",  # zero-width joiner
    "@\u2060here",  # word joiner
    "\u200b@\ufeffeveryone",  # zero-width space and BOM around it
    "<@\u200d123456789012345678>",
    "@\u202eeveryone",  # right-to-left override
]


@pytest.mark.parametrize("text", DISGUISED)
def test_no_disguise_survives_defusing(text):
    for safe in (
        discord_text.defuse(text),
        discord_text.safe_text(text, 100),
        discord_text.quote_block(text, 100),
    ):
        assert working_mentions(safe) == [], repr(safe)
        assert "\u200d" not in safe and "\u2060" not in safe and "\u202e" not in safe


def test_defusing_is_idempotent_and_leaves_other_text_alone():
    once = discord_text.defuse("ask @everyone at a@b.com 👨‍👩‍👧")
    assert discord_text.defuse(once) == once
    assert "a@b.com" in once and "👨‍👩‍👧" in once  # joiners inside emoji are kept


@pytest.mark.parametrize(
    "text",
    [
        "[click](http://evil.example)",
        "see [a](http://b.example) and [c](http://d.example)",
        "[outer [inner](http://evil.example)",
        "\\[x](http://evil.example)",
        "\\\\[x](http://evil.example)",
        "[x](<http://evil.example>)",
    ],
)
def test_masked_links_in_user_text_do_not_render_as_links(text):
    reply = render_answer(
        Answer(text, Status.ANSWER, 80.0, facts=(fact(text, quote=text, url=""),)),
        question_id=1,
    )
    assert WORKING_LINK.findall(reply_text(reply)) == []


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b"])
def test_no_line_break_closes_the_block_quote(newline):
    quote = f"first{newline}**bold**{newline}# heading{newline}```{newline}@everyone"
    value = (
        render_answer(
            Answer("q", Status.ANSWER, 80.0, facts=(fact("t", quote=quote, url=""),)), question_id=1
        )
        .embed.fields[0]
        .value
    )
    assert all(line.startswith(">") for line in value.split("\n"))
    assert "**bold**" not in value and "```" not in value and working_mentions(value) == []


LINKS = [
    "see https://evil.example/x",
    "<https://evil.example/angle>",
    "[the forum](https://evil.example/forum)",
    "HTTP://EVIL.EXAMPLE",
    "steam://run/1 and discord://x",
]


@pytest.mark.parametrize("text", LINKS)
def test_links_in_fact_text_quotes_and_questions_are_never_clickable(text):
    own = "https://example.com/a"
    reply = render_answer(
        Answer(text, Status.ANSWER, 80.0, facts=(fact(text, quote=text), fact(text, n=2))),
        question_id=1,
    )
    shown = reply_text(reply).replace(f"]({own})", "]")
    assert BARE_LINK.findall(shown) == [], shown
    assert f"[Read the source]({own})" in reply_text(reply)  # the citation stays a link
    for safe in (
        discord_text.defuse(text),
        discord_text.safe_text(text, 200),
        discord_text.quote_block(text, 200),
    ):
        assert BARE_LINK.findall(safe) == [] and "//" in safe  # the text stays readable


def test_small_talk_is_plain_text_with_a_defused_example_and_no_fact():
    reply = render_response(
        Response(ResponseKind.SMALL_TALK, small_talk="Hi!", example=f"{MASS} when is it?")
    )
    assert reply.embed is None and reply.content.startswith("Hi!\nTry asking, for example: “")
    assert working_mentions(reply_text(reply)) == []
    assert_within_limits(reply)


def test_a_follow_up_shows_the_question_whose_context_it_used_defused_and_clipped():
    answer = Answer("and mixi?", Status.ANSWER, 90.0, facts=(fact("Mixi had 8.4 million."),))
    context = f"{MASS} how many users did facebook have? " * 20
    reply = render_response(Response(ResponseKind.ANSWER, answer=answer, context_question=context))
    author = reply.embed.to_dict()["author"]["name"]
    assert author.startswith("↪ following up on: ") and len(author) <= discord_text.FIELD_NAME
    assert working_mentions(author) == []
    assert_within_limits(reply)
