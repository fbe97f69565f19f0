"""Usage statistics over a real question log (SQLite and PostgreSQL), and the
chart drawn from them."""

from __future__ import annotations

import random
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.charts import questions_per_day_png
from knowledge.models import Fact
from knowledge.stats import DailyCount, compute_stats, format_stats_text
from knowledge.store import FactStore, LoggedQuestion

BOTH_BACKENDS = True
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
TODAY = NOW.date()


def ask(
    store: FactStore,
    question: str = "what happened?",
    *,
    status: str = "answer",
    fact_ids: tuple[str, ...] = (),
    latency_ms: float = 10.0,
    guild_id: int | None = 1,
    at: datetime = NOW - timedelta(minutes=5),
) -> int:
    """Log one question as the bot would, then move it to `at`."""
    question_id = store.log_question(
        LoggedQuestion(
            question=question,
            status=status,
            confidence=80.0 if status == "answer" else 20.0,
            fact_ids=fact_ids,
            scores=tuple(80.0 for _ in fact_ids),
            latency_ms=latency_ms,
            guild_id=guild_id,
            channel_id=10,
            user_id=42,
            via="mention",
        )
    )
    stamp = at.astimezone(UTC).isoformat(timespec="milliseconds")
    with store.write() as tx:
        tx.update("question_log", {"id": question_id}, {"asked_at": stamp})
    return question_id


def vote(store: FactStore, question_id: int, user: str, value: int) -> None:
    with store.write() as tx:
        tx.insert(
            "feedback",
            {"question_id": question_id, "user_hash": user, "vote": value, "at": NOW.isoformat()},
        )


def add_fact(
    store: FactStore, fact_id: str, *, origin: str = "admin", guild_id: int | None = None
) -> None:
    store.add_fact(
        Fact(
            id=fact_id,
            text=f"Text of {fact_id}.",
            source_id=None,
            paragraph=None,
            quote="",
            origin=origin,
            guild_id=guild_id,
            citation_note="test",
        ),
        actor="test",
    )


def remove_quietly(store: FactStore, fact_id: str) -> None:
    """Mark a fact removed without an audit entry (as an old database might hold it)."""
    with store.write() as tx:
        tx.update("facts", {"id": fact_id}, {"deleted_at": NOW.isoformat(), "deleted_by": "t"})


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


# -- compute_stats ---------------------------------------------------------


def test_empty_database_gives_zeros_and_no_latency(store):
    stats = compute_stats(store, None, now=NOW)
    assert stats.guild_id is None
    assert (stats.curated_facts, stats.admin_facts) == (0, 0)
    assert (stats.questions_total, stats.questions_24h, stats.questions_7d) == (0, 0, 0)
    assert (stats.answered, stats.suggested, stats.unknown) == (0, 0, 0)
    assert stats.answer_rate == 0.0
    assert stats.top_facts == ()
    assert stats.top_unanswered == ()
    assert (stats.votes_up, stats.votes_down) == (0, 0)
    assert stats.latency_p50_ms is None
    assert stats.latency_p95_ms is None
    assert len(stats.daily) == 30
    assert all(d.answered == 0 and d.not_answered == 0 for d in stats.daily)


def test_questions_are_counted_in_24_hour_and_7_day_windows(store):
    for age in (
        timedelta(minutes=1),
        timedelta(hours=23, minutes=59),
        timedelta(hours=24),  # exactly on the boundary: inside
        timedelta(hours=25),
        timedelta(days=6, hours=23),
        timedelta(days=8),
        timedelta(days=40),
    ):
        ask(store, at=NOW - age)
    stats = compute_stats(store, None, now=NOW)
    assert stats.questions_24h == 3
    assert stats.questions_7d == 5
    assert stats.questions_total == 7


def test_outcomes_and_answer_rate(store):
    for status in ("answer", "answer", "answer", "suggest", "unknown", "unknown"):
        ask(store, status=status)
    stats = compute_stats(store, None, now=NOW)
    assert (stats.answered, stats.suggested, stats.unknown) == (3, 1, 2)
    assert stats.answer_rate == pytest.approx(0.5)


def test_top_facts_count_answered_questions_only_and_keep_five(store):
    for fact_id in "abcdef":
        add_fact(store, fact_id)
    shown = {"a": 2, "b": 6, "c": 4, "d": 1, "e": 3, "f": 3}
    for fact_id, times in shown.items():
        for _ in range(times):
            ask(store, fact_ids=(fact_id,))
    ask(store, status="suggest", fact_ids=("d", "d"))  # suggestions are not answers
    ask(store, status="suggest", fact_ids=("d",))
    ask(store, fact_ids=("a", "b"))  # both facts shown in one answer
    stats = compute_stats(store, None, now=NOW)
    assert stats.top_facts == (
        ("b", "Text of b.", 7),
        ("c", "Text of c.", 4),
        ("a", "Text of a.", 3),
        ("e", "Text of e.", 3),
        ("f", "Text of f.", 3),
    )


