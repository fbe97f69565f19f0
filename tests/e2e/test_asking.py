"""Every way of asking, end to end: the real bot process, the real discord.py, the double."""

from __future__ import annotations

import sqlite3

import pytest

from .harness import allows_no_mentions, buttons, embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

TITLE = "2011 trends: Social media in Japan comes of age"
ARTICLE = "https://www.japantimes.co.jp/life/2012/01/04/lifestyle/2011-trends-social-media-in-japan-comes-of-age/"


def db_rows(bot, sql, params=()):
    conn = sqlite3.connect(bot.db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


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


async def test_mention_gets_a_cited_reply_to_the_question(bot, double):
    ids = double.ids
    question = await double.send_message(
        ids.guild,
        ids.general_channel,
        ids.member,
        f"<@{ids.bot}> how many users does GREE have?",
        mentions=[ids.bot],
    )
    reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    assert reply.message_reference["message_id"] == question["id"]
    assert_cited_answer(reply, "20 million")
    votes = [
        b["custom_id"] for b in buttons(reply) if b.get("custom_id", "").startswith("factbot:vote:")
    ]
    assert len(votes) == 2
    assert any(b.get("emoji", {}).get("name") == "👍" for b in buttons(reply))


async def test_reply_to_an_answer_asks_a_follow_up(bot, double):
    ids = double.ids
    await double.send_message(
        ids.guild,
        ids.general_channel,
        ids.member,
        f"<@{ids.bot}> when did LinkedIn launch in Japan?",
        mentions=[ids.bot],
    )
    answer = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    follow_up = await double.send_message(
        ids.guild,
        ids.general_channel,
        ids.member,
        "and who did LinkedIn partner with?",
        reference_message_id=answer.message_id,
    )
    reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    assert reply.message_reference["message_id"] == follow_up["id"]
    assert_cited_answer(reply, "Digital Garage")


async def test_slash_ask_answers_with_citation(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.member,
        "ask",
        {"question": "How many users did Facebook have in Japan?"},
    )
    reply = await handle.reply(timeout=10)
    assert_cited_answer(reply, "11 million")


async def test_context_menu_answers_the_chosen_message(bot, double):
    ids = double.ids
    target = await double.send_message(
        ids.guild, ids.general_channel, ids.admin, "which anime made twitter explode?"
    )
    handle = await double.context_menu_message(
        ids.guild, ids.general_channel, ids.member, "Ask FactBot", target
    )
    reply = await handle.reply(timeout=10)
    assert_cited_answer(reply, "Laputa")


async def test_unsure_question_offers_buttons_and_a_press_shows_that_answer(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild, ids.general_channel, ids.member, "ask", {"question": "Who founded Facebook?"}
    )
    reply = await handle.reply(timeout=10)
    assert "Did you mean" in embed_text(reply)
    picks = [b for b in buttons(reply) if b.get("custom_id", "").startswith("factbot:pick:")]
    assert 1 <= len(picks) <= 3
    press = await double.press_button(
        ids.guild, ids.general_channel, ids.member, reply, picks[0]["custom_id"]
    )
    chosen = await press.reply(timeout=10)
    assert_cited_answer(chosen, "Facebook")
    assert picks[0]["label"] in chosen.embeds[0]["title"]


async def test_nothing_fits_means_i_dont_know_and_the_question_is_logged(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.member,
        "ask",
        {"question": "What is the capital of France?"},
    )
    reply = await handle.reply(timeout=10)
    assert "I don't know that one" in embed_text(reply)
    assert not reply.embeds[0].get("fields")
    rows = db_rows(
        bot,
        "select status, via, user_hash from question_log where question = ?",
        ["What is the capital of France?"],
    )
    assert rows == [{"status": "unknown", "via": "slash", "user_hash": rows[0]["user_hash"]}]
    assert str(ids.member) not in rows[0]["user_hash"]


async def test_votes_are_stored_once_per_user_and_a_second_click_changes_the_vote(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.member,
        "ask",
        {"question": "What did Nikkei Trendy name Facebook?"},
    )
    answer = await handle.reply(timeout=10)
    up = next(b["custom_id"] for b in buttons(answer) if b.get("custom_id", "").endswith(":up"))
    down = next(b["custom_id"] for b in buttons(answer) if b.get("custom_id", "").endswith(":down"))
    question_id = int(up.split(":")[2])

    first = await (
        await double.press_button(ids.guild, ids.general_channel, ids.member, answer, up)
    ).reply(timeout=10)
    assert first.ephemeral and "recorded" in first.content
    again = await (
        await double.press_button(ids.guild, ids.general_channel, ids.member, answer, up)
    ).reply(timeout=10)
    assert "already" in again.content
    changed = await (
        await double.press_button(ids.guild, ids.general_channel, ids.member, answer, down)
    ).reply(timeout=10)
    assert "Changed" in changed.content
    other = await (
        await double.press_button(ids.guild, ids.general_channel, ids.admin, answer, up)
    ).reply(timeout=10)
    assert "👍 1 · 👎 1" in other.content

    votes = db_rows(
        bot, "select vote from feedback where question_id = ? order by vote", [question_id]
    )
    assert votes == [{"vote": -1}, {"vote": 1}]


async def test_forged_vote_for_another_servers_answer_changes_nothing(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild, ids.general_channel, ids.member, "ask", {"question": "How big is GREE?"}
    )
    answer = await handle.reply(timeout=10)
    up = next(b["custom_id"] for b in buttons(answer) if b.get("custom_id", "").endswith(":up"))
    question_id = int(up.split(":")[2])
    # The same custom_id on a message in another server, pressed by that server's admin.
    forged_target = double.add_message(
        ids.guild2_channel, ids.bot, "forged", components=answer.components
    )
    reply = await (
        await double.press_button(
            ids.guild2, ids.guild2_channel, ids.other_admin, forged_target, up
        )
    ).reply(timeout=10)
    assert reply.ephemeral and "no longer available" in reply.content
    assert db_rows(bot, "select count(*) n from feedback where question_id = ?", [question_id]) == [
        {"n": 0}
    ]


async def test_bot_messages_never_trigger_an_answer(bot, double):
    ids = double.ids
    before = len(double.sent_messages)
    await double.send_message(
        ids.guild, ids.facts_channel, ids.bot, f"<@{ids.bot}> how big is GREE?", mentions=[ids.bot]
    )
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "plain chatter with no mention"
    )
    # A question that must be answered proves the bot has processed the two before it.
    await double.send_message(
        ids.guild,
        ids.facts_channel,
        ids.member,
        f"<@{ids.bot}> how big is GREE?",
        mentions=[ids.bot],
    )
    reply = await double.wait_for_message(channel_id=ids.facts_channel, timeout=10)
    assert "20 million" in embed_text(reply)
    sent_here = [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]
    assert len(sent_here) == 1


async def test_help_explains_how_to_ask_and_what_it_knows(bot, double):
    ids = double.ids
    reply = await (
        await double.slash_command(ids.guild, ids.general_channel, ids.member, "help")
    ).reply(timeout=10)
    text = embed_text(reply)
    assert "/ask" in text and "Ask FactBot" in text and TITLE in text and "curated facts" in text
    sub = await (
        await double.slash_command(ids.guild, ids.general_channel, ids.member, "factbot help")
    ).reply(timeout=10)
    assert TITLE in embed_text(sub)


async def test_every_message_the_bot_sent_allows_no_mentions(bot, double):
    sent = [m for m in double.sent_messages if m.kind in ("channel", "response", "followup")]
    assert sent
    for message in sent:
        assert allows_no_mentions(message.payload.get("allowed_mentions")), message.payload


async def test_token_never_appears_in_the_logs(bot, double):
    assert double.token not in bot.log
