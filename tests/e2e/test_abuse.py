"""Abuse: a user spamming questions is throttled (one notice per window, others
unaffected), and an oversized or malformed import is refused, the oversized one
before a byte of it is downloaded."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
import pytest_asyncio

from .harness import BotProcess, embed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

RATE = 3


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(double, tmp_path_factory):
    """Three questions per user per minute; #facts answers without a mention."""
    process = BotProcess(
        double,
        tmp_path_factory.mktemp("abuse"),
        f"[bot]\nask_rate = {RATE}\nask_per_seconds = 60\nsync_commands_on_start = true\n",
    )
    await process.start()
    ids = double.ids
    await (
        await double.slash_command(
            ids.guild,
            ids.general_channel,
            ids.admin,
            "factbot autoanswer",
            {"channel": ids.facts_channel, "state": "on"},
        )
    ).reply(timeout=10)
    yield process
    code = await process.stop()
    assert code in (0, -15), process.log
    assert "Traceback" not in process.log, process.log


def count(bot, sql, params=()) -> int:
    conn = sqlite3.connect(bot.db_path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def logged(bot, via: str) -> int:
    return count(bot, "select count(*) from question_log where via = ?", [via])


async def settle(double, channel_id: int, expected) -> None:
    """Every message sent before this was looked at (the bot decides whether to
    answer before it awaits anything), and `expected()` holds: their answers, which
    can finish in any order, were sent."""
    for _ in range(100):
        if expected():
            break
        await asyncio.sleep(0.1)
    await _answered_from_elsewhere(double, channel_id)


async def _answered_from_elsewhere(double, channel_id: int) -> None:
    """A question from somebody else, answered."""
    ids = double.ids
    question = await double.send_message(
        ids.guild, channel_id, ids.owner, f"<@{ids.bot}> how big is GREE?", mentions=[ids.bot]
    )
    await double.wait_for_message(
        channel_id=channel_id,
        predicate=lambda m: str((m.message_reference or {}).get("message_id")) == question["id"],
        timeout=10,
    )


async def test_spamming_slash_ask_is_refused_privately_past_the_limit(bot, double):
    ids = double.ids
    replies = []
    for _ in range(10):
        handle = await double.slash_command(
            ids.guild, ids.general_channel, ids.member, "ask", {"question": "How big is GREE?"}
        )
        replies.append(await handle.reply(timeout=10))
    answered = [r for r in replies if "20 million" in embed_text(r)]
    refused = [r for r in replies if "Try again in" in r.content]
    assert len(answered) == RATE and len(refused) == 10 - RATE
    assert all(r.ephemeral for r in refused)  # only the spammer sees them
    assert logged(bot, "slash") == RATE  # refused questions are not even looked up
    other = await (
        await double.slash_command(
            ids.guild, ids.general_channel, ids.role_admin, "ask", {"question": "How big is GREE?"}
        )
    ).reply(timeout=10)
    assert "20 million" in embed_text(other)


async def test_spamming_mentions_gets_one_notice_per_window(bot, double):
    ids = double.ids
    before = len(double.sent_messages)
    for _ in range(12):
        await double.send_message(
            ids.guild,
            ids.general_channel,
            ids.admin,
            f"<@{ids.bot}> when did LinkedIn launch in Japan?",
            mentions=[ids.bot],
        )

    def to_spammer():
        return [
            m
            for m in double.sent_messages[before:]
            if m.channel_id == ids.general_channel
            and m.kind == "channel"
            and "20 million" not in embed_text(m)
        ]

    await settle(double, ids.general_channel, lambda: len(to_spammer()) >= RATE + 1)
    to_spammer = to_spammer()
    answers = [m for m in to_spammer if "October" in embed_text(m)]
    notices = [m for m in to_spammer if "Try again in" in m.content]
    assert len(answers) == RATE and len(notices) == 1, [m.content for m in to_spammer]
    assert len(to_spammer) == RATE + 1
    assert logged(bot, "mention") == RATE + 1  # the spammer's three and the settling one


async def test_spamming_an_auto_answer_channel_is_answered_up_to_the_limit_silently(bot, double):
    ids = double.ids
    before = len(double.sent_messages)
    for _ in range(12):
        await double.send_message(ids.guild, ids.facts_channel, ids.role_admin, "How big is GREE?")

    def sent_here():
        return [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]

    await settle(double, ids.facts_channel, lambda: len(sent_here()) >= RATE - 1)
    sent = sent_here()
    # role_admin asked once with /ask above, so two auto answers are left, then silence.
    assert len(sent) == RATE - 1 + 1, [m.content for m in sent]
    assert not [m for m in sent if "Try again" in m.content]
    assert logged(bot, "auto") == RATE - 1


async def test_a_25_mb_import_is_refused_before_it_is_downloaded(bot, double):
    ids = double.ids
    facts_before = count(bot, "select count(*) from facts")
    big = json.dumps({"facts": [{"id": "x", "text": "y" * (25 * 1024 * 1024)}]}).encode()
    upload = double.upload_attachment(ids.general_channel, "facts.json", big)
    handle = await double.slash_command(
        ids.guild, ids.general_channel, ids.admin, "fact import", {"file": upload}
    )
    reply = await handle.reply(timeout=10)
    assert reply.ephemeral and "the limit is 2,000,000" in reply.content
    assert "Nothing was read" in reply.content
    assert upload not in double.attachment_downloads
    assert count(bot, "select count(*) from facts") == facts_before


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01{{ not json",
        b"\xff\xfe" + "{}".encode("utf-16-le"),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"facts": [{"id": "x", "paragraph": ' + b"9" * 5000 + b"}]}",
        b'{"facts": "all of them"}',
        json.dumps({"facts": [{"id": "bad\ud800", "text": "x", "citation": "y"}]}).encode(),
    ],
    ids=["garbage", "utf-16", "too-deep", "huge-number", "wrong-shape", "lone-surrogate"],
)
async def test_a_malformed_import_is_refused_and_changes_nothing(bot, double, data):
    ids = double.ids
    before = (
        count(bot, "select count(*) from facts"),
        count(bot, "select count(*) from audit_log"),
    )
    upload = double.upload_attachment(ids.general_channel, "facts.json", data)
    reply = await (
        await double.slash_command(
            ids.guild, ids.general_channel, ids.admin, "fact import", {"file": upload}
        )
    ).reply(timeout=10)
    assert reply.ephemeral and "the file" in reply.content, reply.content
    assert "Apply" not in str(reply.components)
    assert upload in double.attachment_downloads  # read once, then refused
    after = (count(bot, "select count(*) from facts"), count(bot, "select count(*) from audit_log"))
    assert after == before
