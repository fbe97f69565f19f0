"""Run the benchmarks and print one table per fact-base size.

    python -m benchmarks            # everything (about 10 minutes)
    python -m benchmarks --quick    # smaller and shorter (under 2 minutes)
    python -m benchmarks --smoke --out DIR   # a tiny run, for the test suite

Each size is imported and measured in fresh processes (see measure.py); the
results go to benchmarks/results/latest.json (and a dated copy) as well.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rapidfuzz

from knowledge.curation.build import load_curated

from . import coldstart
from .plot import plot
from .report import render, shortfalls

RESULTS = Path(__file__).resolve().parent / "results"
ARTICLE = 0  # size 0: the article's facts alone


@dataclass(frozen=True)
class Size:
    facts: int
    questions: int
    scan_questions: int
    loop_seconds: float = 0.0


@dataclass(frozen=True)
class Profile:
    sizes: tuple[Size, ...]
    e2e_seconds: float = 0.0
    e2e_rate: float = 300
    rounds: int = 3


PROFILES = {
    "full": Profile(
        sizes=(
            Size(ARTICLE, 200, 200),
            Size(10_000, 300, 300),
            Size(100_000, 300, 300, loop_seconds=20),
            Size(1_000_000, 300, 200),
        ),
        e2e_seconds=30,
    ),
    "quick": Profile(
        sizes=(
            Size(ARTICLE, 150, 150),
            Size(10_000, 150, 150),
            Size(100_000, 150, 60, loop_seconds=5),
        ),
        e2e_seconds=5,
        rounds=2,
    ),
    "smoke": Profile(sizes=(Size(200, 20, 20),), rounds=1),
}


def _python(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "benchmarks.measure", *args], check=True)


def run_size(size: Size, profile: Profile, seed: int, tmp: Path) -> dict[str, Any]:
    facts = size.facts or len(load_curated().facts)
    db = tmp / f"facts-{facts}.db"
    out = tmp / f"import-{facts}.json"
    common = ["--size", str(size.facts), "--db", str(db), "--seed", str(seed)]
    print(f"importing {facts:,} facts ...", file=sys.stderr, flush=True)
    _python("import", *common, "--out", str(out))
    imported = json.loads(out.read_text())
    print(f"measuring {facts:,} facts ...", file=sys.stderr, flush=True)
    out = tmp / f"measure-{facts}.json"
    _python(
        "measure",
        *common,
        "--out",
        str(out),
        "--questions",
        str(size.questions),
        "--scan-questions",
        str(size.scan_questions),
        "--loop-seconds",
        str(size.loop_seconds),
        "--rounds",
        str(profile.rounds),
    )
    result = json.loads(out.read_text())
    result["size"] = facts
    result["article_only"] = size.facts == ARTICLE
    result["import_s"] = imported["import_s"]
    result["generate_s"] = imported["generate_s"]
    result["import_peak_rss_mb"] = imported["memory_end_mb"]["peak_rss_mb"]
    print(f"cold start and memory at {facts:,} facts ...", file=sys.stderr, flush=True)
    result["cold_start"] = coldstart.run(db)
    for db_file in tmp.glob(f"facts-{facts}.db*"):
        db_file.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes, shorter runs")
    mode.add_argument("--smoke", action="store_true", help="a tiny run (tests)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON results")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end run")
    args = parser.parse_args(argv)
    name = "smoke" if args.smoke else "quick" if args.quick else "full"
    profile = PROFILES[name]
    started = time.monotonic()
    results: dict[str, Any] = {
        "profile": name,
        "seed": args.seed,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"rapidfuzz {rapidfuzz.__version__}",
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="factbot-bench-") as tmp:
        for size in profile.sizes:
            results["sizes"].append(run_size(size, profile, args.seed, Path(tmp)))
    if profile.e2e_seconds and not args.no_e2e:
        from .e2e import run

        print("end to end ...", file=sys.stderr, flush=True)
        results["e2e"] = asyncio.run(run(profile.e2e_rate, profile.e2e_seconds, postgres=True))
    results["elapsed_s"] = time.monotonic() - started
    results["shortfalls"] = shortfalls(results)
    table = render(results)
    results["table"] = table
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1)
    (args.out / "latest.json").write_text(text, encoding="utf-8")
    stamp = results["started"].replace(":", "").replace("-", "")
    (args.out / f"{name}-{stamp}.json").write_text(text, encoding="utf-8")
    png = plot(results, args.out / "scaling.png")
    print(table)
    print(f"\nresults: {args.out / 'latest.json'}, plot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
