"""Load: 1,000 questions from 100 users across 20 channels in 10 seconds.

With the default limit of 5 questions per user per 30 s, each user asks 10 and
the first 5 are answered, correctly. By mention, the 6th gets the one cooldown
note of that window and the other 4 get nothing; with /ask, each of the other 5
gets a private note (Discord requires an answer to every interaction). Nothing
else is refused or lost.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from .harness import ARTICLE_QUESTIONS, add_crowd, embed_text

USERS, CHANNELS, PER_USER, SECONDS = 100, 20, 10, 10.0
RATE, PER = 5, 30
SLASH_EVERY = 5  # every 5th user asks with /ask, the others by mention
FIRST_USER = 1_080_000_000_000_010_000
FIRST_CHANNEL = 1_100_000_000_100_010_000
QUESTIONS = ARTICLE_QUESTIONS


def add_askers(double) -> None:
    add_crowd(double, "load", USERS, FIRST_USER, CHANNELS, FIRST_CHANNEL)


pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.double(prepare=add_askers),
    pytest.mark.bot(ask_rate=RATE, ask_per_seconds=PER),
]


async def test_1000_questions_in_10_seconds_hold_the_limits_and_lose_nothing(bot, double, users):
    ids = double.ids
    loop = asyncio.get_running_loop()
    asked: dict[int, tuple[int, int, str, float]] = {}  # message or interaction id -> ...
    start = loop.time()
    total = USERS * PER_USER
    for k in range(total):
        # A steady 100 per second; round n has each user's n-th question.
        n, user = divmod(k, USERS)
        await asyncio.sleep(max(0.0, start + k * SECONDS / total - loop.time()))
        question, expected = QUESTIONS[(user + n) % len(QUESTIONS)]
        channel = FIRST_CHANNEL + (user + n) % CHANNELS
        asker = users.user(FIRST_USER + user, ids.guild, channel)
        if user % SLASH_EVERY == 0:
            key = (await asker.slash("ask", {"question": question})).id
        else:
            key = int((await asker.post_mention(question))["id"])
        asked[key] = (user, n, expected, time.monotonic())
    dispatched = loop.time() - start
    assert dispatched < SECONDS + 1.0

    slash_users = len(range(0, USERS, SLASH_EVERY))
    # Mentions: 5 answers and 1 note per user; /ask: every question gets a response.
    expected_count = (USERS - slash_users) * (RATE + 1) + slash_users * PER_USER
    replies = []
    deadline = loop.time() + 60
    while loop.time() < deadline:
        replies = [m for m in double.sent_messages if m.kind in ("channel", "response")]
        if len(replies) >= expected_count:
            break
        await asyncio.sleep(0.05)
    finished = loop.time() - start
    await asyncio.sleep(1.0)  # nothing more should come
    after = [m for m in double.sent_messages if m.kind in ("channel", "response")]
    assert len(after) == expected_count, (len(after), expected_count)

    outcome: dict[int, dict[str, list[int]]] = {
        u: {"answered": [], "noted": []} for u in range(USERS)
    }
    latencies = []
    for reply in after:
        if reply.kind == "response":
            user, n, expected, at = asked[reply.interaction_id]
        else:
            user, n, expected, at = asked[int(reply.message_reference["message_id"])]
        assert reply.channel_id == FIRST_CHANNEL + (user + n) % CHANNELS
        if reply.embeds:
            assert expected in embed_text(reply), (expected, embed_text(reply))
            assert not reply.ephemeral
            outcome[user]["answered"].append(n)
            latencies.append(reply.time - at)
        else:
            assert "asking quickly" in reply.content, reply.content
            assert reply.ephemeral == (reply.kind == "response")
            outcome[user]["noted"].append(n)
    for user, got in outcome.items():
        assert sorted(got["answered"]) == list(range(RATE)), (user, got)
        # One note per window for mentions; an interaction must always be answered.
        notes = list(range(RATE, PER_USER)) if user % SLASH_EVERY == 0 else [RATE]
        assert sorted(got["noted"]) == notes, (user, got)

    latencies.sort()
    print(
        f"\nload: {total} questions dispatched in {dispatched:.1f} s; "
        f"{len(after)} replies, all in by {finished:.1f} s; answer latency "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms"
    )
    assert finished < SECONDS + 10, f"the bot fell behind: last reply at {finished:.1f} s"
