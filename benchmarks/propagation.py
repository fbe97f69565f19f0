"""How long an edit made by one process takes to be answered by another.

    python -m benchmarks.propagation                  # the article's facts, 200 edits
    python -m benchmarks.propagation --facts 100000   # a generated fact base of that size
    python -m benchmarks.propagation --log-rate 0     # no question traffic meanwhile

This process plays one shard: it edits an admin fact in the shared SQLite file
through the store's write path (as `/fact edit` does), at random moments, while
a thread logs `--log-rate` questions per second (the traffic of busy shards,
which makes every poll see a commit). A second process plays another shard:
a real FactBot client (not connected to Discord) whose IndexSyncer syncs every
`database.sync_interval_ms`, and a task that asks the fact's question over and
over and prints when the answer first carries the new text. The delay is from
the edit's commit to that answer (CLOCK_MONOTONIC is shared by both
processes). It also times KnowledgeBase.sync itself: when nothing changed,
and when one fact did.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.app import create_bot
from knowledge.curation.build import build
from knowledge.models import Fact
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore, LoggedQuestion

from .measure import config_for, percentile, run_import

GUILD = 4242
FACT_ID = "bench-live-edit"
QUESTION = "when does the bench club meet?"
_MARK = re.compile(r"meeting number (\d+)")


def the_fact(n: int) -> Fact:
    return Fact(
        id=FACT_ID,
        text=f"The bench club holds meeting number {n} on Friday evening.",
        source_id=None,
        paragraph=None,
        quote="",
        questions=("When does the bench club meet?",),
        keywords=("bench club",),
        origin="admin",
        guild_id=GUILD,
        citation_note="https://example.org/bench",
    )


# -- the other shard -----------------------------------------------------------------
async def watch(db: Path) -> None:
    """Run a FactBot's sync and print `seen N <monotonic>` whenever the answer changes."""
    kb = KnowledgeBase.open(config_for(db))
    bot = create_bot(kb, kb.config)
    bot.index_sync.start()
    print("ready", flush=True)
    seen = -1
    try:
        while True:
            facts = kb.ask(QUESTION, guild_id=GUILD, log=False).answer.facts
            found = _MARK.search(facts[0].fact.text) if facts else None
            if found and int(found.group(1)) != seen:
                seen = int(found.group(1))
                print(f"seen {seen} {time.monotonic():.6f}", flush=True)
            await asyncio.sleep(0.002)
    finally:
        await bot.index_sync.stop()
        kb.close()


# -- this shard ----------------------------------------------------------------------
def keep_logging(db: Path, rate: float, stop: threading.Event) -> None:
    store = FactStore.open(db)
    try:
        while not stop.wait(1 / rate):
            store.log_question(LoggedQuestion("how big is GREE?", "answer", 90.0, (), (), 1.0))
    finally:
        store.close()


def sync_costs(db: Path, rounds: int = 2000) -> dict[str, float]:
    """Microseconds per KnowledgeBase.sync: nothing changed, and one fact changed."""
    kb = KnowledgeBase.open(config_for(db))
    writer = FactStore.open(db)
    try:
        kb.sync()
        started = time.perf_counter()
        for _ in range(rounds):
            kb.sync()
        idle = (time.perf_counter() - started) / rounds * 1e6
        one = []
        for n in range(50):
            writer.save_facts([the_fact(10_000 + n)], actor="bench")
            started = time.perf_counter()
            report = kb.sync()
            one.append((time.perf_counter() - started) * 1e6)
            assert report.facts == 1 and not report.reloaded
        return {"idle_us": idle, "one_fact_us": sorted(one)[len(one) // 2]}
    finally:
        writer.close()
        kb.close()


def measure(db: Path, edits: int, log_rate: float, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    writer = FactStore.open(db)
    writer.save_facts([the_fact(0)], actor="bench")
    reader = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.propagation", "--watch", str(db)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None
    assert reader.stdout.readline().strip() == "ready"
    sightings: list[tuple[int, float]] = []

    def read() -> None:
        assert reader.stdout is not None
        for line in reader.stdout:
            _, n, at = line.split()
            sightings.append((int(n), float(at)))

    threading.Thread(target=read, daemon=True).start()
    stop = threading.Event()
    logger = threading.Thread(target=keep_logging, args=(db, log_rate, stop), daemon=True)
    if log_rate:
        logger.start()
    committed: dict[int, float] = {}
    try:
        time.sleep(1.0)  # the reader's first sync
        for n in range(1, edits + 1):
            time.sleep(rng.uniform(0.05, 0.4))  # at random moments of the reader's poll
            writer.save_facts([the_fact(n)], actor="bench")
            committed[n] = time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(s >= edits for s, _ in sightings):
            time.sleep(0.05)
    finally:
        stop.set()
        reader.terminate()
        reader.wait()
        writer.close()
    delays = []
    for n, at in committed.items():
        first = min((seen_at for seen, seen_at in sightings if seen >= n), default=None)
        if first is None:
            raise SystemExit(f"edit {n} never reached the other process")
        delays.append((first - at) * 1000)
    return {
        "edits": len(delays),
        "p50_ms": percentile(delays, 50),
        "p99_ms": percentile(delays, 99),
        "max_ms": max(delays),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.propagation")
    parser.add_argument("--facts", type=int, default=0, help="generated facts (0: the article)")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--log-rate", type=float, default=100.0, help="questions logged per s")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--watch", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.watch:
        asyncio.run(watch(args.watch))
        return 0
    with tempfile.TemporaryDirectory(prefix="factbot-propagation-") as tmp:
        db = Path(tmp) / "factbot.db"
        if args.facts:
            run_import(args.facts, db, args.seed)
        else:
            store = FactStore.open(db)
            build(store)
            store.close()
        interval = config_for(db).database.sync_interval_ms
        result = measure(db, args.edits, args.log_rate, args.seed)
        costs = sync_costs(db)
    size = f"{args.facts:,} generated facts" if args.facts else "the article's facts"
    print(
        f"Edit to another process ({size}, sync every {interval} ms, "
        f"{args.log_rate:g} questions/s logged meanwhile): {result['edits']} edits, "
        f"p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
        f"max {result['max_ms']:.0f} ms"
    )
    print(
        f"KnowledgeBase.sync: {costs['idle_us']:.0f} µs when nothing changed, "
        f"{costs['one_fact_us']:.0f} µs to apply one changed fact"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
