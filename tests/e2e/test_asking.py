"""Every way of asking, end to end: the real bot process, the real discord.py, the double."""

from __future__ import annotations

import pytest

from .harness import allows_no_mentions, buttons, custom_ids, embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE = "2011 trends: Social media in Japan comes of age"
ARTICLE = "https://www.japantimes.co.jp/life/2012/01/04/lifestyle/2011-trends-social-media-in-japan-comes-of-age/"


def assert_cited_answer(message, expected: str) -> None:
    text = embed_text(message)
    assert expected in text, text
    embed = message.embeds[0]
    field = embed["fields"][0]
    assert "¶" in field["name"] and TITLE in field["name"]
    assert field["value"].startswith("> “")
    assert "Confidence" in embed["footer"]["text"] and "facts:" in embed["footer"]["text"]
    assert [b["url"] for b in buttons(message) if "url" in b] == [ARTICLE]
    assert allows_no_mentions(message.allowed_mentions)


async def test_mention_gets_a_cited_reply_to_the_question(bot, double, users):
    question = await users.member.post_mention("how many users does GREE have?")
    reply = await users.member.next_message()
    assert reply.message_reference["message_id"] == question["id"]
    assert_cited_answer(reply, "20 million")
    votes = custom_ids(reply, start="factbot:vote:")
    assert len(votes) == 2
    assert any(b.get("emoji", {}).get("name") == "👍" for b in buttons(reply))


async def test_reply_to_an_answer_asks_a_follow_up(bot, double, users):
    answer = await users.member.mention("when did LinkedIn launch in Japan?")
    follow_up = await users.member.reply_to(answer, "and who did LinkedIn partner with?")
    reply = await users.member.next_message()
    assert reply.message_reference["message_id"] == follow_up["id"]
    assert_cited_answer(reply, "Digital Garage")


async def test_slash_ask_answers_with_citation(bot, double, users):
    reply = await users.member.ask("How many users did Facebook have in Japan?")
    assert_cited_answer(reply, "11 million")


async def test_context_menu_answers_the_chosen_message(bot, double, users):
    target = await users.admin.say("which anime made twitter explode?")
    reply = await (await users.member.context_menu("Ask FactBot", target)).reply(timeout=10)
    assert_cited_answer(reply, "Laputa")


async def test_unsure_question_offers_buttons_and_a_press_shows_that_answer(bot, double, users):
    reply = await users.member.ask("Who founded Facebook?")
    assert "Did you mean" in embed_text(reply)
    picks = [b for b in buttons(reply) if b.get("custom_id", "").startswith("factbot:pick:")]
    assert 1 <= len(picks) <= 3
    chosen = await users.member.press(reply, picks[0])
    assert_cited_answer(chosen, "Facebook")
    assert picks[0]["label"] in chosen.embeds[0]["title"]


async def test_nothing_fits_means_i_dont_know_and_the_question_is_logged(bot, double, users):
    ids = double.ids
    reply = await users.member.ask("What is the capital of France?")
    assert "I don't know that one" in embed_text(reply)
    assert not reply.embeds[0].get("fields")
    rows = bot.rows(
        "select status, via, user_hash from question_log where question = ?",
        ["What is the capital of France?"],
    )
    assert rows == [{"status": "unknown", "via": "slash", "user_hash": rows[0]["user_hash"]}]
    assert str(ids.member) not in rows[0]["user_hash"]


async def test_votes_are_stored_once_per_user_and_a_second_click_changes_the_vote(
    bot, double, users
):
    member = users.member
    answer = await member.ask("What did Nikkei Trendy name Facebook?")
    (up,) = custom_ids(answer, end=":up")
    (down,) = custom_ids(answer, end=":down")
    question_id = int(up.split(":")[2])

    first = await member.press(answer, up)
    assert first.ephemeral and "recorded" in first.content
    again = await member.press(answer, up)
    assert "already" in again.content
    changed = await member.press(answer, down)
    assert "Changed" in changed.content
    other = await users.admin.press(answer, up)
    assert "👍 1 · 👎 1" in other.content

    votes = bot.rows("select vote from feedback where question_id = ? order by vote", [question_id])
    assert votes == [{"vote": -1}, {"vote": 1}]


async def test_forged_vote_for_another_servers_answer_changes_nothing(bot, double, users):
    ids = double.ids
    answer = await users.member.ask("How big is GREE?")
    (up,) = custom_ids(answer, end=":up")
    question_id = int(up.split(":")[2])
    # The same custom_id on a message in another server, pressed by that server's admin.
    forged_target = double.add_message(
        ids.guild2_channel, ids.bot, "forged", components=answer.components
    )
    reply = await users.other_admin.press(forged_target, up)
    assert reply.ephemeral and "no longer available" in reply.content
    assert bot.count("select count(*) from feedback where question_id = ?", [question_id]) == 0


async def test_bot_messages_never_trigger_an_answer(bot, double, users):
    ids = double.ids
    before = len(double.sent_messages)
    the_bot = users.user(ids.bot, ids.guild, ids.facts_channel)
    member = users.member.at(ids.facts_channel)
    await the_bot.post_mention("how big is GREE?")
    await member.say("plain chatter with no mention")
    # A question that must be answered proves the bot has processed the two before it.
    reply = await member.mention("how big is GREE?")
    assert "20 million" in embed_text(reply)
    sent_here = [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]
    assert len(sent_here) == 1


async def test_help_explains_how_to_ask_and_what_it_knows(bot, double, users):
    text = embed_text(await users.member.command("help"))
    assert "/ask" in text and "Ask FactBot" in text and TITLE in text and "curated facts" in text
    sub = await users.member.command("factbot help")
    assert TITLE in embed_text(sub)


async def test_every_message_the_bot_sent_allows_no_mentions(bot, double):
    sent = [m for m in double.sent_messages if m.kind in ("channel", "response", "followup")]
    assert sent
    for message in sent:
        assert allows_no_mentions(message.payload.get("allowed_mentions")), message.payload


async def test_token_never_appears_in_the_logs(bot, double):
    assert double.token not in bot.log
