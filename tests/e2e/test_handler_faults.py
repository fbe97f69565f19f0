"""A bug inside a handler costs one user one apology, never the bot.

The bot runs through `tests.e2e.faulty_bot`, which makes chosen project functions
raise on a trigger (see that module). Each test sets one off, checks that this user
gets a short apology (private for interactions; a reply pinging nobody for a
message), that the traceback is logged once, and that the next user is answered.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from bot.errors import APOLOGY

from .faulty_bot import BOOM, FAULT, FAULTY_GUILD, UNLUCKY
from .harness import BotProcess, allows_no_mentions, buttons, embed_text, fill

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONFIG = "[bot]\nask_rate = 1000\nask_per_seconds = 1\nsync_commands_on_start = true\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(double, tmp_path_factory):
    double.add_member(double.ids.guild, UNLUCKY, "unlucky")
    process = BotProcess(
        double, tmp_path_factory.mktemp("faulty"), CONFIG, module="tests.e2e.faulty_bot"
    )
    await process.start()
    yield process
    code = await process.stop()
    assert code in (0, -15), process.log
    # Every traceback in the log is one of the planted faults.
    assert process.log.count("Traceback") == process.log.count(f"RuntimeError: {FAULT}")


async def logged_once(bot, since: int, where: str) -> None:
    """The fault in `where` is logged exactly once, with its traceback, after line `since`."""
    line = f"RuntimeError: {FAULT} in {where}"
    for _ in range(50):
        if line in "\n".join(bot.output[since:]):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)  # time for a second copy to show up, if there were one
    new = "\n".join(bot.output[since:])
    assert new.count(line) == 1, new
    assert new.count("Traceback") == 1, new


def assert_private_apology(reply) -> None:
    assert reply.ephemeral, reply
    assert reply.content == APOLOGY
    assert BOOM not in reply.content and FAULT not in reply.content


async def ask(double, user, question, guild=None, channel=None):
    ids = double.ids
    handle = await double.slash_command(
        guild or ids.guild, channel or ids.general_channel, user, "ask", {"question": question}
    )
    return await handle.reply(timeout=10)


async def test_slash_ask_retrieval_fault_gets_a_private_apology(bot, double):
    ids = double.ids
    since = len(bot.output)
    reply = await ask(double, ids.member, f"How big is GREE? {BOOM}")
    assert_private_apology(reply)
    await logged_once(bot, since, "retrieval")
    assert "20 million" in embed_text(await ask(double, ids.admin, "How big is GREE?"))


async def test_context_menu_retrieval_fault_gets_a_private_apology(bot, double):
    ids = double.ids
    target = await double.send_message(
        ids.guild, ids.general_channel, ids.admin, f"which anime made twitter explode? {BOOM}"
    )
    since = len(bot.output)
    handle = await double.context_menu_message(
        ids.guild, ids.general_channel, ids.member, "Ask FactBot", target
    )
    assert_private_apology(await handle.reply(timeout=10))
    await logged_once(bot, since, "retrieval")
    assert "Laputa" in embed_text(await ask(double, ids.admin, "which anime made twitter explode?"))


async def test_mention_fault_gets_a_short_reply_that_pings_nobody(bot, double):
    ids = double.ids
    since = len(bot.output)
    question = await double.send_message(
        ids.guild,
        ids.general_channel,
        ids.member,
        f"<@{ids.bot}> how many users does GREE have? {BOOM}",
        mentions=[ids.bot],
    )
    reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    assert reply.message_reference["message_id"] == question["id"]
    assert reply.content == APOLOGY and not reply.embeds
    assert allows_no_mentions(reply.payload.get("allowed_mentions"))
    await logged_once(bot, since, "retrieval")
    await double.send_message(
        ids.guild,
        ids.general_channel,
        ids.admin,
        f"<@{ids.bot}> how many users does GREE have?",
        mentions=[ids.bot],
    )
    answer = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    assert "20 million" in embed_text(answer)


async def test_auto_answer_fault_is_logged_and_stays_silent(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.admin,
        "factbot autoanswer",
        {"channel": ids.facts_channel, "state": "on"},
    )
    assert "now **on**" in (await handle.reply(timeout=10)).content
    since = len(bot.output)
    await double.send_message(
        ids.guild, ids.facts_channel, ids.member, f"When did LinkedIn launch in Japan? {BOOM}"
    )
    await logged_once(bot, since, "retrieval")
    question = await double.send_message(
        ids.guild, ids.facts_channel, ids.admin, "When did LinkedIn launch in Japan?"
    )
    answer = await double.wait_for_message(channel_id=ids.facts_channel, timeout=10)
    assert answer.message_reference["message_id"] == question["id"]  # nothing came before it
    assert "October" in embed_text(answer)


async def test_stats_fault_gets_a_private_apology_without_a_public_thinking_message(bot, double):
    ids = double.ids
    since = len(bot.output)
    handle = await double.slash_command(FAULTY_GUILD, ids.guild2_channel, ids.member, "stats", {})
    callback = await handle.response(timeout=10)
    assert callback.type == 4 and callback.ephemeral and callback.content == APOLOGY
    await logged_once(bot, since, "/stats")
    other = await double.slash_command(ids.guild, ids.general_channel, ids.admin, "stats", {})
    reply = await other.reply(timeout=15)
    assert "FactBot usage" in embed_text(reply) and not reply.ephemeral


async def test_slow_stats_show_thinking_and_then_the_answer(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild, ids.general_channel, ids.owner, "stats", {"scope": "all"}
    )
    callback = await handle.response(timeout=10)
    assert callback.type == 5 and not callback.ephemeral  # deferred: "FactBot is thinking…"
    reply = await handle.reply(timeout=15)
    assert "FactBot usage — all servers" in embed_text(reply) and not reply.ephemeral


async def test_fact_show_fault_gets_a_private_apology(bot, double):
    ids = double.ids
    since = len(bot.output)
    handle = await double.slash_command(
        ids.guild, ids.general_channel, ids.admin, "fact show", {"fact_id": "boom"}
    )
    assert_private_apology(await handle.reply(timeout=10))
    await logged_once(bot, since, "/fact show")
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.admin,
        "fact show",
        {"fact_id": "gree-mobage-town-over-20-million-users-each"},
    )
    assert "20 million" in embed_text(await handle.reply(timeout=10))


async def test_vote_button_fault_gets_a_private_apology(bot, double):
    ids = double.ids
    answer = await ask(double, ids.member, "How big is GREE?")
    up = next(b["custom_id"] for b in buttons(answer) if b.get("custom_id", "").endswith(":up"))
    since = len(bot.output)
    press = await double.press_button(ids.guild, ids.general_channel, UNLUCKY, answer, up)
    assert_private_apology(await press.reply(timeout=10))
    await logged_once(bot, since, "the vote button")
    press = await double.press_button(ids.guild, ids.general_channel, ids.member, answer, up)
    assert "recorded" in (await press.reply(timeout=10)).content


async def test_did_you_mean_button_fault_gets_a_private_apology(bot, double):
    ids = double.ids
    unsure = await ask(double, ids.member, "Who founded Facebook?")
    pick = next(b for b in buttons(unsure) if b.get("custom_id", "").startswith("factbot:pick:"))
    since = len(bot.output)
    press = await double.press_button(
        ids.guild, ids.general_channel, UNLUCKY, unsure, pick["custom_id"]
    )
    assert_private_apology(await press.reply(timeout=10))
    await logged_once(bot, since, "the did-you-mean button")
    press = await double.press_button(
        ids.guild, ids.general_channel, ids.member, unsure, pick["custom_id"]
    )
    assert pick["label"] in (await press.reply(timeout=10)).embeds[0]["title"]


async def test_fact_form_fault_gets_a_private_apology(bot, double):
    ids = double.ids

    async def submit(text: str):
        opened = await double.slash_command(ids.guild, ids.general_channel, ids.admin, "fact add")
        form = await opened.response(timeout=10)
        fields = fill(form, fact=text, source="https://example.org/club Club calendar")
        handle = await double.submit_modal(
            ids.guild, ids.general_channel, ids.admin, form.data["custom_id"], fields
        )
        return await handle.reply(timeout=10)

    since = len(bot.output)
    assert_private_apology(await submit(f"The club's piano is tuned every May. {BOOM}"))
    await logged_once(bot, since, "the fact form")
    assert (await submit("The club's piano is tuned every May.")).content.startswith("Added `")
    answer = await ask(double, ids.member, "When is the club's piano tuned?")
    assert "every May" in embed_text(answer)
