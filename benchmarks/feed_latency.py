"""The change feed on SQLite and on PostgreSQL, side by side, measured in the
same run: how long a committed change takes to be seen by another connection
polling the feed every `--poll-ms`, what one poll costs, and how many feed
writes per second one writer commits.

Only the feed layer (knowledge/store/changes.py against
knowledge/store/postgres.py); benchmarks/e2e.py measures the whole bot on each
backend, and benchmarks/propagation.py is for SQLite only. Needs PostgreSQL's server binaries (apt-get install postgresql);
the server is a throwaway cluster (tests/pg_server.py) with fsync off, so its
writes/s are not comparable with SQLite's fsynced commits (synchronous = FULL).

    python -m benchmarks.feed_latency [--changes 200] [--poll-ms 20]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from knowledge.store import FactStore
from knowledge.store.changes import FACT, record_change
from knowledge.store.postgres import PostgresStore

from .measure import percentile


def _measure(
    write: Callable[[int], None], marker: Callable[[], object], changes: int, poll_s: float
) -> dict[str, float]:
    seen: list[float] = []
    committed: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        last = marker()
        while not stop.is_set():
            now = marker()
            if now != last:
                seen.append(time.perf_counter())
                last = now
            time.sleep(poll_s)

    poller = threading.Thread(target=poll)
    poller.start()
    for i in range(changes):
        write(i)
        committed.append(time.perf_counter())
        time.sleep(poll_s * 2.5)  # one change per few polls, so each is seen on its own
    time.sleep(poll_s * 3)
    stop.set()
    poller.join()
    lags = [(s - c) * 1000 for c, s in zip(committed, seen, strict=False) if s >= c]
    poll_cost = _time_per_call(marker, 300)
    started = time.perf_counter()
    for i in range(changes):
        write(i)
    writes_per_s = changes / (time.perf_counter() - started)
    return {
        "seen": len(lags),
        "p50_ms": percentile(lags, 50),
        "p99_ms": percentile(lags, 99),
        "poll_us": poll_cost * 1e6,
        "writes_per_s": writes_per_s,
    }


def _time_per_call(call: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--poll-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    from tests.pg_server import throwaway_server

    results: dict[str, dict[str, float]] = {}
    with throwaway_server() as server:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "feed.db"
            writer, reader = FactStore.open(path), FactStore.open(path)

            def sqlite_write(i: int) -> None:
                with writer.write() as db:
                    record_change(db, FACT, f"f{i}")

            results["SQLite"] = _measure(
                sqlite_write, reader.change_marker, args.changes, args.poll_ms / 1000
            )
            writer.close()
            reader.close()
        url = server.create_database("bench_feed")
        pg_writer, pg_reader = PostgresStore.open(url), PostgresStore.open(url)

        def pg_write(i: int) -> None:
            with pg_writer.write() as cur:
                PostgresStore.record_change(cur, FACT, f"f{i}")

        results["PostgreSQL"] = _measure(
            pg_write, pg_reader.change_marker, args.changes, args.poll_ms / 1000
        )
        pg_writer.close()
        pg_reader.close()
    print(
        f"change feed, {args.changes} changes, polled every {args.poll_ms:g} ms "
        "(PostgreSQL: a throwaway cluster with fsync off)"
    )
    print("| backend | seen | lag p50 ms | lag p99 ms | one poll µs | feed writes/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        print(
            f"| {name} | {r['seen']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['poll_us']:.0f} | {r['writes_per_s']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
