"""A bug inside a handler costs one user one apology, never the bot.

The bot runs through `tests.e2e.faulty_bot`, which makes chosen project functions
raise on a trigger (see that module). Each test sets one off, checks that this user
gets a short apology (private for interactions; a reply pinging nobody for a
message), that the traceback is logged once, and that the next user is answered.
"""

from __future__ import annotations

import pytest

from bot.errors import APOLOGY

from .faulty_bot import BOOM, FAULT, FAULTY_GUILD, SLOW, UNLUCKY
from .harness import allows_no_mentions, buttons, custom_ids, embed_text


def add_unlucky(double) -> None:
    double.add_member(double.ids.guild, UNLUCKY, "unlucky")


def only_planted_tracebacks(process) -> None:
    """Every traceback in the log is one of the planted faults."""
    assert process.log.count("Traceback") == process.log.count(f"RuntimeError: {FAULT}")


pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.double(prepare=add_unlucky),
    pytest.mark.bot(module="tests.e2e.faulty_bot", check_log=only_planted_tracebacks),
]


async def logged_once(bot, since: int, where: str) -> None:
    """The fault in `where` is logged exactly once, with its traceback, after line `since`."""
    line = f"RuntimeError: {FAULT} in {where}"
    new = await bot.log_since(since, line)
    assert new.count(line) == 1, new
    assert new.count("Traceback") == 1, new


def assert_private_apology(reply) -> None:
    assert reply.ephemeral, reply
    assert reply.content == APOLOGY
    assert BOOM not in reply.content and FAULT not in reply.content


async def test_slash_ask_retrieval_fault_gets_a_private_apology(bot, users):
    since = len(bot.output)
    assert_private_apology(await users.member.ask(f"How big is GREE {BOOM}?"))
    await logged_once(bot, since, "retrieval")
    assert "20 million" in embed_text(await users.admin.ask("How big is GREE?"))


async def test_context_menu_retrieval_fault_gets_a_private_apology(bot, users):
    target = await users.admin.say(f"which anime made twitter explode {BOOM}?")
    since = len(bot.output)
    handle = await users.member.context_menu("Ask FactBot", target)
    assert_private_apology(await handle.reply(timeout=10))
    await logged_once(bot, since, "retrieval")
    assert "Laputa" in embed_text(await users.admin.ask("which anime made twitter explode?"))


async def test_mention_fault_gets_a_short_reply_that_pings_nobody(bot, users):
    since = len(bot.output)
    question = await users.member.post_mention(f"how many users does GREE have {BOOM}?")
    reply = await users.member.next_message()
    assert reply.message_reference["message_id"] == question["id"]
    assert reply.content == APOLOGY and not reply.embeds
    assert allows_no_mentions(reply.payload.get("allowed_mentions"))
    await logged_once(bot, since, "retrieval")
    answer = await users.admin.mention("how many users does GREE have?")
    assert "20 million" in embed_text(answer)


async def test_auto_answer_fault_is_logged_and_stays_silent(bot, double, users):
    facts = double.ids.facts_channel
    reply = await users.admin.command("factbot autoanswer", {"channel": facts, "state": "on"})
    assert "now **on**" in reply.content
    since = len(bot.output)
    await users.member.at(facts).say(f"When did LinkedIn launch in Japan {BOOM}?")
    await logged_once(bot, since, "retrieval")
    admin = users.admin.at(facts)
    question = await admin.say("When did LinkedIn launch in Japan?")
    answer = await admin.next_message()
    assert answer.message_reference["message_id"] == question["id"]  # nothing came before it
    assert "October" in embed_text(answer)


async def test_stats_fault_gets_a_private_apology_without_a_public_thinking_message(
    bot, double, users
):
    since = len(bot.output)
    in_faulty_guild = users.member.at(double.ids.guild2_channel, FAULTY_GUILD)
    callback = await (await in_faulty_guild.slash("stats")).response(timeout=10)
    assert callback.type == 4 and callback.ephemeral and callback.content == APOLOGY
    await logged_once(bot, since, "/stats")
    reply = await users.admin.command("stats", timeout=15)
    assert "FactBot usage" in embed_text(reply) and not reply.ephemeral


async def test_slow_stats_show_thinking_and_then_the_answer(users):
    handle = await users.owner.slash("stats", {"scope": "all"})
    callback = await handle.response(timeout=10)
    assert callback.type == 5 and not callback.ephemeral  # deferred: "FactBot is thinking…"
    reply = await handle.reply(timeout=15)
    assert "FactBot usage — all servers" in embed_text(reply) and not reply.ephemeral


async def test_slow_ask_shows_thinking_and_then_the_answer(users):
    handle = await users.member.slash("ask", {"question": f"How big is GREE? {SLOW}"})
    callback = await handle.response(timeout=10)
    assert callback.type == 5 and not callback.ephemeral  # deferred within the window
    reply = await handle.reply(timeout=15)
    assert "20 million" in embed_text(reply) and not reply.ephemeral


async def test_fact_show_fault_gets_a_private_apology(bot, users):
    since = len(bot.output)
    assert_private_apology(await users.admin.command("fact show", {"fact_id": "boom"}))
    await logged_once(bot, since, "/fact show")
    shown = await users.admin.command(
        "fact show", {"fact_id": "gree-mobage-town-over-20-million-users-each"}
    )
    assert "20 million" in embed_text(shown)


async def test_vote_button_fault_gets_a_private_apology(bot, users):
    answer = await users.member.ask("How big is GREE?")
    (up,) = custom_ids(answer, end=":up")
    since = len(bot.output)
    assert_private_apology(await users.user(UNLUCKY).press(answer, up))
    await logged_once(bot, since, "the vote button")
    assert "recorded" in (await users.member.press(answer, up)).content


async def test_did_you_mean_button_fault_gets_a_private_apology(bot, users):
    unsure = await users.member.ask("Who founded Facebook?")
    pick = next(b for b in buttons(unsure) if b.get("custom_id", "").startswith("factbot:pick:"))
    since = len(bot.output)
    assert_private_apology(await users.user(UNLUCKY).press(unsure, pick))
    await logged_once(bot, since, "the did-you-mean button")
    assert pick["label"] in (await users.member.press(unsure, pick)).embeds[0]["title"]


async def test_fact_form_fault_gets_a_private_apology(bot, users):
    async def submit(text: str):
        return await users.admin.add_fact(
            fact=text, source="https://example.org/club Club calendar"
        )

    since = len(bot.output)
    assert_private_apology(await submit(f"The club's piano is tuned every May. {BOOM}"))
    await logged_once(bot, since, "the fact form")
    assert (await submit("The club's piano is tuned every May.")).content.startswith("Added `")
    answer = await users.member.ask("When is the club's piano tuned?")
    assert "every May" in embed_text(answer)
