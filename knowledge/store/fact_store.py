"""The SQLite fact base, a small class around sqlite_utils.Database.

One connection, guarded by one lock, so every write goes through one path and
the object can be used from worker threads (the bot calls it through
asyncio.to_thread). WAL mode and a busy timeout let other processes read and
back up while the bot writes; every commit is fsynced before it returns.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import FactNotFoundError, StoreError
from ..models import Citation, Fact, Source
from . import dbfile
from .migrations import migrations


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class BuildReport:
    """What a rebuild from the curated files changed."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()  # curated facts edited by an owner and changed in the file
    unchanged: int = 0
    sources: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.restored)


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


class _OpenRace(Exception):
    """Opening met another process's lock at start-up; worth another try."""


class FactStore:
    """Reads and writes the fact base. Every method is thread-safe."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._lock = threading.RLock()

    # -- opening ---------------------------------------------------------
    @classmethod
    def open(
        cls, path: Path | str, *, busy_timeout_ms: int = 5000, create: bool = True
    ) -> FactStore:
        """Open (and create or upgrade) the fact base at `path`.

        Before anything is written, the file is checked through a read-only
        connection (PRAGMA quick_check and its schema), the disk must have room,
        and a no-op write proves the file and its folder are writable, so a bot
        never starts on a file it cannot use.

        Raises StoreError naming the file, and saying what to do, when it is
        missing (with create=False), damaged, truncated, not a database or not a
        FactBot database, read-only (or in a read-only folder), or on a full
        disk; SchemaTooNewError when a newer FactBot wrote it. The file is not
        changed in those cases.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise StoreError(
                    f"{path}: fact base not found; build it with `python -m knowledge build`"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: cannot create its folder: {exc}") from None
        elif path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        else:
            dbfile.verify(path)
        dbfile.check_free_space(path)
        # Processes starting together on a new file can deadlock while one of them
        # switches it to WAL (SQLite then answers "locked" at once, without
        # waiting): try again, within the busy timeout.
        deadline = time.monotonic() + busy_timeout_ms / 1000
        while True:
            try:
                return cls._connect(path, busy_timeout_ms)
            except _OpenRace:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{path}: cannot open the fact base: another process kept it "
                        "locked longer than the busy timeout"
                    ) from None
                time.sleep(random.uniform(0.02, 0.1))

    @classmethod
    def _connect(cls, path: Path, busy_timeout_ms: int) -> FactStore:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                str(path), check_same_thread=False, timeout=busy_timeout_ms / 1000
            )
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(Database(conn, execute_plugins=False), path)
            store._check_schema_is_known()
            if store.db.journal_mode != "wal":
                store.db.enable_wal()
            # FULL: a commit is on disk (the WAL fsynced) before the user is told,
            # so a confirmed change survives a power cut too, not only a crash.
            store.db.execute("PRAGMA synchronous = FULL")
            with store._write() as db:  # one process migrates; the others wait, then skip
                migrations.apply(db)
                # A write that changes nothing: SQLite refuses it at once when the
                # file is read-only, instead of at the first question.
                db.execute("update meta set value = value where 0")
        except (sqlite3.DatabaseError, StoreError) as exc:
            if conn is not None:
                conn.close()
            cause = exc.__cause__ if isinstance(exc, StoreError) else exc
            if isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause):
                raise _OpenRace from None
            if not isinstance(cause, sqlite3.DatabaseError):
                raise  # already says what is wrong (e.g. a newer schema)
            raise StoreError(
                f"{path}: cannot open the fact base: {dbfile.explain(path, cause)}"
            ) from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return store

    @classmethod
    def in_memory(cls) -> FactStore:
        """A throwaway store (tests and the eval runner)."""
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        store = cls(Database(conn, execute_plugins=False), None)
        with store._write():
            migrations.apply(store.db)
        return store

    def _check_schema_is_known(self) -> None:
        dbfile.check_schema_is_known(self.db.conn, self.path)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """The one write path: serialised in this process by a lock, across
        processes by BEGIN IMMEDIATE (which waits up to the busy timeout rather
        than failing with "database is locked" halfway through), and atomic."""
        with self._lock:
            conn = self.db.conn
            try:
                if conn.in_transaction:
                    with self.db.atomic():  # nested: a savepoint
                        yield self.db
                    return
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    conn.rollback()
                    raise
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if conn.in_transaction:
                    conn.rollback()
                raise StoreError(f"{self._name}: write failed: {self._explain(exc)}") from exc

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Run one read-only query under the store lock; rows as dicts."""
        with self._lock:
            try:
                return list(self.db.query(sql, list(params)))
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._name}: read failed: {self._explain(exc)}") from exc

    @property
    def _name(self) -> str:
        return str(self.path or ":memory:")

    def _explain(self, exc: sqlite3.Error) -> str:
        return dbfile.explain(self.path, exc) if self.path else str(exc)

    # -- metadata --------------------------------------------------------
    @property
    def schema_version(self) -> str:
        applied = migrations.applied(self.db)
        return applied[-1].name if applied else "none"

    def install_salt(self) -> str:
        """A random per-installation salt for hashing user ids (made once)."""
        rows = self.read("select value from meta where key = 'user_salt'")
        if rows:
            return rows[0]["value"]
        salt = secrets.token_hex(16)
        with self._write() as db:
            db["meta"].insert({"key": "user_salt", "value": salt}, ignore=True)
        return self.read("select value from meta where key = 'user_salt'")[0]["value"]

    def hash_user(self, user_id: int | str) -> str:
        salt = self.install_salt()
        return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:32]

    # -- sources and aliases ----------------------------------------------
    def sources(self) -> dict[str, Source]:
        return {
            row["id"]: Source(
                id=row["id"],
                title=row["title"],
                publisher=row["publisher"],
                date=row["date"],
                url=row["url"],
                paragraphs=tuple(json.loads(row["paragraphs"] or "[]")),
                attribution=row["attribution"] or "",
            )
            for row in self.read("select * from sources order by id")
        }

    def aliases(self) -> dict[str, str]:
        return {r["alias"]: r["canonical"] for r in self.read("select * from aliases")}

    # -- facts -----------------------------------------------------------
    def live_facts(self) -> list[Fact]:
        """Every fact that is not deleted or retired, in every scope."""
        return self._facts_where("deleted_at is null")

    def get_fact(self, fact_id: str, *, include_deleted: bool = False) -> Fact:
        """Raises FactNotFoundError if there is no such (live) fact."""
        where = "id = ?" if include_deleted else "id = ? and deleted_at is null"
        facts = self._facts_where(where, [fact_id])
        if not facts:
            raise FactNotFoundError(f"no fact with id {fact_id!r}")
        return facts[0]

    def fact_counts(self, guild_id: int | None = None) -> dict[str, int]:
        """Live facts by origin, counting admin facts of one server (or all)."""
        rows = self.read(
            "select origin, count(*) n from facts where deleted_at is null "
            "and (? is null or guild_id is null or guild_id = ?) group by origin",
            [guild_id, guild_id],
        )
        counts = {"curated": 0, "admin": 0}
        counts.update({r["origin"]: r["n"] for r in rows})
        return counts

    def _facts_where(
        self, where: str, params: Iterable[Any] = (), tail: str = "order by rowid"
    ) -> list[Fact]:
        rows = self.read(f"select * from facts where {where} {tail}", params)
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        questions = self._children("fact_questions", "question", ids)
        keywords = self._children("fact_keywords", "keyword", ids)
        return [
            _fact_from_row(r, questions.get(r["id"], ()), keywords.get(r["id"], ())) for r in rows
        ]

    def _children(self, table: str, column: str, ids: list[str]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.read(
                f"select fact_id, {column} from {table} where fact_id in ({marks}) "
                "order by fact_id, position",
                chunk,
            ):
                found.setdefault(row["fact_id"], []).append(row[column])
        return {k: tuple(v) for k, v in found.items()}

    def citation(self, fact: Fact, sources: dict[str, Source] | None = None) -> Citation:
        sources = self.sources() if sources is None else sources
        return citation_for(fact, sources)

    # -- the curated build -------------------------------------------------
    def sync_curated(
        self,
        sources: dict[str, Source],
        facts: list[Fact],
        aliases: dict[str, str],
        *,
        actor: str = "build",
        overwrite_edits: bool = False,
    ) -> BuildReport:
        """Make the curated facts match the files, in one transaction.

        Idempotent: unchanged facts are not touched. Admin facts are never
        touched. A curated fact missing from the files is retired (soft
        deleted), and one that comes back is restored. A curated fact the bot
        owner edited in the database is kept while its file entry is unchanged;
        if both changed it is reported in `conflicts` and left as it is, unless
        overwrite_edits. Every change goes to the audit log in the same
        transaction.
        """
        now = utc_now()
        added, updated, retired, restored, conflicts = [], [], [], [], []
        unchanged = 0
        with self._write() as db:
            db["sources"].upsert_all(
                [
                    {
                        "id": s.id,
                        "title": s.title,
                        "publisher": s.publisher,
                        "date": s.date,
                        "url": s.url,
                        "attribution": s.attribution,
                        "paragraphs": json.dumps(list(s.paragraphs), ensure_ascii=False),
                    }
                    for s in sources.values()
                ],
                pk="id",
            )
            existing = {
                row["id"]: row for row in db.query("select * from facts where origin = 'curated'")
            }
            clash = [
                row["id"]
                for row in db.query(
                    "select id from facts where origin != 'curated' "
                    "and id in (select value from json_each(?))",
                    [json.dumps([f.id for f in facts])],
                )
            ]
            if clash:
                raise StoreError(
                    f"{self.path}: curated ids already used by admin facts: {', '.join(clash)}"
                )
            for fact in facts:
                row = existing.get(fact.id)
                after = fact_to_record(fact)
                file_hash = record_hash(after)
                if row is None:
                    self._insert_fact(db, fact, actor, now, curated_hash=file_hash)
                    added.append(fact.id)
                    continue
                before = self._fact_json(db, fact.id)
                was_retired = row["deleted_reason"] == "retired"
                same = before == after
                if not was_retired and (same or row["curated_hash"] == file_hash):
                    # Unchanged, or the file is unchanged and the database holds an
                    # owner's edit, which is kept.
                    if same and row["curated_hash"] != file_hash:
                        db["facts"].update(fact.id, {"curated_hash": file_hash})
                    unchanged += 1
                    continue
                if row["updated_by"] != actor and not same and not overwrite_edits:
                    conflicts.append(fact.id)  # both changed: report, never overwrite silently
                    continue
                self._replace_fact(db, fact, actor, now)
                db["facts"].update(fact.id, {"curated_hash": file_hash})
                if was_retired:
                    db["facts"].update(
                        fact.id, {"deleted_at": None, "deleted_by": None, "deleted_reason": None}
                    )
                    restored.append(fact.id)
                else:
                    updated.append(fact.id)
                self._audit(
                    db,
                    now,
                    actor,
                    "restore" if was_retired else "update",
                    fact.id,
                    None,
                    before,
                    after,
                )
            file_ids = {f.id for f in facts}
            for fact_id, row in existing.items():
                if fact_id not in file_ids and row["deleted_at"] is None:
                    before = self._fact_json(db, fact_id)
                    db["facts"].update(
                        fact_id,
                        {"deleted_at": now, "deleted_by": actor, "deleted_reason": "retired"},
                    )
                    self._audit(db, now, actor, "retire", fact_id, None, before, None)
                    retired.append(fact_id)
            current_aliases = {
                r["alias"]: r["canonical"] for r in db.query("select * from aliases")
            }
            if current_aliases != aliases:
                db["aliases"].delete_where()
                db["aliases"].insert_all(
                    [{"alias": a, "canonical": c} for a, c in sorted(aliases.items())], pk="alias"
                )
        return BuildReport(
            added=tuple(added),
            updated=tuple(updated),
            retired=tuple(retired),
            restored=tuple(restored),
            conflicts=tuple(conflicts),
            unchanged=unchanged,
            sources=len(sources),
        )

    def _insert_fact(self, db: Database, fact: Fact, actor: str, now: str, **columns: Any) -> None:
        _insert_row(
            db,
            "facts",
            {
                **_fact_columns(fact),
                "created_by": actor,
                "created_at": now,
                "updated_by": actor,
                "updated_at": now,
                **columns,
            },
        )
        self._write_children(db, fact)
        self._audit(db, now, actor, "create", fact.id, fact.guild_id, None, fact_to_record(fact))

    def _replace_fact(self, db: Database, fact: Fact, actor: str, now: str) -> None:
        db["facts"].update(fact.id, {**_fact_columns(fact), "updated_by": actor, "updated_at": now})
        db["fact_questions"].delete_where("fact_id = ?", [fact.id])
        db["fact_keywords"].delete_where("fact_id = ?", [fact.id])
        self._write_children(db, fact)

    @staticmethod
    def _write_children(db: Database, fact: Fact) -> None:
        db.conn.executemany(
            "insert into fact_questions (fact_id, position, question) values (?, ?, ?)",
            [(fact.id, i, q) for i, q in enumerate(fact.questions)],
        )
        db.conn.executemany(
            "insert into fact_keywords (fact_id, position, keyword) values (?, ?, ?)",
            [(fact.id, i, k) for i, k in enumerate(fact.keywords)],
        )

    @staticmethod
    def _fact_json(db: Database, fact_id: str) -> dict[str, Any]:
        row = db["facts"].get(fact_id)
        questions = [
            r["question"]
            for r in db.query(
                "select question from fact_questions where fact_id = ? order by position", [fact_id]
            )
        ]
        keywords = [
            r["keyword"]
            for r in db.query(
                "select keyword from fact_keywords where fact_id = ? order by position", [fact_id]
            )
        ]
        return fact_to_record(_fact_from_row(row, tuple(questions), tuple(keywords)))

    @staticmethod
    def _audit(
        db: Database,
        now: str,
        actor: str,
        action: str,
        fact_id: str,
        guild_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        _insert_row(
            db,
            "audit_log",
            {
                "at": now,
                "actor": actor,
                "action": action,
                "fact_id": fact_id,
                "guild_id": guild_id,
                "before": json.dumps(before, ensure_ascii=False) if before else None,
                "after": json.dumps(after, ensure_ascii=False) if after else None,
            },
        )

    def add_fact(self, fact: Fact, *, actor: str) -> Fact:
        """Insert a new fact (with its audit entry) in one transaction.

        Raises StoreError if the id is already taken.
        """
        with self._write() as db:
            if db["facts"].count_where("id = ?", [fact.id]):
                raise StoreError(f"a fact with id {fact.id!r} already exists")
            self._insert_fact(db, fact, actor, utc_now())
        return fact

    def save_facts(self, facts: Iterable[Fact], *, actor: str, action: str = "update") -> None:
        """Insert new facts and replace existing ones, all in one transaction,
        each with its audit entry (`action` for replacements: update, rollback,
        import). Origin and server scope of an existing fact never change."""
        now = utc_now()
        with self._write() as db:
            for fact in facts:
                if not db["facts"].count_where("id = ?", [fact.id]):
                    self._insert_fact(db, fact, actor, now)
                    continue
                before = self._fact_json(db, fact.id)
                if before["origin"] != fact.origin or before["guild_id"] != fact.guild_id:
                    raise StoreError(f"fact {fact.id!r} belongs to another scope")
                after = fact_to_record(fact)
                if before == after:
                    continue
                self._replace_fact(db, fact, actor, now)
                self._audit(db, now, actor, action, fact.id, fact.guild_id, before, after)

    def set_deleted(self, fact_id: str, *, deleted: bool, actor: str) -> bool:
        """Soft-delete (remove) or restore a fact, with its audit entry.

        Returns False when it already was in that state. Raises
        FactNotFoundError if there is no such fact.
        """
        now = utc_now()
        with self._write() as db:
            rows = list(db.query("select * from facts where id = ?", [fact_id]))
            if not rows:
                raise FactNotFoundError(f"no fact with id {fact_id!r}")
            if (rows[0]["deleted_at"] is not None) == deleted:
                return False
            before = self._fact_json(db, fact_id)
            if deleted:
                change = {"deleted_at": now, "deleted_by": actor, "deleted_reason": "removed"}
            else:
                change = {"deleted_at": None, "deleted_by": None, "deleted_reason": None}
            db["facts"].update(fact_id, {**change, "updated_by": actor, "updated_at": now})
            action = "remove" if deleted else "restore"
            self._audit(db, now, actor, action, fact_id, rows[0]["guild_id"], before, before)
        return True

    def fact_meta(self, fact_id: str) -> dict[str, Any]:
        """Who made and changed a fact, and when; raises FactNotFoundError."""
        rows = self.read(
            "select created_by, created_at, updated_by, updated_at, deleted_at, deleted_by, "
            "deleted_reason from facts where id = ?",
            [fact_id],
        )
        if not rows:
            raise FactNotFoundError(f"no fact with id {fact_id!r}")
        return rows[0]

    def fact_texts(self, guild_id: int | None, *, with_questions: bool = False) -> dict[str, str]:
        """id -> text of the live facts visible in one server (for fuzzy scans);
        with_questions adds the id, questions and keywords to each text."""
        if with_questions:
            column = (
                "f.id || ' ' || f.text || ' ' || "
                "coalesce((select group_concat(question, ' ') from fact_questions q "
                "where q.fact_id = f.id), '') || ' ' || "
                "coalesce((select group_concat(keyword, ' ') from fact_keywords k "
                "where k.fact_id = f.id), '')"
            )
        else:
            column = "f.text"
        rows = self.read(
            f"select f.id, {column} body from facts f where f.deleted_at is null "
            "and (f.guild_id is null or f.guild_id is ?)",
            [guild_id],
        )
        return {r["id"]: r["body"] for r in rows}

    def facts_in_scope(
        self, guild_id: int | None, *, deleted: bool = False, limit: int = 25, offset: int = 0
    ) -> tuple[list[Fact], int]:
        """A page of facts visible in one server (curated and its own admin
        facts), live or removed, newest first; and the total count."""
        where = (
            f"deleted_at is {'not ' if deleted else ''}null and (guild_id is null or guild_id is ?)"
        )
        total = self.read(f"select count(*) n from facts where {where}", [guild_id])[0]["n"]
        facts = self._facts_where(
            where, [guild_id, limit, offset], tail="order by updated_at desc, id limit ? offset ?"
        )
        return facts, total

    def unanswered(self, guild_id: int | None, *, limit: int = 2000) -> list[dict[str, Any]]:
        """The most recent unanswered, unreviewed questions of one server."""
        return self.read(
            "select id, question, asked_at from question_log where status = 'unknown' "
            "and guild_id is ? and reviewed_at is null order by id desc limit ?",
            [guild_id, limit],
        )

    def mark_reviewed(
        self, question_ids: Iterable[int], *, guild_id: int | None, actor: str
    ) -> int:
        """Take questions off the review queue (dismissed or answered)."""
        ids = list(question_ids)
        with self._write() as db:
            cursor = db.execute(
                "update question_log set reviewed_at = ?, reviewed_by = ? "
                "where guild_id is ? and reviewed_at is null "
                "and id in (select value from json_each(?))",
                [utc_now(), actor, guild_id, json.dumps(ids)],
            )
            return cursor.rowcount

    def audit_entries(self, fact_id: str) -> list[dict[str, Any]]:
        return self.read("select * from audit_log where fact_id = ? order by id", [fact_id])

    # -- usage -----------------------------------------------------------
    def log_question(self, entry: LoggedQuestion) -> int:
        """Record one asked question; returns its id (used for feedback)."""
        user_hash = self.hash_user(entry.user_id) if entry.user_id is not None else None
        with self._write() as db:
            table = db["question_log"]
            table.insert(
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
                pk="id",
            )
            return int(table.last_pk)

    def record_vote(
        self, question_id: int, user_id: int | str, vote: int, *, guild_id: int | None
    ) -> str:
        """Store one user's vote (+1 or -1) on one answer; a second vote replaces
        the first. Returns "added", "changed" or "unchanged".

        Raises FactNotFoundError if the answer is not in the question log of
        that server.
        """
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        user_hash = self.hash_user(user_id)
        with self._write() as db:
            if not db["question_log"].count_where(
                "id = ? and guild_id is ?", [question_id, guild_id]
            ):
                raise FactNotFoundError("that answer is no longer available")
            key = (question_id, user_hash)
            existing = list(
                db.query("select vote from feedback where question_id = ? and user_hash = ?", key)
            )
            db["feedback"].upsert(
                {"question_id": question_id, "user_hash": user_hash, "vote": vote, "at": utc_now()},
                pk=("question_id", "user_hash"),
            )
        if not existing:
            return "added"
        return "unchanged" if existing[0]["vote"] == vote else "changed"

    def votes(self, question_id: int) -> tuple[int, int]:
        """(up, down) votes on one answer."""
        row = self.read(
            "select coalesce(sum(vote = 1), 0) up, coalesce(sum(vote = -1), 0) down "
            "from feedback where question_id = ?",
            [question_id],
        )[0]
        return int(row["up"]), int(row["down"])

    def fact_votes(self, fact_id: str) -> tuple[int, int]:
        """(up, down) votes on every answer that showed this fact."""
        row = self.read(
            "select coalesce(sum(f.vote = 1), 0) up, coalesce(sum(f.vote = -1), 0) down "
            "from feedback f join question_log q on q.id = f.question_id "
            "where q.status = 'answer' and exists "
            "(select 1 from json_each(q.fact_ids) where value = ?)",
            [fact_id],
        )[0]
        return int(row["up"]), int(row["down"])

    def logged_question(self, question_id: int) -> dict[str, Any]:
        """One question-log row; raises FactNotFoundError if there is none."""
        rows = self.read("select * from question_log where id = ?", [question_id])
        if not rows:
            raise FactNotFoundError(f"no answer with id {question_id}")
        row = rows[0]
        row["fact_ids"] = json.loads(row["fact_ids"] or "[]")
        return row

    # -- server settings ---------------------------------------------------
    def set_auto_answer(self, guild_id: int, channel_id: int, on: bool, *, actor: str) -> None:
        with self._write() as db:
            if on:
                db["auto_answer_channels"].upsert(
                    {
                        "guild_id": guild_id,
                        "channel_id": channel_id,
                        "updated_by": actor,
                        "updated_at": utc_now(),
                    },
                    pk=("guild_id", "channel_id"),
                )
            else:
                db["auto_answer_channels"].delete_where(
                    "guild_id = ? and channel_id = ?", [guild_id, channel_id]
                )

    def auto_answer_channels(self) -> set[int]:
        return {r["channel_id"] for r in self.read("select channel_id from auto_answer_channels")}

    def set_admin_role(self, guild_id: int, role_id: int | None, *, actor: str) -> None:
        with self._write() as db:
            db["guild_settings"].upsert(
                {
                    "guild_id": guild_id,
                    "admin_role_id": role_id,
                    "updated_by": actor,
                    "updated_at": utc_now(),
                },
                pk="guild_id",
            )

    def admin_roles(self) -> dict[int, int]:
        """guild id -> the admin role set with /factbot admin-role."""
        return {
            r["guild_id"]: r["admin_role_id"]
            for r in self.read("select * from guild_settings where admin_role_id is not null")
        }

    def question_count(self) -> int:
        return self.read("select count(*) n from question_log")[0]["n"]


def citation_for(fact: Fact, sources: dict[str, Source]) -> Citation:
    source = sources.get(fact.source_id) if fact.source_id else None
    if source is None:
        return Citation(
            source_title=fact.citation_note or "Added by a server admin",
            publisher="",
            date="",
            paragraph=None,
            quote=fact.quote,
            url=_first_url(fact.citation_note),
        )
    return Citation(
        source_title=source.title,
        publisher=source.publisher,
        date=source.date,
        paragraph=fact.paragraph,
        quote=fact.quote,
        url=source.url,
    )


def _first_url(text: str) -> str:
    for word in text.split():
        if word.startswith(("https://", "http://")):
            return word
    return ""


def fact_to_record(fact: Fact) -> dict[str, Any]:
    """The fact as a plain record, in the curated-file format."""
    record = asdict(fact)
    record["questions"] = list(fact.questions)
    record["keywords"] = list(fact.keywords)
    return record


def fact_from_record(record: dict[str, Any]) -> Fact:
    """The inverse of fact_to_record (e.g. a version kept in the audit log)."""
    return _fact_from_row(record, tuple(record["questions"]), tuple(record["keywords"]))


def record_hash(record: dict[str, Any]) -> str:
    """A stable digest of a fact record."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _insert_row(db: Database, table: str, row: dict[str, Any]) -> None:
    """INSERT one row of plain values into an existing table: what sqlite-utils'
    `insert` does, without its schema lookups on every call, which made
    importing many facts twenty times slower."""
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" * len(row))
    db.conn.execute(f"insert into [{table}] ({columns}) values ({marks})", list(row.values()))


def _fact_columns(fact: Fact) -> dict[str, Any]:
    return {
        "id": fact.id,
        "text": fact.text,
        "source_id": fact.source_id,
        "paragraph": fact.paragraph,
        "quote": fact.quote,
        "citation_note": fact.citation_note,
        "origin": fact.origin,
        "guild_id": fact.guild_id,
    }


def _fact_from_row(
    row: dict[str, Any], questions: tuple[str, ...], keywords: tuple[str, ...]
) -> Fact:
    return Fact(
        id=row["id"],
        text=row["text"],
        source_id=row["source_id"],
        paragraph=row["paragraph"],
        quote=row["quote"] or "",
        questions=questions,
        keywords=keywords,
        origin=row["origin"],
        guild_id=row["guild_id"],
        citation_note=row["citation_note"] or "",
    )
