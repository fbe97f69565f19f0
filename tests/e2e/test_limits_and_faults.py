"""Odd and oversized content, reconnects and cooldowns, through the real bot."""

from __future__ import annotations

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore
from tests.factories import admin_fact

from .harness import allows_no_mentions, embed_text

HOSTILE = "@everyone @here <@1080000000000000002> <@&1100000000200000001> ＠everyone [click](http://x) ```"


def add_huge_hostile_fact(process) -> None:
    """A 1,000-character admin fact full of mentions in the bot's fact base."""
    store = FactStore.open(process.db_path)
    build(store)
    store.add_fact(
        admin_fact(
            "zebra-crossing-rules",
            ("Zebra crossing rules " + HOSTILE + " ").ljust(1000, "z")[:1000],
            quote=("Quote " + HOSTILE + "\n> nested\n") * 30,
            questions=("What are the zebra crossing rules?",),
            keywords=("zebra crossing",),
            guild_id=process.double.ids.guild,
            citation_note="Server handbook " + HOSTILE,
        ),
        actor="test",
    )
    store.close()


pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    # Users may ask three questions per minute.
    pytest.mark.bot(ask_rate=3, ask_per_seconds=60, prepare=add_huge_hostile_fact),
]


def assert_harmless(message) -> None:
    text = embed_text(message)
    assert "@everyone" not in text and "@here" not in text and "<@1080000000000000002>" not in text
    assert "<@&1100000000200000001>" not in text
    assert allows_no_mentions(message.payload.get("allowed_mentions"))


async def test_huge_hostile_fact_is_shown_within_limits_and_pings_nobody(double, users):
    reply = await users.member.ask("What are the zebra crossing rules?")
    assert "Zebra crossing rules" in embed_text(reply)
    assert_harmless(reply)
    assert double.violations == []


async def test_4000_character_question_gets_a_polite_refusal(users):
    question = ("how many users does gree have " * 140)[:4000] + HOSTILE
    reply = await users.admin.mention(question)
    assert "characters long" in reply.content
    assert_harmless(reply)


async def test_cooldown_sends_one_friendly_note_and_others_are_still_answered(users):
    for _ in range(2):
        await users.admin.ask("How big is GREE?")
    limited = await users.admin.ask("How big is GREE?")
    assert limited.ephemeral and "Try again in" in limited.content
    other = await users.role_admin.ask("How big is GREE?")
    assert "20 million" in embed_text(other)


async def test_bot_resumes_after_the_gateway_drops_and_keeps_answering(double, users):
    await double.drop_connections()
    await double.wait_for_resume(1, timeout=20)
    asker = users.member.at(double.ids.facts_channel)
    assert "October" in embed_text(await asker.mention("when did LinkedIn launch in Japan?"))


async def test_message_sent_while_disconnected_is_answered_after_resume(double, users):
    asker = users.role_admin.at(double.ids.facts_channel)
    await double.drop_connections()
    await asker.post_mention("what did Nikkei Trendy name Facebook?")
    await double.wait_for_resume(2, timeout=20)
    assert "hit product" in embed_text(await asker.next_message())
