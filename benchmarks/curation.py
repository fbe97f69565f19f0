"""Bulk import and curation at scale, side by side with the code paths they
replaced, measured in the same run.

    python -m benchmarks.curation            # 10,000, 100,000 and 1,000,000 facts
    python -m benchmarks.curation --quick    # 10,000 and 100,000
    python -m benchmarks.curation --sizes 2000 --out DIR   # any sizes

For each size: a JSON Lines file of that many synthetic admin facts
(benchmarks/generate.py) is imported into a new fact base by
`python -m knowledge fact import FILE --guild G --apply`, in its own process
(its wall time is *bulk import*). The *old path* is what `fact import` did
before: files of at most 2,000 facts, each opened with KnowledgeBase.open
(the whole index built) and planned and applied by Curator.plan_import and
apply_import; it is timed on one file into the empty base and one into the
full base, and the files the size needs are estimated from those two (the
index build grows with the base).

Then the fact base is opened as the bot opens it and each curation action is
timed: /fact search, the near-duplicate check of /fact add (and the whole
add: check, validation, save, index), id autocomplete and a /fact list page,
by Curator as the cog calls it; the *old* column runs the code each replaced
(a rapidfuzz scan of every fact's text, the `instr` scan of every id, a count
and sort of every fact), on fewer questions at the larger sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from knowledge.curation.build import build
from knowledge.curation.curator import DUPLICATE_SCORE, MAX_IMPORT_FACTS, Curator, FactDraft
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

from .generate import Generator
from .measure import config_for, percentile

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
GUILD = 4242
SIZES = {"full": (10_000, 100_000, 1_000_000), "quick": (10_000, 100_000)}
OLD_RUNS = {10_000: 20, 100_000: 10, 1_000_000: 3}  # questions the old scans answer


def write_facts(path: Path, count: int, seed: int, prefix: str = "") -> list[dict[str, Any]]:
    """`count` synthetic facts as JSON Lines; returns the first hundred records."""
    sample = []
    with path.open("w", encoding="utf-8") as out:
        for fact in Generator(seed).synthetic(count):
            record = {
                "id": prefix + fact.id,
                "text": fact.text,
                "questions": list(fact.questions),
                "keywords": list(fact.keywords),
                "citation": "Synthetic benchmark fact",
            }
            out.write(json.dumps(record) + "\n")
            if len(sample) < 100:
                sample.append(record)
    return sample


IMPORT_COMMAND = (sys.executable, "-m", "knowledge")


def bulk_import_s(config: Path, path: Path) -> float:
    target = ("--guild", str(GUILD), "--apply")
    started = time.perf_counter()
    subprocess.run(
        [*IMPORT_COMMAND, "--config", str(config), "fact", "import", str(path), *target],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def old_import_file_s(db: Path, records: list[dict[str, Any]]) -> float:
    """Before bulk import: one file of at most 2,000 facts, the index built to open it."""
    started = time.perf_counter()
    kb = KnowledgeBase.open(config_for(db))
    try:
        curator = Curator(kb)
        plan = curator.plan_import(
            json.dumps({"facts": records}).encode(), guild_id=GUILD, is_owner=True
        )
        curator.apply_import(plan, actor="bench")
    finally:
        kb.close()
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], runs: int = 1) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def latencies(calls: list[Callable[[], Any]]) -> dict[str, float]:
    times = [timed(call) for call in calls]
    return {
        "n": len(times),
        "p50_ms": statistics.median(times),
        "p99_ms": percentile(times, 99),
    }


# -- the code paths the new ones replaced (as they were) -------------------------
def old_search(kb: KnowledgeBase, query: str) -> list[str]:
    found = process.extract(
        query,
        kb.store.fact_texts(GUILD, with_questions=True),
        scorer=fuzz.partial_token_set_ratio,
        processor=utils.default_process,
        score_cutoff=70,
        limit=50,
    )
    return [kb.store.get_fact(key).id for _, _, key in found]


def old_near_duplicates(kb: KnowledgeBase, text: str) -> list[str]:
    found = process.extract(
        text,
        kb.store.fact_texts(GUILD),
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=DUPLICATE_SCORE,
        limit=3,
    )
    return [key for _, _, key in found]


def old_fact_ids(kb: KnowledgeBase, prefix: str) -> list[str]:
    rows = kb.store.read(
        "select id from facts where deleted_at is null "
        "and (guild_id is null or guild_id is ?) and instr(id, ?) > 0 order by id limit ?",
        [GUILD, prefix, 25],
    )
    return [r["id"] for r in rows]


def old_list_page(kb: KnowledgeBase, page: int) -> int:
    where = "deleted_at is null and (guild_id is null or guild_id is ?)"
    total = kb.store.read(f"select count(*) n from facts where {where}", [GUILD])[0]["n"]
    kb.store.read(
        f"select * from facts where {where} order by updated_at desc, id limit 8 offset ?",
        [GUILD, page * 8],
    )
    return int(total)


def curation(db: Path, sample: list[dict[str, Any]], size: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.perf_counter()
    kb = KnowledgeBase.open(config_for(db))
    opened = time.perf_counter() - started
    curator = Curator(kb)
    texts = [r["text"] for r in sample]
    words = [w.strip(".,") for t in texts for w in t.split() if len(w) > 3]
    searches = [" ".join(rng.sample(words, rng.choice((1, 2, 3)))) for _ in range(60)]
    searches += ["users", "million users", "chief executive", "zzqx wibble"]
    duplicates = [t.replace(" in ", " in the ", 1) for t in texts[:40]]
    duplicates += [f"The Fact Club meetup number {n} is on a Friday." for n in range(20)]
    fragments = [r["id"][: rng.randint(3, len(r["id"]))] for r in sample[:30]]
    fragments += ["", "syn", "0001", "users", "zz"]
    pages = [0, 1, 2, 10, 50]
    drafts = [
        FactDraft(text=f"The Zorblat club {n} meets on Fridays.", citation="Bench")
        for n in range(20)
    ]

    def add(draft: FactDraft) -> None:
        curator.near_duplicates(draft.text, GUILD)
        curator.add(draft, guild_id=GUILD, actor="bench")

    result: dict[str, Any] = {"open_s": opened}
    for name, new, old, items in (
        ("search", lambda q: curator.search(q, GUILD), old_search, searches),
        (
            "near_duplicates",
            lambda t: curator.near_duplicates(t, GUILD),
            old_near_duplicates,
            duplicates,
        ),
        ("autocomplete", lambda p: curator.fact_ids(p, GUILD), old_fact_ids, fragments),
        (
            "list_page",
            lambda p: curator.list_page(GUILD, page=p, per_page=8),
            old_list_page,
            pages * 4,
        ),
    ):
        result[name] = latencies([lambda i=i, new=new: new(i) for i in items])
        old_items = items[: OLD_RUNS.get(size, len(items))]
        result[name]["old"] = latencies([lambda i=i, old=old: old(kb, i) for i in old_items])
    result["add"] = latencies([lambda d=d: add(d) for d in drafts])
    kb.close()
    return result


def run_size(size: int, tmp: Path, seed: int) -> dict[str, Any]:
    db = tmp / f"curation-{size}.db"
    config = tmp / f"config-{size}.toml"
    config.write_text(f"[database]\npath = '{db}'\n", encoding="utf-8")
    store = FactStore.open(db)
    build(store)
    store.close()
    print(f"bulk import: {size:,} facts ...", file=sys.stderr, flush=True)
    facts = tmp / f"facts-{size}.jsonl"
    sample = write_facts(facts, size, seed)
    first = tmp / "old-first.db"
    store = FactStore.open(first)
    build(store)
    store.close()
    old_batch = [
        json.loads(line) for _, line in zip(range(MAX_IMPORT_FACTS), facts.open(), strict=False)
    ]
    result: dict[str, Any] = {"size": size, "old_first_file_s": old_import_file_s(first, old_batch)}
    for path in tmp.glob("old-first.db*"):
        path.unlink()
    result["bulk_import_s"] = bulk_import_s(config, facts)
    extra = [{**r, "id": "old-" + r["id"]} for r in old_batch]
    result["old_last_file_s"] = old_import_file_s(db, extra)
    files = -(-size // MAX_IMPORT_FACTS)
    result["old_import_estimate_s"] = (
        files * (result["old_first_file_s"] + result["old_last_file_s"]) / 2
    )
    print(f"curation: {size:,} facts ...", file=sys.stderr, flush=True)
    result["curation"] = curation(db, sample, size, seed)
    for path in tmp.glob(f"curation-{size}.db*"):
        path.unlink()
    facts.unlink()
    return result


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| facts | bulk import (new) | facts/s | old path, estimated | old: first / last 2,000-fact file |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['bulk_import_s']:.1f} s | {r['size'] / r['bulk_import_s']:,.0f} "
            f"| {r['old_import_estimate_s']:,.0f} s ({-(-r['size'] // MAX_IMPORT_FACTS)} files) "
            f"| {r['old_first_file_s']:.1f} s / {r['old_last_file_s']:.1f} s |"
        )
    lines += [
        "",
        "| facts | action | p50 new | p99 new | p50 old | p99 old (questions) | target p99 |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        for name in ("search", "near_duplicates", "autocomplete", "list_page", "add"):
            m = r["curation"][name]
            old = m.get("old")
            olds = (
                f"{old['p50_ms']:,.1f} ms | {old['p99_ms']:,.1f} ms ({old['n']})"
                if old
                else "— | —"
            )
            lines.append(
                f"| {r['size']:,} | {name.replace('_', ' ')} | {m['p50_ms']:.1f} ms "
                f"| {m['p99_ms']:.1f} ms | {olds} | ≤ 300 ms |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curation", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 facts only")
    parser.add_argument("--sizes", help="comma-separated fact counts instead")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = (
        tuple(int(s) for s in args.sizes.split(","))
        if args.sizes
        else SIZES["quick" if args.quick else "full"]
    )
    with tempfile.TemporaryDirectory(prefix="factbot-curation-") as tmp:
        results = [run_size(size, Path(tmp), args.seed) for size in sizes]
    table = render(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "curation-latest.json").write_text(
        json.dumps({"sizes": results, "table": table}, indent=1), encoding="utf-8"
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
