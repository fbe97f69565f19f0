"""/factbot settings: auto-answer channels and the admin role, and who may change them."""

from __future__ import annotations

import pytest

from .harness import embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def settle(asker) -> None:
    """Ask a mention question and wait for its answer: everything sent before it in
    this channel has been handled by then."""
    await asker.mention("how big is GREE?")


async def autoanswer(user, state, channel_id=None):
    channel = channel_id or user.double.ids.facts_channel
    return await user.command("factbot autoanswer", {"channel": channel, "state": state})


def sent_in(double, channel_id: int, since: int) -> list:
    return [m for m in double.sent_messages[since:] if m.channel_id == channel_id]


async def test_plain_member_is_refused_and_nothing_changes(double, users):
    ids = double.ids
    reply = await autoanswer(users.member, "on")
    assert reply.ephemeral and "Only server admins" in reply.content
    before = len(double.sent_messages)
    in_facts = users.member.at(ids.facts_channel)
    await in_facts.say("How many users does GREE have?")
    await settle(in_facts)
    assert len(sent_in(double, ids.facts_channel, before)) == 1  # only the mention was answered


async def test_admin_turns_auto_answer_on_and_questions_get_answers(double, users):
    reply = await autoanswer(users.admin, "on")
    assert reply.ephemeral and "now **on**" in reply.content
    in_facts = users.member.at(double.ids.facts_channel)
    question = await in_facts.say("When did LinkedIn launch in Japan?")
    answer = await in_facts.next_message()
    assert answer.message_reference["message_id"] == question["id"]
    assert "October" in embed_text(answer)


async def test_auto_answer_ignores_chatter_and_unsure_questions(double, users):
    ids = double.ids
    before = len(double.sent_messages)
    in_facts = users.member.at(ids.facts_channel)
    await in_facts.say("good morning everyone, GREE rocks")
    await in_facts.say("Who founded Facebook?")  # not confident
    await in_facts.say("what is the capital of France?")
    await settle(in_facts)
    assert len(sent_in(double, ids.facts_channel, before)) == 1


async def test_auto_answer_turned_off_stops_answering(double, users):
    ids = double.ids
    reply = await autoanswer(users.admin, "off")
    assert "now **off**" in reply.content
    before = len(double.sent_messages)
    in_facts = users.member.at(ids.facts_channel)
    await in_facts.say("When did LinkedIn launch in Japan?")
    await settle(in_facts)
    assert len(sent_in(double, ids.facts_channel, before)) == 1


async def test_role_admin_is_refused_until_an_admin_sets_the_admin_role(double, users):
    keepers = {"role": double.ids.fact_keepers_role}
    refused = await autoanswer(users.role_admin, "on")
    assert "Only server admins" in refused.content
    member_try = await users.member.command("factbot admin-role", keepers)
    assert "Only server admins" in member_try.content

    set_role = await users.admin.command("factbot admin-role", keepers)
    assert set_role.ephemeral and "can now administer" in set_role.content
    allowed = await autoanswer(users.role_admin, "on")
    assert "now **on**" in allowed.content
    await autoanswer(users.role_admin, "off")


async def test_an_admin_is_an_admin_only_in_their_own_server(double, users):
    ids = double.ids
    # `admin` manages guild 1 but is a plain member of guild 2; `other_admin` manages guild 2.
    admin_there = users.admin.at(ids.guild2_channel, ids.guild2)
    refused = await autoanswer(admin_there, "on", ids.guild2_channel)
    assert "Only server admins" in refused.content
    allowed = await autoanswer(users.other_admin, "on", ids.guild2_channel)
    assert "now **on**" in allowed.content
    await autoanswer(users.other_admin, "off", ids.guild2_channel)


async def test_settings_are_stored_per_server(bot, double):
    rows = bot.rows("select guild_id, admin_role_id from guild_settings")
    assert rows == [{"guild_id": double.ids.guild, "admin_role_id": double.ids.fact_keepers_role}]
