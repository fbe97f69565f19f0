"""Usage statistics over the question log, feedback and facts.

Pure domain code: `compute_stats` reads the store with a handful of aggregate
queries (each one uses the `asked_at` or `(guild_id, asked_at)` index where it
can) and returns one frozen `UsageStats` value that the bot's charts and the CLI
format however they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .store import FactStore

DAYS = 30
TOP = 5
# Characters stripped from both ends of a question before grouping.
_TRIM = " \t\r\n"


@dataclass(frozen=True, slots=True)
class DailyCount:
    """Questions asked on one UTC day."""

    day: date
    answered: int
    not_answered: int  # "suggest" and "unknown"

    @property
    def total(self) -> int:
        return self.answered + self.not_answered


@dataclass(frozen=True, slots=True)
class UsageStats:
    """A snapshot of how FactBot is used, in one server or in all of them."""

    guild_id: int | None  # None: every server (and the CLI/console)
    curated_facts: int
    admin_facts: int
    questions_total: int
    questions_24h: int
    questions_7d: int
    answered: int
    suggested: int
    unknown: int
    answer_rate: float  # answered / total, 0.0 when there are no questions
    top_facts: tuple[tuple[str, str, int], ...]  # (fact_id, fact_text, times_shown)
    top_unanswered: tuple[tuple[str, int], ...]  # (question, times)
    votes_up: int
    votes_down: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    daily: tuple[DailyCount, ...]  # the last 30 UTC days including today, oldest first


def compute_stats(
    store: FactStore, guild_id: int | None, *, now: datetime | None = None
) -> UsageStats:
    """Usage statistics for one server (`guild_id`) or for all (`None`).

    Admin facts are those of that server plus global ones (all of them when
    `guild_id` is None); questions and feedback are those asked in that server.
    `now` defaults to the current time; a naive `now` is taken as UTC. Days are
    UTC days. Raises StoreError if the database cannot be read.
    """
    now = _utc(now)
    scope, scope_params = _scope(guild_id)

    facts = store.fact_counts(guild_id)

    by_status: dict[str, int] = {}
    timed = 0  # questions with a latency, for the percentiles
    for row in store.read(
        "select status, count(*) n, count(latency_ms) timed "
        f"from question_log where {scope} group by status",
        scope_params,
    ):
        by_status[row["status"]] = row["n"]
        timed += row["timed"]
    total = sum(by_status.values())
    answered = by_status.get("answer", 0)

    def asked_since(moment: datetime) -> int:
        rows = store.read(
            f"select count(*) n from question_log where {scope} and asked_at >= ?",
            [*scope_params, _stamp(moment)],
        )
        return int(rows[0]["n"])

    return UsageStats(
        guild_id=guild_id,
        curated_facts=facts.get("curated", 0),
        admin_facts=facts.get("admin", 0),
        questions_total=total,
        questions_24h=asked_since(now - timedelta(hours=24)),
        questions_7d=asked_since(now - timedelta(days=7)),
        answered=answered,
        suggested=by_status.get("suggest", 0),
        unknown=by_status.get("unknown", 0),
        answer_rate=answered / total if total else 0.0,
        top_facts=_top_facts(store, *_scope(guild_id, "q.")),
        top_unanswered=_top_unanswered(store, scope, scope_params),
        **_votes(store, guild_id),
        latency_p50_ms=_percentile(store, scope, scope_params, timed, 50),
        latency_p95_ms=_percentile(store, scope, scope_params, timed, 95),
        daily=_daily(store, scope, scope_params, now.date()),
    )


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    """The moment in the question log's own format, so text comparison orders by time."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _scope(guild_id: int | None, prefix: str = "") -> tuple[str, list[Any]]:
    """A WHERE condition (and its parameters) limiting question_log to one server."""
    if guild_id is None:
        return "1 = 1", []
    return f"{prefix}guild_id = ?", [guild_id]


def _top_facts(store: FactStore, scope: str, params: list[Any]) -> tuple[tuple[str, str, int], ...]:
    rows = store.read(
        f"""
        with shown as (
            select j.value fact_id, count(*) n
            from question_log q, {store.dialect.json_rows("q.fact_ids", "j")}
            where q.status = 'answer' and {scope}
            group by j.value
            order by n desc, j.value
            limit {TOP}
        )
        select shown.fact_id, coalesce(f.text, '') text, shown.n
        from shown left join facts f on f.id = shown.fact_id
        order by shown.n desc, shown.fact_id
        """,
        params,
    )
    return tuple((r["fact_id"], r["text"], r["n"]) for r in rows)


