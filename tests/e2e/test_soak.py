"""Soak (`make soak`, about 6 minutes): memory stays bounded while the bot answers
for 5 minutes on top of a question log of 100,000 rows.

Questions arrive steadily by mention and /ask from 500 users in 10 channels, with
votes and a /stats every 30 s. The bot's resident memory (VmRSS from
/proc/PID/status) is sampled every 5 s; after the warm-up it must not grow by more
than 30 MB. SOAK_SECONDS shortens or lengthens the run.

The warm-up is at least a minute and lasts until the bot has drawn 80 /stats
charts, one after another: matplotlib keeps caches (text metrics, fonts) that grow
by about 30 MB over the first 70 or so charts and then stay flat. With a /stats
only every 30 s they would still be filling after half an hour, and the soak
would measure them instead of a leak.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore

from .harness import ARTICLE_QUESTIONS, add_crowd, assert_no_traceback, custom_ids, embed_text

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
WARM_UP_SECONDS = min(60.0, SOAK_SECONDS / 5)
WARM_UP_CHARTS = int(min(80, SOAK_SECONDS / 4))
QUESTIONS_PER_SECOND = 20
LOG_ROWS = 100_000
GROWTH_LIMIT_KB = 30 * 1024
USERS, CHANNELS = 500, 10
FIRST_USER = 1_080_000_000_000_020_000
FIRST_CHANNEL = 1_100_000_000_100_020_000
QUESTIONS = ARTICLE_QUESTIONS


def prefill_question_log(db_path: Path, rows: int, guild_ids: list[int]) -> None:
    """A built fact base whose question log already holds `rows` questions from
    the last 40 days."""
    store = FactStore.open(db_path)
    build(store)
    store.close()
    now = datetime.now(UTC)
    rng = random.Random(7)
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "insert into question_log (asked_at, question, status, confidence, fact_ids, scores,"
        " latency_ms, guild_id, channel_id, user_hash, via) values (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                (now - timedelta(seconds=rng.randint(0, 40 * 86400))).isoformat(),
                f"old question number {i % 5000}",
                status,
                90.0 if status == "answer" else 20.0,
                json.dumps(["gree-mobage-town-over-20-million-users-each"]),
                "[90.0]",
                round(rng.uniform(0.5, 5.0), 3),
                rng.choice(guild_ids),
                FIRST_CHANNEL,
                f"hash{i % 3000}",
                "mention",
            )
            for i in range(rows)
            for status in [rng.choice(["answer", "answer", "suggest", "unknown"])]
        ),
    )
    conn.commit()
    conn.close()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def add_soakers(double) -> None:
    add_crowd(double, "soak", USERS, FIRST_USER, CHANNELS, FIRST_CHANNEL)


def prefill(process) -> None:
    ids = process.double.ids
    prefill_question_log(process.db_path, LOG_ROWS, [ids.guild, ids.guild2])


pytestmark = [
    pytest.mark.soak,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.double(heartbeat_interval=41250, prepare=add_soakers),
    pytest.mark.bot(prepare=prefill, check_log=assert_no_traceback),
]


async def test_memory_stays_bounded_over_a_soak_with_a_big_question_log(bot, double, users):
    ids = double.ids
    loop = asyncio.get_running_loop()
    rng = random.Random(11)
    samples: list[tuple[float, int]] = []
    expected: dict[int, str] = {}  # message id or interaction id -> expected text
    handles = []

    async def draw_charts(count: int) -> float:
        for _ in range(count):
            assert "FactBot usage" in embed_text(await users.admin.command("stats", timeout=30))
        return loop.time() - start

    start = loop.time()
    charts = asyncio.create_task(draw_charts(WARM_UP_CHARTS))
    next_sample = start
    next_stats = start + WARM_UP_SECONDS
    k = 0
    while (now := loop.time()) - start < SOAK_SECONDS:
        if now >= next_sample:
            samples.append((now - start, rss_kb(bot.proc.pid)))
            next_sample += 5
        if now >= next_stats and charts.done():
            await users.admin.slash("stats")
            next_stats += 30
        question, answer = QUESTIONS[k % len(QUESTIONS)]
        user = FIRST_USER + rng.randrange(USERS)
        asker = users.user(user, ids.guild, FIRST_CHANNEL + rng.randrange(CHANNELS))
        if k % 10 == 0:
            handle = await asker.slash("ask", {"question": question})
            handles.append(handle)
            expected[handle.id] = answer
        else:
            expected[int((await asker.post_mention(question))["id"])] = answer
        if k % 50 == 25 and handles:
            # Vote on an earlier /ask answer.
            done = [h for h in handles[-20:] if h.messages()]
            if done:
                answer_message = done[-1].messages()[0]
                vote = next(c for c in custom_ids(answer_message) if ":up" in c)
                voter = users.user(user, ids.guild, answer_message.channel_id)
                await voter.click(answer_message, vote)
        k += 1
        await asyncio.sleep(max(0.0, start + k / QUESTIONS_PER_SECOND - loop.time()))
    samples.append((loop.time() - start, rss_kb(bot.proc.pid)))

    # Every question was answered, correctly.
    def answered() -> list:
        return [
            m
            for m in double.sent_messages
            if (m.kind == "channel" and m.message_reference)
            or (m.kind == "response" and m.interaction_id in expected)
        ]

    deadline = loop.time() + 30
    while len(answered()) < k and loop.time() < deadline:
        await asyncio.sleep(0.2)
    replies = answered()
    assert len(replies) == k, (len(replies), k)
    for reply in replies:
        key = reply.interaction_id if reply.kind == "response" else None
        key = key or int(reply.message_reference["message_id"])
        assert expected[key] in embed_text(reply)

    warmed_up = max(WARM_UP_SECONDS, await charts)
    warm = [kb for t, kb in samples if t >= warmed_up]
    assert len(warm) >= 2, f"the warm-up took {warmed_up:.0f} s of {SOAK_SECONDS:.0f}"
    growth = max(warm) - warm[0]
    series = ", ".join(f"{t:.0f}s {kb / 1024:.1f}" for t, kb in samples)
    print(f"\nsoak: {k} questions in {SOAK_SECONDS:.0f} s; RSS MB: {series}")
    print(
        f"soak: growth after the warm-up ({warmed_up:.0f} s) {growth / 1024:.1f} MB"
        f" (limit {GROWTH_LIMIT_KB / 1024:.0f})"
    )
    assert growth < GROWTH_LIMIT_KB, series
