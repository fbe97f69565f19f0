"""End to end: the real bot process (`python -m bot`), the real discord.py,
and the Discord API double from tests/ on loopback.

Cold start: from spawning the process to its first answer (and to READY),
with the article's fact base already built, and on a first run that builds it.
Throughput: questions by mention at a steady rate from many users in many
channels; latency is from the double dispatching MESSAGE_CREATE to the reply
request arriving at the double (both on the double's time.monotonic clock).
Measured on the SQLite file, then (`postgres=True`, where PostgreSQL's server
binaries are installed) the same way on a PostgreSQL database of a throwaway
cluster (tests/pg_server.py, fsync off), so the two stand side by side.

    python -m benchmarks.e2e [--rate 300] [--seconds 30] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from knowledge.curation.build import build
from knowledge.retrieval.evaluation import evaluate, load_items
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore
from tests.discord_double import DiscordDouble
from tests.e2e.harness import BotProcess, embed_text

from .generate import ARTICLE_QUESTIONS
from .measure import config_for, memory_mb, percentile

FIRST_USER = 1_080_000_000_000_500_000
FIRST_CHANNEL = 1_100_000_000_100_500_000


def answerable_questions() -> list[tuple[str, tuple[str, ...], bool]]:
    """(question, expected words, all of them?) for the article questions
    FactBot answers right: every reply can be checked."""
    with tempfile.TemporaryDirectory() as tmp:
        store = FactStore.open(Path(tmp) / "f.db")
        build(store)
        kb = KnowledgeBase(store, config_for(Path(tmp) / "f.db"))
        report = evaluate(kb, load_items(ARTICLE_QUESTIONS))
        kb.close()
    return [
        (r.item.question, r.item.all or r.item.any, bool(r.item.all))
        for r in report.results
        if r.correct and r.answer is not None and r.answer.facts
    ]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


async def _ask(double: DiscordDouble, n: int, channels: int, users: int, question: str) -> int:
    ids = double.ids
    sent = await double.send_message(
        ids.guild,
        FIRST_CHANNEL + n % channels,
        FIRST_USER + n % users,
        f"<@{ids.bot}> {question}",
        mentions=[ids.bot],
    )
    return int(sent["id"])


def _replies(double: DiscordDouble, wanted: dict[int, Any]) -> dict[int, Any]:
    found = {}
    for message in double.sent_messages:
        if message.kind != "channel" or not message.message_reference:
            continue
        asked = int(message.message_reference["message_id"])
        if asked in wanted:
            found[asked] = message
    return found


async def cold_start(double: DiscordDouble, workdir: Path, config: str) -> dict[str, float]:
    """Seconds from spawning the bot to READY and to its first answer."""
    bot = BotProcess(double, workdir, config)
    spawned = time.monotonic()
    await bot.start(wait_for_commands=False)
    ready = await double.wait_for_gateway(
        lambda r: r.direction == "out" and r.event == "READY" and r.time > spawned, timeout=30
    )
    # Ask every 20 ms until the first answer: messages that arrive before the
    # bot has processed its servers are dropped by discord.py.
    asked: dict[int, None] = {}
    replies: dict[int, Any] = {}
    deadline = time.monotonic() + 30
    while not replies and time.monotonic() < deadline:
        asked[await _ask(double, len(asked), 1, 1, "how many users does GREE have?")] = None
        await asyncio.sleep(0.02)
        replies = _replies(double, asked)
    await bot.stop()
    if not replies:
        raise RuntimeError("the bot never answered:\n" + bot.log)
    answered = min(r.time for r in replies.values())
    return {"ready_s": ready.time - spawned, "first_answer_s": answered - spawned}


async def throughput(
    double: DiscordDouble, bot: BotProcess, rate: float, seconds: float, users: int, channels: int
) -> dict[str, Any]:
    pool = answerable_questions()
    loop = asyncio.get_running_loop()
    assert bot.proc is not None
    pid = bot.proc.pid
    # Warm up (imports, caches, connections), then measure.
    warm: dict[int, Any] = {}
    for n in range(100):
        warm[await _ask(double, n, channels, users, pool[n % len(pool)][0])] = None
        await asyncio.sleep(0.005)
    deadline = loop.time() + 30
    while len(_replies(double, warm)) < len(warm) and loop.time() < deadline:
        await asyncio.sleep(0.05)

    asked: dict[int, tuple[float, int]] = {}  # message id -> (sent at, question)
    # The double runs in this process and keeps every request and frame; its
    # garbage collector's pauses (up to 200 ms by the end of a run) would
    # delay sending and recording, and show up as the bot's latency. It is
    # paused for the measured window; the bot's own is untouched.
    gc.collect()
    gc.disable()
    try:
        cpu_before = _cpu_seconds(pid)
        total = int(rate * seconds)
        start = loop.time()
        started = time.monotonic()
        for n in range(total):
            await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
            question = n % len(pool)
            at = time.monotonic()
            asked[await _ask(double, n, channels, users, pool[question][0])] = (at, question)
        sent_for = time.monotonic() - started
        deadline = loop.time() + max(30.0, seconds)
        replies: dict[int, Any] = {}
        while loop.time() < deadline:
            replies = _replies(double, asked)
            if len(replies) >= total:
                break
            await asyncio.sleep(0.05)
        cpu = _cpu_seconds(pid) - cpu_before
    finally:
        gc.enable()

    latencies, wrong, notes = [], 0, 0
    finished = started
    per_second = [0] * (int(seconds) + 1)
    for message_id, reply in replies.items():
        at, question = asked[message_id]
        latencies.append((reply.time - at) * 1000)
        finished = max(finished, reply.time)
        _, expected, need_all = pool[question]
        text = embed_text(reply).casefold()
        if not reply.embeds:
            notes += 1
        elif not (all if need_all else any)(e.casefold() in text for e in expected):
            wrong += 1
        second = int(reply.time - started)
        if second < len(per_second):
            per_second[second] += 1
    answered = len(replies) - wrong - notes
    duration = finished - started
    steady = per_second[1 : int(seconds)] or per_second
    log = bot.log
    return {
        "rate": rate,
        "seconds": seconds,
        "users": users,
        "channels": channels,
        "asked": total,
        "dispatched_in_s": sent_for,
        "replies": len(replies),
        "answered_correctly": answered,
        "wrong": wrong,
        "notes": notes,
        "missing": total - len(replies),
        "answered_per_s": answered / duration if duration > 0 else 0.0,
        "last_reply_after_s": duration,
        # Replies arriving in each whole second of the run but the first: the least.
        "min_answered_per_second": min(steady) if steady else 0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=0.0),
        "bot_cpu_s": cpu,
        "bot_cpu_ms_per_question": cpu / max(1, len(replies)) * 1000,
        "bot_memory_mb": memory_mb(pid),
        "violations": len(double.violations),
        "unknown_routes": len(double.unknown_routes),
        "bot_errors": sum(
            1 for line in log.splitlines() if " ERROR " in line or "Traceback" in line
        ),
    }


async def run(
    rate: float, seconds: float, users: int = 600, channels: int = 60, *, postgres: bool = False
) -> dict[str, Any]:
    config = "[bot]\nask_rate = 1000000\nask_per_seconds = 1\nsync_commands_on_start = true\n"
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="factbot-bench-") as tmp:
        workdir = Path(tmp)
        async with DiscordDouble.with_default_world() as double:
            guild = double.ids.guild
            for n in range(channels):
                double.add_channel(guild, FIRST_CHANNEL + n, f"bench-{n}")
            for n in range(users):
                double.add_member(guild, FIRST_USER + n, f"asker{n}")
            # The first start builds the fact base; the next ones open it.
            result["cold_start_first_run"] = await cold_start(double, workdir, config)
            result["cold_start"] = await cold_start(double, workdir, config)
            bot = BotProcess(double, workdir, config)
            await bot.start()
            try:
                result["throughput"] = await throughput(double, bot, rate, seconds, users, channels)
            finally:
                code = await bot.stop()
            result["bot_exit_code"] = code
            if postgres:
                result["postgresql"] = await _on_postgres(
                    double, workdir / "pg", config, rate, seconds, users, channels
                )
    return result


async def _on_postgres(
    double: DiscordDouble,
    workdir: Path,
    config: str,
    rate: float,
    seconds: float,
    users: int,
    channels: int,
) -> dict[str, Any]:
    """The throughput run again, the bot on a PostgreSQL database it builds on
    its first start."""
    from tests.pg_server import bin_dir, throwaway_server

    if bin_dir() is None:
        return {"skipped": "no PostgreSQL server binaries (apt-get install postgresql)"}
    with throwaway_server() as server:
        url = server.create_database("bench_e2e")
        bot = BotProcess(double, workdir, config, db_url=url)
        await bot.start()
        try:
            measured = await throughput(double, bot, rate, seconds, users, channels)
        finally:
            code = await bot.stop()
    return {"throughput": measured, "bot_exit_code": code}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e")
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.rate, args.seconds, postgres=not args.no_postgres))
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
