"""Cold start and memory: from process start to the first answer, and what
one, then two, bot-like processes on the same fact base hold in memory; with
the index built from the facts (as before the saved index, `index.persist`
false), and loaded from the saved index file, side by side in one run.

Each child is a fresh interpreter (`python -m benchmarks.coldstart child`):
it imports discord.py and knowledge, opens the KnowledgeBase, answers one
question, reports how long that took since its process was started, then
waits on stdin so its parent can read /proc/PID/smaps_rollup while it is
still alive. RSS counts every page a process maps; PSS divides a page shared
by n processes by n, so PSS summed over processes is what the host pays.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from knowledge.config import index_path

from .measure import config_for

QUESTION = "when was the company founded?"


def smaps_mb(pid: int) -> dict[str, float]:
    """Rss, Pss and the shared part of Rss of a live process, in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Rss", "Pss", "Shared_Clean", "Shared_Dirty"):
            found[key] = int(value.split()[0]) / 1024
    shared = found.get("Shared_Clean", 0.0) + found.get("Shared_Dirty", 0.0)
    return {
        "rss_mb": found.get("Rss", 0.0),
        "pss_mb": found.get("Pss", 0.0),
        "rss_minus_shared_mb": found.get("Rss", 0.0) - shared,
    }


def _start(db: Path, index: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.coldstart", "child", "--db", str(db), "--index", index],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        child.wait()
        raise RuntimeError(f"the cold-start child exited with {child.returncode}")
    report: dict[str, Any] = json.loads(line)
    report["ready_s"] = report["ready_at"] - started
    return child, report


def _stop(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=60)


def run(db: Path) -> dict[str, Any]:
    """Measure starts with the index built from the facts ("built", as before
    the saved index), then with it loaded from the file beside the fact base
    (the top-level figures, what the bot does now); `first_start` is the run
    in between that builds the index and saves it."""
    saved_index = index_path(config_for(db))
    assert saved_index is not None
    saved_index.unlink(missing_ok=True)
    built = _measure(db, "off")
    first, report = _start(db, "on")  # builds the index and saves it
    _stop(first)
    saved = _measure(db, "on")
    if not (saved["loaded_saved_index"] and not report["loaded_saved_index"]):
        raise RuntimeError("the second start did not load the index the first one saved")
    return {**saved, "built": built, "first_start_s": report["ready_s"]}


def _measure(db: Path, index: str) -> dict[str, Any]:
    """Start one process, measure it, start a second beside it, measure both."""
    first, one = _start(db, index)
    try:
        alone = smaps_mb(first.pid)
        second, two = _start(db, index)
        try:
            together = [smaps_mb(first.pid), smaps_mb(second.pid)]
        finally:
            _stop(second)
    finally:
        _stop(first)
    return {
        "ready_s": one["ready_s"],
        "open_s": one["open_s"],
        "loaded_saved_index": one["loaded_saved_index"],
        "second_ready_s": two["ready_s"],
        "one_process_mb": alone,
        "two_processes_mb": together,
        "two_processes_pss_total_mb": sum(m["pss_mb"] for m in together),
    }


def child(db: Path, index: str) -> None:
    import discord  # noqa: F401  (the bot process has it loaded too)

    from knowledge.config import IndexConfig
    from knowledge.service import KnowledgeBase

    config = replace(config_for(db), index=IndexConfig(persist=index == "on"))
    opened = time.perf_counter()
    kb = KnowledgeBase.open(config)
    kb.ask(QUESTION, log=False)
    open_s = time.perf_counter() - opened
    report = {
        "ready_at": time.time(),
        "open_s": open_s,
        "loaded_saved_index": kb.loaded_saved_index,
    }
    print(json.dumps(report), flush=True)
    sys.stdin.read()  # until the parent has measured
    kb.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coldstart")
    parser.add_argument("step", choices=("child", "run"))
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument(
        "--index",
        choices=("on", "off"),
        default="on",
        help="child: start from the saved index (on) or build it from the facts (off)",
    )
    args = parser.parse_args(argv)
    if args.step == "child":
        child(args.db, args.index)
    else:
        print(json.dumps(run(args.db), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
