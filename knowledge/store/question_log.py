"""The question log (what was asked and answered), its review queue, and the
votes on answers. User ids are stored only as salted hashes."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import FactNotFoundError
from .backend import ids_param
from .connection import StoreConnection, utc_now

VoteOutcome = Literal["added", "changed", "unchanged"]
# (up, down) votes of the feedback rows read.
_UP_DOWN = (
    "coalesce(sum(case when vote = 1 then 1 else 0 end), 0) up, "
    "coalesce(sum(case when vote = -1 then 1 else 0 end), 0) down"
)


@dataclass(frozen=True)
class LoggedQuestion:
    question: str
    status: str
    confidence: float
    fact_ids: tuple[str, ...]
    scores: tuple[float, ...]
    latency_ms: float
    guild_id: int | None = None
    channel_id: int | None = None
    user_id: int | str | None = None
    via: str = "cli"


class QuestionLog(StoreConnection):
    """Reads and writes the question_log and feedback tables."""

    def install_salt(self) -> str:
        """A random per-installation salt for hashing user ids (made once)."""
        rows = self.read("select value from meta where key = 'user_salt'")
        if rows:
            return str(rows[0]["value"])
        salt = secrets.token_hex(16)
        with self.write() as tx:
            tx.upsert("meta", {"key": "user_salt", "value": salt}, pk=("key",), keep_existing=True)
        return str(self.read("select value from meta where key = 'user_salt'")[0]["value"])

    def hash_user(self, user_id: int | str) -> str:
        salt = self.install_salt()
        return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:32]

    def log_question(self, entry: LoggedQuestion) -> int:
        """Record one asked question; returns its id (used for feedback)."""
        user_hash = self.hash_user(entry.user_id) if entry.user_id is not None else None
        with self.write() as tx:
            question_id = tx.insert(
                "question_log",
                {
                    "asked_at": utc_now(),
                    "question": entry.question[:2000],
                    "status": entry.status,
                    "confidence": round(entry.confidence, 2),
                    "fact_ids": json.dumps(list(entry.fact_ids)),
                    "scores": json.dumps([round(s, 2) for s in entry.scores]),
                    "latency_ms": round(entry.latency_ms, 3),
                    "guild_id": entry.guild_id,
                    "channel_id": entry.channel_id,
                    "user_hash": user_hash,
                    "via": entry.via,
                },
                returning="id",
            )
        return int(question_id)

    def logged_question(self, question_id: int) -> dict[str, Any]:
        """One question-log row; raises FactNotFoundError if there is none."""
        rows = self.read("select * from question_log where id = ?", [question_id])
        if not rows:
            raise FactNotFoundError(f"no answer with id {question_id}")
        row = rows[0]
        row["fact_ids"] = json.loads(row["fact_ids"] or "[]")
        return row

    def question_count(self) -> int:
        return int(self.read("select count(*) n from question_log")[0]["n"])

    def unanswered(self, guild_id: int | None, *, limit: int = 2000) -> list[dict[str, Any]]:
        """The most recent unanswered, unreviewed questions of one server."""
        return self.read(
            "select id, question, asked_at from question_log where status = 'unknown' "
            "and guild_id is not distinct from ? and reviewed_at is null order by id desc limit ?",
            [guild_id, limit],
        )

    def mark_reviewed(
        self, question_ids: Iterable[int], *, guild_id: int | None, actor: str
    ) -> int:
        """Take questions off the review queue (dismissed or answered)."""
        ids = list(question_ids)
        with self.write() as tx:
            return tx.execute(
                "update question_log set reviewed_at = ?, reviewed_by = ? "
                "where guild_id is not distinct from ? and reviewed_at is null "
                f"and id in (select cast(value as bigint) from ({self.dialect.json_values()}) ids)",
                [utc_now(), actor, guild_id, ids_param(ids)],
            )

    def record_vote(
        self, question_id: int, user_id: int | str, vote: int, *, guild_id: int | None
    ) -> VoteOutcome:
        """Store one user's vote (+1 or -1) on one answer; a second vote replaces
        the first. Returns "added", "changed" or "unchanged".

        Raises FactNotFoundError if the answer is not in the question log of
        that server.
        """
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        user_hash = self.hash_user(user_id)
        with self.write() as tx:
            if not tx.exists(
                "question_log",
                "id = ? and guild_id is not distinct from ?",
                [question_id, guild_id],
            ):
                raise FactNotFoundError("that answer is no longer available")
            existing = tx.query(
                "select vote from feedback where question_id = ? and user_hash = ?",
                [question_id, user_hash],
            )
            tx.upsert(
                "feedback",
                {"question_id": question_id, "user_hash": user_hash, "vote": vote, "at": utc_now()},
                pk=("question_id", "user_hash"),
            )
        if not existing:
            return "added"
        return "unchanged" if existing[0]["vote"] == vote else "changed"

    def votes(self, question_id: int) -> tuple[int, int]:
        """(up, down) votes on one answer."""
        row = self.read(
            f"select {_UP_DOWN} from feedback where question_id = ?",
            [question_id],
        )[0]
        return int(row["up"]), int(row["down"])

    def fact_votes(self, fact_id: str) -> tuple[int, int]:
        """(up, down) votes on every answer that showed this fact."""
        row = self.read(
            f"select {_UP_DOWN} from feedback f join question_log q on q.id = f.question_id "
            "where q.status = 'answer' and exists "
            f"(select 1 from {self.dialect.json_rows('q.fact_ids', 'j')} where j.value = ?)",
            [fact_id],
        )[0]
        return int(row["up"]), int(row["down"])
