"""The benchmarks still run: a tiny version (200 facts, 20 questions) prints
its table and writes its JSON, and FactBot agrees with the naive scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.report import render, shortfalls

REPO = Path(__file__).resolve().parent.parent


def run_module(*args: str) -> subprocess.CompletedProcess:
    """`python -m *args` from the repo root, its output captured (two minutes at most)."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_smoke_benchmark_prints_the_table_and_writes_json(tmp_path):
    run = run_module("benchmarks", "--smoke", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "| measure | FactBot | naive scan | FactBot vs scan | target | met |" in run.stdout
    assert "retrieval p50" in run.stdout and "recall: same top fact as the scan" in run.stdout
    results = json.loads((tmp_path / "latest.json").read_text())
    (size,) = results["sizes"]
    assert size["facts"] == 200
    assert len(size["questions"]) == len(size["factbot_ms"]) == len(size["scan_ms"]) == 20
    assert all(ms > 0 for ms in size["factbot_ms"] + size["scan_ms"])
    assert {"article", "oos"} <= {q["kind"] for q in size["questions"]}
    # Up to 1,000 candidates nothing is pruned: FactBot's best is the scan's best.
    assert size["recall_count"] == [20, 20], [
        (q["text"], q["factbot_top"], q["scan_top"])
        for q in size["questions"]
        if q["factbot_top"] != q["scan_top"]
    ]
    assert results["table"] in run.stdout
    cold = size["cold_start"]
    assert cold["ready_s"] > cold["open_s"] > 0
    assert all(m["pss_mb"] > 0 for m in cold["two_processes_mb"])
    assert "process start to first answer" in run.stdout
    assert (tmp_path / "scaling.png").read_bytes().startswith(b"\x89PNG")


def million_fact_result() -> dict:
    """A run at 1,000,000 facts that meets every target."""
    size = {
        "size": 1_000_000,
        "facts": 1_000_000,
        "vocabulary": 190_000,
        "questions": [{}] * 100,
        "factbot_p50_ms": 4.0,
        "factbot_p99_ms": 12.0,
        "scan_p50_ms": 650.0,
        "scan_p99_ms": 1100.0,
        "speedup_p50": 160.0,
        "speedup_p99": 90.0,
        "recall_count": [100, 100],
        "source_fact_hits": {"factbot": [50, 60], "scan": [50, 60]},
        "build_s": 80.0,
        "import_s": 55.0,
        "scan_prepare_s": 50.0,
        "memory_after_build_mb": {"rss_mb": 2200.0, "peak_rss_mb": 2300.0},
        "update_ms": {"add_ms": 0.3, "edit_ms": 0.6, "remove_ms": 0.3},
        "article_eval": {"answerable": [77, 85], "abstain": [13, 20]},
    }
    return {
        "profile": "full",
        "started": "2026-01-01T00:00:00+00:00",
        "machine": "2 cores",
        "elapsed_s": 600,
        "sizes": [size],
    }


def test_a_missed_target_is_named():
    results = million_fact_result()
    assert shortfalls(results) == []
    assert render(results).endswith("Every target met.")
    slow = results["sizes"][0]
    slow["factbot_p99_ms"] = 150.0
    slow["recall_count"] = [97, 100]
    missed = shortfalls(results)
    assert any("p99 150.00 ms > 100 ms" in line for line in missed), missed
    assert any("recall 97/100" in line for line in missed), missed
    assert "**NO**" in render(results)


def test_propagation_benchmark_measures_every_edit_reaching_another_process():
    run = run_module("benchmarks.propagation", "--edits", "3", "--log-rate", "0")
    assert run.returncode == 0, run.stderr
    assert "Edit to another process (the article's facts, sync every 500 ms" in run.stdout
    assert ": 3 edits, p50 " in run.stdout and "when nothing changed" in run.stdout


def test_curation_benchmark_measures_bulk_import_and_every_action_beside_the_old_path(tmp_path):
    run = run_module("benchmarks.curation", "--sizes", "300", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    (size,) = json.loads((tmp_path / "curation-latest.json").read_text())["sizes"]
    assert size["size"] == 300 and size["bulk_import_s"] > 0 and size["old_first_file_s"] > 0
    for action in ("search", "near_duplicates", "autocomplete", "list_page"):
        timed = size["curation"][action]
        assert timed["n"] > 0 and timed["old"]["n"] > 0 and timed["p99_ms"] >= timed["p50_ms"]
    assert "| 300 | near duplicates |" in run.stdout


def e2e_throughput(answered_per_s: float, p99_ms: float) -> dict:
    """One throughput run of benchmarks/e2e.py, as it records it."""
    return {
        "rate": 300,
        "seconds": 30,
        "users": 600,
        "channels": 60,
        "asked": 9000,
        "answered_correctly": 9000,
        "answered_per_s": answered_per_s,
        "min_answered_per_second": 290,
        "wrong": 0,
        "notes": 0,
        "missing": 0,
        "violations": 0,
        "bot_errors": 0,
        "p50_ms": 4.0,
        "p99_ms": p99_ms,
        "max_ms": p99_ms * 2,
        "bot_cpu_ms_per_question": 1.5,
        "bot_memory_mb": {"rss_mb": 90.0, "peak_rss_mb": 95.0},
    }


def test_end_to_end_throughput_on_sqlite_and_postgresql_stands_side_by_side():
    results = million_fact_result()
    results["e2e"] = {
        "throughput": e2e_throughput(300, 29.5),
        "cold_start": {"first_answer_s": 1.0, "ready_s": 0.8},
        "cold_start_first_run": {"first_answer_s": 2.0},
        "postgresql": {"throughput": e2e_throughput(299, 41.25)},
    }
    table = render(results)
    assert "| SQLite | 300/s of 300/s offered | 4.00 ms | 29.5 ms | 0 / 0 / 0 |" in table
    assert "| PostgreSQL | 299/s of 300/s offered | 4.00 ms | 41.2 ms | 0 / 0 / 0 |" in table
    results["e2e"]["postgresql"] = {"skipped": "no PostgreSQL server binaries"}
    assert "PostgreSQL not measured: no PostgreSQL server binaries." in render(results)