def _top_unanswered(store: FactStore, scope: str, params: list[Any]) -> tuple[tuple[str, int], ...]:
    # Each group is shown as it was most recently asked. lower() folds ASCII only.
    dialect = store.dialect
    trimmed = dialect.trimmed("question", "?")
    rows = store.read(
        f"""
        select {dialect.latest(trimmed, "id")} question, count(*) n, max(id) latest
        from question_log
        where status = 'unknown' and {scope} and {trimmed} != ''
        group by lower({trimmed})
        order by n desc, latest desc
        limit {TOP}
        """,
        [_TRIM, *params, _TRIM, _TRIM],
    )
    return tuple((r["question"], r["n"]) for r in rows)


def _votes(store: FactStore, guild_id: int | None) -> dict[str, int]:
    if guild_id is None:
        sql = "select vote, count(*) n from feedback group by vote"
        params: list[Any] = []
    else:
        sql = (
            "select f.vote, count(*) n from feedback f "
            "join question_log q on q.id = f.question_id "
            "where q.guild_id = ? group by f.vote"
        )
        params = [guild_id]
    counts = {row["vote"]: row["n"] for row in store.read(sql, params)}
    return {"votes_up": counts.get(1, 0), "votes_down": counts.get(-1, 0)}


def _percentile(
    store: FactStore, scope: str, params: list[Any], count: int, p: int
) -> float | None:
    """The nearest-rank p-th percentile of the `count` latencies in scope.

    The database sorts and returns the one row at that rank, so the latencies are
    never loaded into Python.
    """
    if not count:
        return None
    rank = max(1, -(-p * count // 100))  # ceil(p/100 * count)
    rows = store.read(
        f"select latency_ms from question_log where {scope} and latency_ms is not null "
        "order by latency_ms limit 1 offset ?",
        [*params, rank - 1],
    )
    # A question logged between the count and this query can shift the rank by one.
    return float(rows[0]["latency_ms"]) if rows else None


def _daily(store: FactStore, scope: str, params: list[Any], today: date) -> tuple[DailyCount, ...]:
    first = today - timedelta(days=DAYS - 1)
    start = datetime.combine(first, time(0), tzinfo=UTC)
    # asked_at is stored in UTC, so its first ten characters are the UTC day.
    rows = store.read(
        f"""
        select substr(asked_at, 1, 10) as day,
               sum(case when status = 'answer' then 1 else 0 end) answered,
               sum(case when status != 'answer' then 1 else 0 end) not_answered
        from question_log
        where {scope} and asked_at >= ?
        group by day
        """,
        [*params, _stamp(start)],
    )
    found = {r["day"]: r for r in rows}
    series = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        row = found.get(day.isoformat())
        series.append(
            DailyCount(
                day=day,
                answered=int(row["answered"]) if row else 0,
                not_answered=int(row["not_answered"]) if row else 0,
            )
        )
    return tuple(series)


def format_stats_text(stats: UsageStats) -> str:
    """A compact plain-text summary of `stats`, for the CLI and logs."""
    scope = "all servers" if stats.guild_id is None else f"server {stats.guild_id}"
    lines = [
        f"FactBot usage ({scope})",
        f"Facts: {stats.curated_facts} curated, {stats.admin_facts} added by admins",
        (
            f"Questions: {stats.questions_total} total, "
            f"{stats.questions_7d} in 7 days, {stats.questions_24h} in 24 hours"
        ),
        (
            f"Outcomes: {stats.answered} answered ({stats.answer_rate:.0%}), "
            f"{stats.suggested} suggested, {stats.unknown} unknown"
        ),
        f"Feedback: {stats.votes_up} helpful, {stats.votes_down} not helpful",
    ]
    if stats.latency_p50_ms is not None and stats.latency_p95_ms is not None:
        lines.append(
            f"Latency: p50 {stats.latency_p50_ms:.1f} ms, p95 {stats.latency_p95_ms:.1f} ms"
        )
    if stats.top_facts:
        lines.append("Most shown facts:")
        lines.extend(
            f"  {times:>5}× {fact_id}: {_clip(text, 70)}"
            for fact_id, text, times in stats.top_facts
        )
    if stats.top_unanswered:
        lines.append("Most asked without an answer:")
        lines.extend(
            f"  {times:>5}× {_clip(question, 80)}" for question, times in stats.top_unanswered
        )
    last_week = stats.daily[-7:]
    if last_week:
        per_day = "  ".join(f"{d.day:%m-%d} {d.total}" for d in last_week)
        lines.append(f"Last 7 days: {per_day}")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