def test_top_facts_keep_the_text_of_removed_facts_and_survive_missing_ones(store):
    add_fact(store, "removed")
    remove_quietly(store, "removed")
    ask(store, fact_ids=("removed",))
    ask(store, fact_ids=("removed",))
    ask(store, fact_ids=("gone-entirely",))
    stats = compute_stats(store, None, now=NOW)
    assert stats.top_facts == (("removed", "Text of removed.", 2), ("gone-entirely", "", 1))


def test_unanswered_questions_group_ignoring_case_and_outer_spaces(store):
    ask(store, "What is LINE?", status="unknown")
    ask(store, "  what is line?\n", status="unknown")
    ask(store, "WHAT IS LINE?  ", status="unknown")
    ask(store, "who founded mixi", status="unknown")
    ask(store, "Who founded mixi", status="unknown")
    ask(store, "what is line?", status="answer")  # answered: not counted
    ask(store, "what is line?", status="suggest")  # suggested: not counted
    ask(store, "   ", status="unknown")  # blank: never listed
    for n in range(5):
        ask(store, f"rare question {n}", status="unknown")
    stats = compute_stats(store, None, now=NOW)
    assert len(stats.top_unanswered) == 5
    assert stats.top_unanswered[0] == ("WHAT IS LINE?", 3)  # as most recently asked
    assert stats.top_unanswered[1] == ("Who founded mixi", 2)
    assert all(times == 1 for _, times in stats.top_unanswered[2:])


def test_feedback_votes_are_counted(store):
    first = ask(store)
    second = ask(store)
    vote(store, first, "u1", 1)
    vote(store, first, "u2", 1)
    vote(store, first, "u3", -1)
    vote(store, second, "u1", 1)
    stats = compute_stats(store, None, now=NOW)
    assert (stats.votes_up, stats.votes_down) == (3, 1)


def test_latency_percentiles_use_the_nearest_rank(store):
    latencies = [float(n) for n in range(1, 21)]
    random.Random(3).shuffle(latencies)
    for latency in latencies:
        ask(store, latency_ms=latency)
    stats = compute_stats(store, None, now=NOW)
    assert stats.latency_p50_ms == 10.0  # ceil(0.50 * 20) = 10th smallest
    assert stats.latency_p95_ms == 19.0  # ceil(0.95 * 20) = 19th smallest


def test_latency_percentiles_of_one_question_are_that_latency(store):
    ask(store, latency_ms=123.456)
    stats = compute_stats(store, None, now=NOW)
    assert stats.latency_p50_ms == pytest.approx(123.456)
    assert stats.latency_p95_ms == pytest.approx(123.456)


def test_stats_are_scoped_to_one_server_or_all(store):
    add_fact(store, "curated-1", origin="curated")
    add_fact(store, "global-admin", guild_id=None)
    add_fact(store, "guild-1-admin", guild_id=1)
    add_fact(store, "guild-2-admin-a", guild_id=2)
    add_fact(store, "guild-2-admin-b", guild_id=2)
    one = ask(store, "q1", fact_ids=("curated-1",), latency_ms=5, guild_id=1)
    ask(store, "q1 again", status="unknown", latency_ms=7, guild_id=1)
    two = ask(store, "q2", fact_ids=("guild-2-admin-a",), latency_ms=100, guild_id=2)
    ask(store, "q2", status="unknown", latency_ms=100, guild_id=2)
    ask(store, "q2", status="unknown", latency_ms=100, guild_id=2)
    ask(store, "from the console", status="suggest", latency_ms=50, guild_id=None)
    vote(store, one, "u1", 1)
    vote(store, two, "u1", -1)
    vote(store, two, "u2", -1)

    guild_1 = compute_stats(store, 1, now=NOW)
    assert guild_1.guild_id == 1
    assert (guild_1.curated_facts, guild_1.admin_facts) == (1, 2)
    assert (guild_1.questions_total, guild_1.answered, guild_1.unknown) == (2, 1, 1)
    assert guild_1.top_facts == (("curated-1", "Text of curated-1.", 1),)
    assert guild_1.top_unanswered == (("q1 again", 1),)
    assert (guild_1.votes_up, guild_1.votes_down) == (1, 0)
    assert (guild_1.latency_p50_ms, guild_1.latency_p95_ms) == (5.0, 7.0)
    assert sum(d.answered + d.not_answered for d in guild_1.daily) == 2

    guild_2 = compute_stats(store, 2, now=NOW)
    assert (guild_2.curated_facts, guild_2.admin_facts) == (1, 3)
    assert (guild_2.questions_total, guild_2.answered, guild_2.unknown) == (3, 1, 2)
    assert guild_2.top_facts == (("guild-2-admin-a", "Text of guild-2-admin-a.", 1),)
    assert guild_2.top_unanswered == (("q2", 2),)
    assert (guild_2.votes_up, guild_2.votes_down) == (0, 2)
    assert guild_2.latency_p50_ms == 100.0

    everywhere = compute_stats(store, None, now=NOW)
    assert (everywhere.curated_facts, everywhere.admin_facts) == (1, 4)
    assert everywhere.questions_total == 6
    assert everywhere.suggested == 1
    assert (everywhere.votes_up, everywhere.votes_down) == (1, 2)
    assert len(everywhere.top_facts) == 2

    assert compute_stats(store, 3, now=NOW).questions_total == 0


