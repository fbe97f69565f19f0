"""Odd and oversized content, reconnects and cooldowns, through the real bot."""

from __future__ import annotations

import pytest
import pytest_asyncio

from knowledge.curation.build import build
from knowledge.models import Fact
from knowledge.store import FactStore

from .harness import BotProcess, allows_no_mentions, embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOSTILE = "@everyone @here <@1080000000000000002> <@&1100000000200000001> ＠everyone [click](http://x) ```"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(double, tmp_path_factory):
    """A bot whose fact base holds a 1,000-character admin fact full of mentions, and
    whose users may ask three questions per minute."""
    workdir = tmp_path_factory.mktemp("limits")
    process = BotProcess(
        double,
        workdir,
        "[bot]\nask_rate = 3\nask_per_seconds = 60\nsync_commands_on_start = true\n",
    )
    store = FactStore.open(process.db_path)
    build(store)
    store.add_fact(
        Fact(
            id="zebra-crossing-rules",
            text=("Zebra crossing rules " + HOSTILE + " ").ljust(1000, "z")[:1000],
            source_id=None,
            paragraph=None,
            quote=("Quote " + HOSTILE + "\n> nested\n") * 30,
            questions=("What are the zebra crossing rules?",),
            keywords=("zebra crossing",),
            origin="admin",
            guild_id=double.ids.guild,
            citation_note="Server handbook " + HOSTILE,
        ),
        actor="test",
    )
    store.close()
    await process.start()
    yield process
    await process.stop()
    assert double.token not in process.log


def assert_harmless(message) -> None:
    text = embed_text(message)
    assert "@everyone" not in text and "@here" not in text and "<@1080000000000000002>" not in text
    assert "<@&1100000000200000001>" not in text
    assert allows_no_mentions(message.payload.get("allowed_mentions"))


async def test_huge_hostile_fact_is_shown_within_limits_and_pings_nobody(bot, double):
    ids = double.ids
    handle = await double.slash_command(
        ids.guild,
        ids.general_channel,
        ids.member,
        "ask",
        {"question": "What are the zebra crossing rules?"},
    )
    reply = await handle.reply(timeout=10)
    assert "Zebra crossing rules" in embed_text(reply)
    assert_harmless(reply)
    assert double.violations == []


async def test_4000_character_question_gets_a_polite_refusal(bot, double):
    ids = double.ids
    question = ("how many users does gree have " * 140)[:4000] + HOSTILE
    await double.send_message(
        ids.guild, ids.general_channel, ids.admin, f"<@{ids.bot}> {question}", mentions=[ids.bot]
    )
    reply = await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
    assert "characters long" in reply.content
    assert_harmless(reply)


async def test_cooldown_sends_one_friendly_note_and_others_are_still_answered(bot, double):
    ids = double.ids
    for _ in range(2):
        await (
            await double.slash_command(
                ids.guild, ids.general_channel, ids.admin, "ask", {"question": "How big is GREE?"}
            )
        ).reply(timeout=10)
    limited = await (
        await double.slash_command(
            ids.guild, ids.general_channel, ids.admin, "ask", {"question": "How big is GREE?"}
        )
    ).reply(timeout=10)
    assert limited.ephemeral and "Try again in" in limited.content
    other = await (
        await double.slash_command(
            ids.guild, ids.general_channel, ids.role_admin, "ask", {"question": "How big is GREE?"}
        )
    ).reply(timeout=10)
    assert "20 million" in embed_text(other)


async def test_bot_resumes_after_the_gateway_drops_and_keeps_answering(bot, double):
    ids = double.ids
    await double.drop_connections()
    await double.wait_for_resume(1, timeout=20)
    await double.send_message(
        ids.guild,
        ids.facts_channel,
        ids.member,
        f"<@{ids.bot}> when did LinkedIn launch in Japan?",
        mentions=[ids.bot],
    )
    reply = await double.wait_for_message(channel_id=ids.facts_channel, timeout=10)
    assert "October" in embed_text(reply)


async def test_message_sent_while_disconnected_is_answered_after_resume(bot, double):
    ids = double.ids
    await double.drop_connections()
    await double.send_message(
        ids.guild,
        ids.facts_channel,
        ids.role_admin,
        f"<@{ids.bot}> what did Nikkei Trendy name Facebook?",
        mentions=[ids.bot],
    )
    await double.wait_for_resume(2, timeout=20)
    reply = await double.wait_for_message(channel_id=ids.facts_channel, timeout=10)
    assert "hit product" in embed_text(reply)
