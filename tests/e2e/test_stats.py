"""/stats counts what was really asked, and attaches a chart."""

from __future__ import annotations

import struct

import pytest

from .harness import embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_stats_match_the_questions_asked(users):
    member = users.member
    for question in ("How big is GREE?", "How big is GREE?", "When did LinkedIn launch in Japan?"):
        await member.ask(question)
    await member.ask("Who founded Facebook?")  # suggest
    unknown = await member.ask("What is the capital of France?")
    assert "I don't know" in embed_text(unknown)
    await users.admin.ask("what is the capital of france?")
    # Another server's questions are not counted in this server.
    await users.other_admin.ask("How big is GREE?")

    reply = await member.command("stats", timeout=15)
    text = embed_text(reply)
    assert "6 total · 6 in 24 h · 6 in 7 days" in text
    assert "Answered 3 (50%) · did-you-mean 1 · unknown 2" in text
    assert "×2" in text  # GREE's fact, shown twice
    assert "capital of france? — ×2" in text.split("Top unanswered")[1].casefold()
    assert "median" in text and "p95" in text
    assert reply.embeds[0]["image"]["url"] == "attachment://questions-per-day.png"
    name, data, _ = reply.files[0]
    assert name == "questions-per-day.png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600 and height >= 300


async def test_all_servers_is_for_the_bot_owner_only(users):
    refused = await users.admin.command("stats", {"scope": "all"})
    assert refused.ephemeral and "bot owner" in refused.content
    owner = await users.owner.command("stats", {"scope": "all"}, timeout=15)
    assert "all servers" in embed_text(owner)
    assert "7 total" in embed_text(owner)
