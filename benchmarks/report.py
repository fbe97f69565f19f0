"""Targets, and the tables printed from a run's results."""

from __future__ import annotations

from typing import Any

ARTICLE = "article"

# From the issue, for this 2-core machine. Times in ms or s, memory in MB.
TARGETS: dict[str, dict[str, float]] = {
    ARTICLE: {"p50_ms": 0.3, "p99_ms": 1, "build_s": 1, "bot_rss_mb": 150},
    "10000": {"p50_ms": 2, "p99_ms": 5, "build_s": 5},
    "100000": {
        "p50_ms": 5,
        "p99_ms": 20,
        "build_s": 30,
        "rss_mb": 600,
        "speedup": 10,
        "ready_s": 1,
        "pss_mb": 150,
    },
    "1000000": {
        "p50_ms": 30,
        "p99_ms": 100,
        "build_s": 300,
        "rss_mb": 3000,
        "speedup": 10,
        "ready_s": 5,
        "pss_mb": 1000,
    },
}
RECALL_TARGET = 0.99  # at 100,000 facts and above
LOOP_STALL_TARGET_MS = 20
E2E_RATE_TARGET = 300
COLD_START_TARGET_S = 2


def _ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def _s(value: float) -> str:
    return f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def _ratio(ratio: float) -> str:
    if ratio >= 10:
        return f"{ratio:,.0f}× faster"
    if ratio >= 1:
        return f"{ratio:.1f}× faster"
    return f"{1 / ratio:.1f}× slower" if ratio > 0 else "—"


