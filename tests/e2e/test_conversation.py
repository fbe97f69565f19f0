"""Whole messages end to end: the real bot process, the real discord.py, the
double. Two questions at once, follow-ups (never across people), small talk
(silent in auto-answer channels), and Discord syntax around a question."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from .harness import allows_no_mentions, embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

FACEBOOK = "how many users did facebook have in japan according to nielsen?"


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def auto_answer_in_facts(users):
    """#facts answers without a mention."""
    await users.admin.command(
        "factbot autoanswer", {"channel": users.double.ids.facts_channel, "state": "on"}
    )


def fact_ids(message) -> str:
    return message.embeds[0]["footer"]["text"]


def followed_up_on(message) -> str:
    return message.embeds[0].get("author", {}).get("name", "") if message.embeds else ""


async def test_two_questions_in_one_message_get_both_answers(users):
    reply = await users.member.mention(
        "hey quick q. how big is GREE? and when did LinkedIn launch in Japan?"
    )
    text = embed_text(reply)
    assert "20 million" in text and "October 2011" in text
    assert len(reply.embeds[0]["fields"]) <= 3
    assert allows_no_mentions(reply.allowed_mentions)


async def test_a_follow_up_is_answered_in_the_same_persons_context(users):
    await users.member.mention(FACEBOOK)
    reply = await users.member.mention("and mixi?")
    assert "nielsen-mixi-8-4-million-active-users" in fact_ids(reply)
    assert "following up on" in followed_up_on(reply) and "facebook" in followed_up_on(reply)


async def test_a_reply_to_an_answer_follows_up_on_its_question(users):
    answer = await users.member.mention("who owns Mobage Town?")
    posted = await users.member.reply_to(answer, "where has it been buying companies?")
    reply = await users.member.answer_to(posted)
    assert "dena-international-acquisitions" in fact_ids(reply)
    assert "who owns Mobage Town" in followed_up_on(reply)


async def test_a_follow_up_from_someone_else_does_not_use_the_first_persons_context(users):
    first = await users.member.mention("when did LinkedIn launch in Japan?")
    assert "October 2011" in embed_text(first)
    reply = await users.role_admin.mention("who did they partner with?")
    assert followed_up_on(reply) == ""
    assert reply.embeds[0]["title"].startswith("I'm not sure")  # no context: a guess at best
    own = await users.member.mention("who did they partner with?")
    assert "Digital Garage" in embed_text(own) and "LinkedIn" in followed_up_on(own)


@pytest.mark.parametrize("message", ["thanks!!", "hi", "what can u do", "good bot"])
async def test_small_talk_gets_a_friendly_reply_with_an_example_and_no_fact(users, message):
    reply = await users.member.mention(message)
    assert reply.embeds == [] and "Try asking, for example: “" in reply.content
    assert "don't know" not in reply.content.casefold()
    assert allows_no_mentions(reply.allowed_mentions)


async def test_small_talk_in_an_auto_answer_channel_gets_no_reply(users, double):
    here = users.member.at(double.ids.facts_channel)
    chatter = [await here.say(text) for text in ("thanks!!", "lol ok", "good morning everyone")]
    question = await here.say("How big is GREE?")
    answer = await here.answer_to(question)
    assert "20 million" in embed_text(answer)
    await asyncio.sleep(0.5)
    answered = {str((m.message_reference or {}).get("message_id")) for m in double.sent_messages}
    assert not answered & {c["id"] for c in chatter}


@pytest.mark.parametrize(
    "wrapped",
    [
        "@everyone how big is **GREE**? <:pog:112233445566>",
        "<@&{role}> <#{channel}> how big is GREE? https://example.com/x 🎉",
        "[see here](https://evil.example/) how big is __GREE__? <https://example.com>",
        "@every\u200bone ||how big is GREE?||",
    ],
)
async def test_a_question_wrapped_in_discord_syntax_gets_the_same_answer(users, double, wrapped):
    plain = await users.owner.mention("how big is GREE?")
    ids = double.ids
    message = wrapped.format(role=ids.guild, channel=ids.general_channel)
    reply = await users.owner.mention(message)
    assert fact_ids(reply) == fact_ids(plain)
    assert allows_no_mentions(reply.allowed_mentions)