def test_removed_facts_are_not_counted(store):
    add_fact(store, "kept", guild_id=1)
    add_fact(store, "removed", guild_id=1)
    remove_quietly(store, "removed")
    assert compute_stats(store, 1, now=NOW).admin_facts == 1


def test_curated_facts_of_a_real_build_are_counted(kb):
    curated = [f for f in kb.store.live_facts() if f.origin == "curated"]
    stats = compute_stats(kb.store, None, now=NOW)
    assert stats.curated_facts == len(curated) > 0
    assert stats.admin_facts == 0


def test_daily_series_is_thirty_zero_filled_utc_days_oldest_first(store):
    midnight = datetime(2026, 11, 27, tzinfo=UTC)
    ask(store, at=midnight)  # first moment of today
    ask(store, status="unknown", at=midnight + timedelta(hours=17))
    ask(store, status="suggest", at=midnight - timedelta(milliseconds=1))  # yesterday
    ask(store, at=midnight - timedelta(days=29))  # oldest day in the series
    ask(store, at=midnight - timedelta(days=29, milliseconds=1))  # one day too old
    ask(store, status="unknown", at=midnight - timedelta(days=10, hours=-3))
    ask(store, at=midnight - timedelta(days=10, hours=-20))

    daily = compute_stats(store, None, now=NOW).daily
    assert len(daily) == 30
    assert [d.day for d in daily] == [TODAY - timedelta(days=29 - i) for i in range(30)]
    by_day = {d.day: (d.answered, d.not_answered) for d in daily}
    assert by_day[TODAY] == (1, 1)
    assert by_day[TODAY - timedelta(days=1)] == (0, 1)
    assert by_day[TODAY - timedelta(days=10)] == (1, 1)
    assert by_day[TODAY - timedelta(days=29)] == (1, 0)
    assert sum(a + n for a, n in by_day.values()) == 6


def test_days_follow_utc_whatever_the_timezone_of_now(store):
    ask(store, at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    tokyo_now = datetime(2026, 11, 28, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    daily = compute_stats(store, None, now=tokyo_now).daily
    assert daily[-1] == DailyCount(day=date(2026, 11, 27), answered=1, not_answered=0)


def test_now_defaults_to_the_current_time(store):
    ask(store, at=datetime.now(UTC) - timedelta(minutes=1))
    stats = compute_stats(store, None)
    assert stats.questions_24h == 1
    assert stats.daily[-1].day == datetime.now(UTC).date()


# -- format_stats_text -----------------------------------------------------


def test_text_summary_shows_the_main_numbers(store):
    add_fact(store, "a", guild_id=1)
    ask(store, "where is LINE from?", fact_ids=("a",), latency_ms=12.5)
    ask(store, "who is mr x", status="unknown", latency_ms=30)
    text = format_stats_text(compute_stats(store, 1, now=NOW))
    assert "server 1" in text
    assert "2 total" in text
    assert "1 answered (50%)" in text
    assert "p50 12.5 ms" in text
    assert "a: Text of a." in text
    assert "who is mr x" in text


def test_text_summary_of_an_empty_database(store):
    text = format_stats_text(compute_stats(store, None, now=NOW))
    assert "all servers" in text
    assert "0 total" in text
    assert "Latency" not in text


# -- the chart -------------------------------------------------------------


def thirty_days(counts: list[tuple[int, int]]) -> list[DailyCount]:
    return [
        DailyCount(day=TODAY - timedelta(days=len(counts) - 1 - i), answered=a, not_answered=n)
        for i, (a, n) in enumerate(counts)
    ]


def test_chart_is_an_800_by_400_png():
    daily = thirty_days([(i % 7, i % 3) for i in range(30)])
    png = questions_per_day_png(daily, title="Questions per day")
    assert png_size(png) == (800, 400)
    assert png.endswith(b"IEND\xaeB`\x82")


def test_chart_of_no_questions_is_still_an_800_by_400_png():
    png = questions_per_day_png(thirty_days([(0, 0)] * 30), title="Questions per day")
    assert png_size(png) == (800, 400)


def test_chart_of_no_days_at_all_is_still_a_png():
    assert png_size(questions_per_day_png([], title="Nothing")) == (800, 400)


def test_chart_from_computed_stats(store):
    ask(store, at=NOW - timedelta(days=3))
    ask(store, status="unknown", at=NOW)
    png = questions_per_day_png(compute_stats(store, None, now=NOW).daily, title="Server")
    assert png_size(png) == (800, 400)


def test_charts_can_be_drawn_in_parallel_threads():
    daily = thirty_days([(i, 30 - i) for i in range(30)])
    expected = questions_per_day_png(daily, title="Parallel")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: questions_per_day_png(daily, title="Parallel"), range(8)))
    assert all(result == expected for result in results)