def _check(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cold_start_rows(r: dict[str, Any], target: dict[str, Any]) -> list[str]:
    """Process start to first answer, and memory of one and two processes:
    from the saved index (what the bot does), then with the index built from
    the facts (as before it was saved) when the run measured both."""
    cold = r.get("cold_start")
    if not cold:
        return []
    rows = _start_rows(cold, target, "saved index" if "built" in cold else "")
    if "built" in cold:
        rows += _start_rows(cold["built"], {}, "index built from the facts")
    return rows


def _start_rows(cold: dict[str, Any], target: dict[str, Any], how: str) -> list[str]:
    goal = target.get("ready_s")
    one = cold["one_process_mb"]
    two = cold["two_processes_mb"]
    pss_goal = target.get("pss_mb")
    tag = f", {how}" if how else ""
    return [
        _row(
            [
                f"process start to first answer (open + one question){tag}",
                f"{_s(cold['ready_s'])} (open {_s(cold['open_s'])})",
                "",
                "",
                f"≤ {goal:g} s" if goal else "",
                _check(cold["ready_s"] <= goal if goal else None),
            ]
        ),
        _row(
            [
                f"one process: RSS / PSS{tag}",
                f"{one['rss_mb']:,.0f} / {one['pss_mb']:,.0f} MB",
                "",
                "",
                f"PSS ≤ {pss_goal:,.0f} MB" if pss_goal else "",
                _check(one["pss_mb"] <= pss_goal if pss_goal else None),
            ]
        ),
        _row(
            [
                f"two processes: PSS each (RSS − shared), total{tag}",
                f"{two[0]['pss_mb']:,.0f} ({two[0]['rss_minus_shared_mb']:,.0f}) MB, "
                f"{cold['two_processes_pss_total_mb']:,.0f} MB",
                "",
                "",
                f"≤ {pss_goal:,.0f} MB each" if pss_goal else "",
                _check(two[0]["pss_mb"] <= pss_goal if pss_goal else None),
            ]
        ),
    ]


def size_table(r: dict[str, Any]) -> str:
    """One size: FactBot and the naive scan side by side."""
    key = ARTICLE if r.get("article_only") else str(r["size"])
    target = TARGETS.get(key, {})
    big = r["size"] >= 100_000
    n_scan = r["recall_count"][1]
    title = (
        f"### {'The article' if key == ARTICLE else format(r['size'], ',')} "
        f"({r['facts']:,} facts, vocabulary {r['vocabulary']:,} words): "
        f"{len(r['questions'])} questions, the scan on {n_scan}"
    )
    lines = [
        title,
        "",
        _row(["measure", "FactBot", "naive scan", "FactBot vs scan", "target", "met"]),
        _row(["---", "---:", "---:", "---:", "---", "---"]),
    ]
    speed_target = target.get("speedup")
    for label, p in (("p50", 50), ("p99", 99)):
        mine, scan = r[f"factbot_p{p}_ms"], r[f"scan_p{p}_ms"]
        ratio = r[f"speedup_p{p}"]
        goal = target.get(f"p{p}_ms")
        goal_text = f"≤ {goal:g} ms" if goal else ""
        ok = mine <= goal if goal else None
        if speed_target:
            goal_text += f"; ≥ {speed_target:g}× faster"
            ok = bool(ok) and ratio >= speed_target
        lines.append(
            _row(
                [
                    f"retrieval {label}",
                    _ms(mine),
                    _ms(scan),
                    _ratio(ratio),
                    goal_text,
                    _check(ok),
                ]
            )
        )
    same, total = r["recall_count"]
    recall_ok = (same / total >= RECALL_TARGET) if big and total else None
    lines.append(
        _row(
            [
                "recall: same top fact as the scan",
                f"{100 * same / max(total, 1):.1f}% ({same}/{total})",
                "(reference)",
                "",
                "≥ 99%" if big else "",
                _check(recall_ok),
            ]
        )
    )
    hits = r["source_fact_hits"]
    if hits["factbot"][1]:
        lines.append(
            _row(
                [
                    "top fact is the fact the question was made from",
                    f"{hits['factbot'][0]}/{hits['factbot'][1]}",
                    f"{hits['scan'][0]}/{hits['scan'][1]}",
                    "",
                    "",
                    "",
                ]
            )
        )
    build = r["build_s"] + r.get("import_s", 0.0)
    goal = target.get("build_s")
    lines.append(
        _row(
            [
                "import into SQLite + index build",
                f"{_s(r.get('import_s', 0.0))} + {_s(r['build_s'])}",
                f"prepare {_s(r['scan_prepare_s'])}",
                "",
                f"≤ {goal:g} s" if goal else "",
                _check(build <= goal if goal else None),
            ]
        )
    )
    memory = r["memory_after_build_mb"]
    goal = target.get("rss_mb")
    lines.append(
        _row(
            [
                "RSS after build (discord.py loaded)",
                f"{memory['rss_mb']:,.0f} MB (peak {memory['peak_rss_mb']:,.0f} MB)",
                "",
                "",
                f"≤ {goal:,.0f} MB" if goal else "",
                _check(memory["rss_mb"] <= goal if goal else None),
            ]
        )
    )
    lines.extend(_cold_start_rows(r, target))
    updates = r["update_ms"]
    lines.append(
        _row(
            [
                "add / edit / remove one fact (index)",
                f"{updates['add_ms']:.2f} / {updates['edit_ms']:.2f} / "
                f"{updates['remove_ms']:.2f} ms",
                "",
                "",
                "no rebuild",
                "",
            ]
        )
    )
    ev = r["article_eval"]
    lines.append(
        _row(
            [
                "article questions (tests/data) at this size",
                f"{ev['answerable'][0]}/{ev['answerable'][1]} answered right, "
                f"{ev['abstain'][0]}/{ev['abstain'][1]} abstained",
                "",
                "",
                "",
                "",
            ]
        )
    )
    return "\n".join(lines)


def loop_table(r: dict[str, Any], size: int) -> str:
    ok = r["max_stall_ms"] < LOOP_STALL_TARGET_MS and not r["error_count"]
    return "\n".join(
        [
            f"### Event loop at {size:,} facts: {r['rate']:g} questions/s for {r['seconds']:g} s "
            "through asyncio.to_thread(kb.ask) (retrieval and the SQLite question log)",
            "",
            _row(["measure", "value", "target", "met"]),
            _row(["---", "---:", "---", "---"]),
            _row(
                [
                    "longest loop stall",
                    _ms(r["max_stall_ms"]),
                    f"< {LOOP_STALL_TARGET_MS} ms",
                    _check(ok),
                ]
            ),
            _row(["p99 loop stall (1 ms ticks)", _ms(r["p99_stall_ms"]), "", ""]),
            _row(["longest stall while idle", _ms(r["idle_max_stall_ms"]), "", ""]),
            _row(
                [
                    "ask p50 / p99 (in the thread pool)",
                    f"{_ms(r['ask_p50_ms'])} / {_ms(r['ask_p99_ms'])}",
                    "",
                    "",
                ]
            ),
            _row(["errors", str(r["error_count"]), "0", _check(not r["error_count"])]),
        ]
    )


def e2e_table(r: dict[str, Any]) -> str:
    t = r["throughput"]
    clean = not (t["wrong"] or t["notes"] or t["missing"] or t["violations"] or t["bot_errors"])
    rate_ok = t["answered_per_s"] >= E2E_RATE_TARGET * 0.99 and t["seconds"] >= 30
    cold = r["cold_start"]
    memory = t["bot_memory_mb"]
    return "\n".join(
        [
            f"### End to end: the bot process, discord.py and the Discord API double, "
            f"the article's facts ({t['users']} users, {t['channels']} channels)",
            "",
            _row(["measure", "value", "target", "met"]),
            _row(["---", "---:", "---", "---"]),
            _row(
                [
                    f"answered per second, {t['rate']:g}/s offered for {t['seconds']:g} s",
                    f"{t['answered_per_s']:.0f}/s ({t['answered_correctly']:,} of "
                    f"{t['asked']:,} right; {t['min_answered_per_second']} in the slowest second)",
                    f"≥ {E2E_RATE_TARGET}/s for 30 s",
                    _check(rate_ok),
                ]
            ),
            _row(
                [
                    "wrong / notes / missing / Discord violations / bot errors",
                    f"{t['wrong']} / {t['notes']} / {t['missing']} / {t['violations']} / "
                    f"{t['bot_errors']}",
                    "all 0",
                    _check(clean),
                ]
            ),
            _row(
                [
                    "MESSAGE_CREATE → reply request, p50 / p99",
                    f"{_ms(t['p50_ms'])} / {_ms(t['p99_ms'])} (max {_ms(t['max_ms'])})",
                    "",
                    "",
                ]
            ),
            _row(
                [
                    "bot CPU per question",
                    f"{t['bot_cpu_ms_per_question']:.2f} ms",
                    "",
                    "",
                ]
            ),
            _row(
                [
                    "bot process RSS",
                    f"{memory['rss_mb']:.0f} MB (peak {memory['peak_rss_mb']:.0f} MB)",
                    "≤ 150 MB",
                    _check(memory["peak_rss_mb"] <= 150),
                ]
            ),
            _row(
                [
                    "cold start: process start → first answer (READY)",
                    f"{_s(cold['first_answer_s'])} ({_s(cold['ready_s'])})",
                    f"≤ {COLD_START_TARGET_S} s",
                    _check(cold["first_answer_s"] <= COLD_START_TARGET_S),
                ]
            ),
            _row(
                [
                    "first run (builds the fact base) → first answer",
                    _s(r["cold_start_first_run"]["first_answer_s"]),
                    "",
                    "",
                ]
            ),
            *_backends_table(r),
        ]
    )


def _backends_table(r: dict[str, Any]) -> list[str]:
    """The throughput run on SQLite and on PostgreSQL, side by side (when the
    run measured PostgreSQL too)."""
    postgres = r.get("postgresql")
    if not postgres:
        return []
    if "skipped" in postgres:
        return ["", f"PostgreSQL not measured: {postgres['skipped']}."]
    lines = [
        "",
        "The same run on each backend (PostgreSQL: a throwaway local cluster, fsync off):",
        "",
        _row(["backend", "answered per second", "p50", "p99", "wrong / missing / bot errors"]),
        _row(["---", "---:", "---:", "---:", "---"]),
    ]
    for name, t in (("SQLite", r["throughput"]), ("PostgreSQL", postgres["throughput"])):
        lines.append(
            _row(
                [
                    name,
                    f"{t['answered_per_s']:.0f}/s of {t['rate']:g}/s offered",
                    _ms(t["p50_ms"]),
                    _ms(t["p99_ms"]),
                    f"{t['wrong']} / {t['missing']} / {t['bot_errors']}",
                ]
            )
        )
    return lines


def shortfalls(results: dict[str, Any]) -> list[str]:
    """Every target missed, named; empty when all were met."""
    missed = []
    for r in results.get("sizes", []):
        key = ARTICLE if r.get("article_only") else str(r["size"])
        target = TARGETS.get(key, {})
        name = "the article" if key == ARTICLE else f"{r['size']:,} facts"
        for p in (50, 99):
            goal = target.get(f"p{p}_ms")
            if goal and r[f"factbot_p{p}_ms"] > goal:
                missed.append(f"{name}: p{p} {r[f'factbot_p{p}_ms']:.2f} ms > {goal:g} ms")
            if target.get("speedup") and r[f"speedup_p{p}"] < target["speedup"]:
                missed.append(f"{name}: only {r[f'speedup_p{p}']:.1f}× faster than the scan (p{p})")
        goal = target.get("build_s")
        build = r["build_s"] + r.get("import_s", 0.0)
        if goal and build > goal:
            missed.append(f"{name}: import + build {build:.1f} s > {goal:g} s")
        goal = target.get("rss_mb")
        if goal and r["memory_after_build_mb"]["rss_mb"] > goal:
            missed.append(
                f"{name}: RSS {r['memory_after_build_mb']['rss_mb']:.0f} MB > {goal:g} MB"
            )
        cold = r.get("cold_start")
        goal = target.get("ready_s")
        if cold and goal and cold["ready_s"] > goal:
            missed.append(f"{name}: start to first answer {cold['ready_s']:.1f} s > {goal:g} s")
        goal = target.get("pss_mb")
        if cold and goal and cold["one_process_mb"]["pss_mb"] > goal:
            missed.append(f"{name}: PSS {cold['one_process_mb']['pss_mb']:.0f} MB > {goal:g} MB")
        same, total = r["recall_count"]
        if r["size"] >= 100_000 and total and same / total < RECALL_TARGET:
            missed.append(f"{name}: recall {same}/{total} < 99%")
        if "loop_stall" in r and r["loop_stall"]["max_stall_ms"] >= LOOP_STALL_TARGET_MS:
            missed.append(
                f"{name}: loop stall {r['loop_stall']['max_stall_ms']:.1f} ms "
                f"≥ {LOOP_STALL_TARGET_MS} ms"
            )
    e2e = results.get("e2e")
    if e2e:
        t = e2e["throughput"]
        if t["answered_per_s"] < E2E_RATE_TARGET * 0.99:
            missed.append(f"end to end: {t['answered_per_s']:.0f} answers/s < {E2E_RATE_TARGET}/s")
        if t["seconds"] < 30:
            missed.append(f"end to end: sustained {t['seconds']:g} s, not 30 s (quick run)")
        if t["wrong"] or t["notes"] or t["missing"] or t["violations"] or t["bot_errors"]:
            missed.append("end to end: wrong, missing or refused answers, or errors")
        if t["bot_memory_mb"]["peak_rss_mb"] > 150:
            missed.append(f"bot process RSS {t['bot_memory_mb']['peak_rss_mb']:.0f} MB > 150 MB")
        if e2e["cold_start"]["first_answer_s"] > COLD_START_TARGET_S:
            missed.append(
                f"cold start {e2e['cold_start']['first_answer_s']:.2f} s > {COLD_START_TARGET_S} s"
            )
    return missed


def render(results: dict[str, Any]) -> str:
    parts = [
        f"FactBot benchmarks ({results['profile']} run, {results['started']}, "
        f"{results['machine']}; {results['elapsed_s']:.0f} s)",
    ]
    for r in results.get("sizes", []):
        parts.append(size_table(r))
        if "loop_stall" in r:
            parts.append(loop_table(r["loop_stall"], r["size"]))
    if results.get("e2e"):
        parts.append(e2e_table(results["e2e"]))
    missed = shortfalls(results)
    parts.append(
        "Every target met."
        if not missed
        else "Targets missed:\n" + "\n".join(f"- {line}" for line in missed)
    )
    return "\n\n".join(parts)
