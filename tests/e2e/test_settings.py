"""/factbot settings: auto-answer channels and the admin role, and who may change them."""

from __future__ import annotations

import sqlite3

import pytest

from .harness import embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def settle(double, channel_id, user_id, bot_id):
    """Ask a mention question and wait for its answer: everything sent before it in
    this channel has been handled by then."""
    await double.send_message(
        double.ids.guild, channel_id, user_id, f"<@{bot_id}> how big is GREE?", mentions=[bot_id]
    )
    await double.wait_for_message(channel_id=channel_id, timeout=10)


async def autoanswer(double, user_id, state, channel_id=None):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        user_id,
        "factbot autoanswer",
        {"channel": channel_id or ids.facts_channel, "state": state},
    )
    return await handle.reply(timeout=10)


async def test_plain_member_is_refused_and_nothing_changes(bot, double):
    ids = double.ids
    reply = await autoanswer(double, ids.member, "on")
    assert reply.ephemeral and "Only server admins" in reply.content
    before = len(double.sent_messages)
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "How many users does GREE have?"
    )
    await settle(double, ids.facts_channel, ids.member, ids.bot)
    answers = [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]
    assert len(answers) == 1  # only the mention was answered


async def test_admin_turns_auto_answer_on_and_questions_get_answers(bot, double):
    ids = double.ids
    reply = await autoanswer(double, ids.admin, "on")
    assert reply.ephemeral and "now **on**" in reply.content
    question = await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "When did LinkedIn launch in Japan?"
    )
    answer = await double.wait_for_message(channel_id=ids.facts_channel, timeout=10)
    assert answer.message_reference["message_id"] == question["id"]
    assert "October" in embed_text(answer)


async def test_auto_answer_ignores_chatter_and_unsure_questions(bot, double):
    ids = double.ids
    before = len(double.sent_messages)
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "good morning everyone, GREE rocks"
    )
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "Who founded Facebook?"
    )  # not confident
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "what is the capital of France?"
    )
    await settle(double, ids.facts_channel, ids.member, ids.bot)
    answers = [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]
    assert len(answers) == 1


async def test_auto_answer_turned_off_stops_answering(bot, double):
    ids = double.ids
    reply = await autoanswer(double, ids.admin, "off")
    assert "now **off**" in reply.content
    before = len(double.sent_messages)
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, "When did LinkedIn launch in Japan?"
    )
    await settle(double, ids.facts_channel, ids.member, ids.bot)
    assert len([m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]) == 1


async def test_role_admin_is_refused_until_an_admin_sets_the_admin_role(bot, double):
    ids = double.ids
    refused = await autoanswer(double, ids.role_admin, "on")
    assert "Only server admins" in refused.content
    member_try = await (
        await double.slash_command(
            ids.guild,
            ids.general_channel,
            ids.member,
            "factbot admin-role",
            {"role": ids.fact_keepers_role},
        )
    ).reply(timeout=10)
    assert "Only server admins" in member_try.content

    set_role = await (
        await double.slash_command(
            ids.guild,
            ids.general_channel,
            ids.admin,
            "factbot admin-role",
            {"role": ids.fact_keepers_role},
        )
    ).reply(timeout=10)
    assert set_role.ephemeral and "can now administer" in set_role.content
    allowed = await autoanswer(double, ids.role_admin, "on")
    assert "now **on**" in allowed.content
    await autoanswer(double, ids.role_admin, "off")


async def test_an_admin_is_an_admin_only_in_their_own_server(bot, double):
    ids = double.ids
    # `admin` manages guild 1 but is a plain member of guild 2; `other_admin` manages guild 2.
    refused = await (
        await double.slash_command(
            ids.guild2,
            ids.guild2_channel,
            ids.admin,
            "factbot autoanswer",
            {"channel": ids.guild2_channel, "state": "on"},
        )
    ).reply(timeout=10)
    assert "Only server admins" in refused.content
    allowed = await (
        await double.slash_command(
            ids.guild2,
            ids.guild2_channel,
            ids.other_admin,
            "factbot autoanswer",
            {"channel": ids.guild2_channel, "state": "on"},
        )
    ).reply(timeout=10)
    assert "now **on**" in allowed.content
    await (
        await double.slash_command(
            ids.guild2,
            ids.guild2_channel,
            ids.other_admin,
            "factbot autoanswer",
            {"channel": ids.guild2_channel, "state": "off"},
        )
    ).reply(timeout=10)


async def test_settings_are_stored_per_server(bot, double):
    rows = (
        sqlite3.connect(bot.db_path)
        .execute("select guild_id, admin_role_id from guild_settings")
        .fetchall()
    )
    assert rows == [(double.ids.guild, double.ids.fact_keepers_role)]
