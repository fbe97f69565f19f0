"""Abuse: a user spamming questions is throttled (one notice per window, others
unaffected), and an oversized or malformed import is refused, the oversized one
before a byte of it is downloaded."""

from __future__ import annotations

import asyncio
import json

import pytest
import pytest_asyncio

from .harness import embed_text

RATE = 3

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.bot(ask_rate=RATE, ask_per_seconds=60),  # three questions per user a minute
]


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def auto_answer_in_facts(users):
    """#facts answers without a mention."""
    await users.admin.command(
        "factbot autoanswer", {"channel": users.double.ids.facts_channel, "state": "on"}
    )


def logged(bot, via: str) -> int:
    return bot.count("select count(*) from question_log where via = ?", [via])


async def settle(users, channel_id: int, expected) -> None:
    """Every message sent before this was looked at (the bot decides whether to
    answer before it awaits anything), and `expected()` holds: their answers, which
    can finish in any order, were sent."""
    for _ in range(100):
        if expected():
            break
        await asyncio.sleep(0.1)
    # A question from somebody else, answered.
    owner = users.owner.at(channel_id)
    await owner.answer_to(await owner.post_mention("how big is GREE?"))


async def test_spamming_slash_ask_is_refused_privately_past_the_limit(bot, users):
    replies = [await users.member.ask("How big is GREE?") for _ in range(10)]
    answered = [r for r in replies if "20 million" in embed_text(r)]
    refused = [r for r in replies if "Try again in" in r.content]
    assert len(answered) == RATE and len(refused) == 10 - RATE
    assert all(r.ephemeral for r in refused)  # only the spammer sees them
    assert logged(bot, "slash") == RATE  # refused questions are not even looked up
    other = await users.role_admin.ask("How big is GREE?")
    assert "20 million" in embed_text(other)


async def test_spamming_mentions_gets_one_notice_per_window(bot, double, users):
    ids = double.ids
    before = len(double.sent_messages)
    for _ in range(12):
        await users.admin.post_mention("when did LinkedIn launch in Japan?")

    def to_spammer():
        return [
            m
            for m in double.sent_messages[before:]
            if m.channel_id == ids.general_channel
            and m.kind == "channel"
            and "20 million" not in embed_text(m)
        ]

    await settle(users, ids.general_channel, lambda: len(to_spammer()) >= RATE + 1)
    to_spammer = to_spammer()
    answers = [m for m in to_spammer if "October" in embed_text(m)]
    notices = [m for m in to_spammer if "Try again in" in m.content]
    assert len(answers) == RATE and len(notices) == 1, [m.content for m in to_spammer]
    assert len(to_spammer) == RATE + 1
    assert logged(bot, "mention") == RATE + 1  # the spammer's three and the settling one


async def test_spamming_an_auto_answer_channel_is_answered_up_to_the_limit_silently(
    bot, double, users
):
    ids = double.ids
    before = len(double.sent_messages)
    for _ in range(12):
        await users.role_admin.at(ids.facts_channel).say("How big is GREE?")

    def sent_here():
        return [m for m in double.sent_messages[before:] if m.channel_id == ids.facts_channel]

    await settle(users, ids.facts_channel, lambda: len(sent_here()) >= RATE - 1)
    sent = sent_here()
    # role_admin asked once with /ask above, so two auto answers are left, then silence.
    assert len(sent) == RATE - 1 + 1, [m.content for m in sent]
    assert not [m for m in sent if "Try again" in m.content]
    assert logged(bot, "auto") == RATE - 1


async def test_a_25_mb_import_is_refused_before_it_is_downloaded(bot, double, users):
    facts_before = bot.count("select count(*) from facts")
    big = json.dumps({"facts": [{"id": "x", "text": "y" * (25 * 1024 * 1024)}]}).encode()
    upload = users.admin.attach(big)
    reply = await users.admin.command("fact import", {"file": upload})
    assert reply.ephemeral and "the limit is 2,000,000" in reply.content
    assert "Nothing was read" in reply.content
    assert upload not in double.attachment_downloads
    assert bot.count("select count(*) from facts") == facts_before


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
async def test_a_malformed_import_is_refused_and_changes_nothing(bot, double, users, data):
    def counts() -> tuple[int, int]:
        return bot.count("select count(*) from facts"), bot.count("select count(*) from audit_log")

    before = counts()
    upload = users.admin.attach(data)
    reply = await users.admin.command("fact import", {"file": upload})
    assert reply.ephemeral and "the file" in reply.content, reply.content
    assert "Apply" not in str(reply.components)
    assert upload in double.attachment_downloads  # read once, then refused
    assert counts() == before
