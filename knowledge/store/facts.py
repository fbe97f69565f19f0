"""The facts table, with their questions and keywords, and the audit log of
every change to them.

The functions below the class are the write primitives: they run inside a
write (`FactStore.write()`) so several make one transaction, as the curated
sync (knowledge.curation.sync) needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import FactChangedError, FactNotFoundError, ScopeConflictError, StoreError
from ..models import Fact
from .backend import Tx, ids_param
from .changes import FACT, FACTS, record_change
from .connection import StoreConnection, utc_now
from .fact_search import children_text, index_for_search
from .records import (
    fact_columns,
    fact_from_row,
    fact_to_record,
    insert_audit_row,
    record_hash,
)

# Facts counted for a page of /fact list: a million would take a second.
LIST_COUNT_MAX = 10_000


class FactTable(StoreConnection):
    """Reads and writes facts; every change is audited in the same transaction."""

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

    def live_facts_by_id(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """id -> fact, for those of `fact_ids` that are live."""
        return {
            fact.id: fact
            for fact in self._facts_where(
                f"deleted_at is null and id in ({self.dialect.json_values()})",
                [ids_param(fact_ids)],
            )
        }

    def fact_counts(self, guild_id: int | None = None) -> dict[str, int]:
        """Live facts by origin, counting admin facts of one server (or all)."""
        scope = "" if guild_id is None else "and (guild_id is null or guild_id = ?) "
        rows = self.read(
            f"select origin, count(*) n from facts where deleted_at is null {scope}group by origin",
            [] if guild_id is None else [guild_id],
        )
        counts = {"curated": 0, "admin": 0}
        counts.update({r["origin"]: int(r["n"]) for r in rows})
        return counts

    def _facts_where(
        self, where: str, params: Iterable[Any] = (), tail: str | None = None
    ) -> list[Fact]:
        tail = f"order by {self.dialect.row_order}" if tail is None else tail
        rows = self.read(f"select * from facts where {where} {tail}", params)
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        questions = self._children("fact_questions", "question", ids)
        keywords = self._children("fact_keywords", "keyword", ids)
        return [
            fact_from_row(r, questions.get(r["id"], ()), keywords.get(r["id"], ())) for r in rows
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

    def add_fact(self, fact: Fact, *, actor: str) -> Fact:
        """Insert a new fact (with its audit entry) in one transaction.

        Raises StoreError if the id is already taken.
        """
        with self.write() as tx:
            if tx.exists("facts", "id = ?", [fact.id]):
                raise StoreError(f"a fact with id {fact.id!r} already exists")
            insert_fact(tx, fact, actor=actor, now=utc_now())
        return fact

    def stored_facts(self, fact_ids: Iterable[str]) -> dict[str, tuple[Fact, str]]:
        """id -> (stored fact, version) of those that exist (see `stored_facts`)."""
        with self.reading() as tx:
            return stored_facts(tx, fact_ids)

    def fact_versions(self, fact_ids: Iterable[str]) -> dict[str, str | None]:
        """Each fact's version: a digest of everything stored about it, None for no
        such fact. A preview records these; the write it confirms passes them back."""
        with self.reading() as tx:
            return {i: fact_version(tx, i) for i in fact_ids}

    def save_facts(
        self,
        facts: Iterable[Fact],
        *,
        actor: str,
        action: str = "update",
        expected: Mapping[str, str | None] | None = None,
    ) -> None:
        """Insert new facts and replace existing ones, all in one transaction,
        each with its audit entry (`action` for replacements: update, rollback,
        import). Origin and server scope of an existing fact never change
        (ScopeConflictError). With `expected` (fact id -> version, None for "no
        such fact"), raises FactChangedError if any of them changed; either way
        nothing is written."""
        now = utc_now()
        facts = list(facts)
        with self.write() as tx:
            for fact in facts:
                if tx.exists("facts", "id = ?", [fact.id]):
                    _check_scope(stored_record(tx, fact.id), fact)
            if expected:
                _check_versions(tx, expected)
            for fact in facts:
                if not tx.exists("facts", "id = ?", [fact.id]):
                    insert_fact(tx, fact, actor=actor, now=now)
                    continue
                before = stored_record(tx, fact.id)
                after = fact_to_record(fact)
                if before == after:
                    continue
                replace_fact(tx, fact, actor=actor, now=now)
                write_audit_entry(tx, now, actor, action, fact.id, fact.guild_id, before, after)

    def set_deleted(
        self, fact_id: str, *, deleted: bool, actor: str, expected: str | None = None
    ) -> bool:
        """Soft-delete (remove) or restore a fact, with its audit entry.

        Returns False when it already was in that state. Raises
        FactNotFoundError if there is no such fact, and FactChangedError if
        `expected` is given and is not the fact's version.
        """
        now = utc_now()
        with self.write() as tx:
            rows = tx.query("select * from facts where id = ?", [fact_id])
            if not rows:
                raise FactNotFoundError(f"no fact with id {fact_id!r}")
            if expected is not None:
                _check_versions(tx, {fact_id: expected})
            if (rows[0]["deleted_at"] is not None) == deleted:
                return False
            before = stored_record(tx, fact_id)
            change: dict[str, str | None]
            if deleted:
                change = {"deleted_at": now, "deleted_by": actor, "deleted_reason": "removed"}
            else:
                change = {"deleted_at": None, "deleted_by": None, "deleted_reason": None}
            tx.update("facts", {"id": fact_id}, {**change, "updated_by": actor, "updated_at": now})
            action = "remove" if deleted else "restore"
            write_audit_entry(tx, now, actor, action, fact_id, rows[0]["guild_id"], before, before)
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
        column = (
            "f.id || ' ' || f.text || ' ' || " + children_text(self.dialect)
            if with_questions
            else "f.text"
        )
        rows = self.read(
            f"select f.id, {column} body from facts f where f.deleted_at is null "
            "and (f.guild_id is null or f.guild_id is not distinct from ?)",
            [guild_id],
        )
        return {r["id"]: r["body"] for r in rows}

    def facts_in_scope(
        self, guild_id: int | None, *, deleted: bool = False, limit: int = 25, offset: int = 0
    ) -> tuple[list[Fact], int]:
        """A page of facts visible in one server (curated and its own admin
        facts), live or removed, newest first; and the total count, counted up
        to LIST_COUNT_MAX + 1 (more reads as that)."""
        # `+guild_id`: the scope is read from the index below, never looked up
        # by server (the curated facts are in every scope), so a page is read
        # from index facts_live_by_update (or _removed_) in order.
        where = (
            f"deleted_at is {'not ' if deleted else ''}null "
            "and (+guild_id is null or +guild_id is not distinct from ?)"
        )
        total = int(
            self.read(
                f"select count(*) n from (select 1 from facts where {where} limit ?) page",
                [guild_id, LIST_COUNT_MAX + 1],
            )[0]["n"]
        )
        facts = self._facts_where(
            where, [guild_id, limit, offset], tail="order by updated_at desc, id limit ? offset ?"
        )
        return facts, total

    def audit_entries(self, fact_id: str) -> list[dict[str, Any]]:
        return self.read("select * from audit_log where fact_id = ? order by id", [fact_id])


# -- write primitives (inside FactStore.write()) ------------------------------


def insert_fact(
    tx: Tx, fact: Fact, *, actor: str, now: str, curated_hash: str | None = None
) -> None:
    """Insert a new fact, its questions and keywords, and its "create" audit
    entry; `curated_hash` marks a curated fact with its file entry's digest."""
    extra = {} if curated_hash is None else {"curated_hash": curated_hash}
    tx.insert(
        "facts",
        {
            **fact_columns(fact),
            "created_by": actor,
            "created_at": now,
            "updated_by": actor,
            "updated_at": now,
            **extra,
        },
    )
    _write_children(tx, fact)
    index_for_search(tx, [fact.id])
    write_audit_entry(tx, now, actor, "create", fact.id, fact.guild_id, None, fact_to_record(fact))


def replace_fact(tx: Tx, fact: Fact, *, actor: str, now: str) -> None:
    """Overwrite an existing fact's columns, questions and keywords (not audited:
    the caller writes the entry, as it knows the action)."""
    tx.update(
        "facts", {"id": fact.id}, {**fact_columns(fact), "updated_by": actor, "updated_at": now}
    )
    tx.execute("delete from fact_questions where fact_id = ?", [fact.id])
    tx.execute("delete from fact_keywords where fact_id = ?", [fact.id])
    _write_children(tx, fact)
    index_for_search(tx, [fact.id])


def _write_children(tx: Tx, fact: Fact) -> None:
    tx.executemany(
        "insert into fact_questions (fact_id, position, question) values (?, ?, ?)",
        [(fact.id, i, q) for i, q in enumerate(fact.questions)],
    )
    tx.executemany(
        "insert into fact_keywords (fact_id, position, keyword) values (?, ?, ?)",
        [(fact.id, i, k) for i, k in enumerate(fact.keywords)],
    )


def stored_record(tx: Tx, fact_id: str) -> dict[str, Any]:
    """The stored fact (live or not) as a record, in the curated-file format."""
    rows = tx.query("select * from facts where id = ?", [fact_id])
    if not rows:
        raise FactNotFoundError(f"no fact with id {fact_id!r}")
    row = rows[0]
    questions = [
        r["question"]
        for r in tx.query(
            "select question from fact_questions where fact_id = ? order by position", [fact_id]
        )
    ]
    keywords = [
        r["keyword"]
        for r in tx.query(
            "select keyword from fact_keywords where fact_id = ? order by position", [fact_id]
        )
    ]
    return fact_to_record(fact_from_row(row, tuple(questions), tuple(keywords)))


def fact_version(tx: Tx, fact_id: str) -> str | None:
    """A digest of everything stored about the fact (removed or not); None if absent."""
    rows = tx.query("select deleted_reason from facts where id = ?", [fact_id])
    if not rows:
        return None
    return record_hash({**stored_record(tx, fact_id), "removed": rows[0]["deleted_reason"]})


def _check_versions(tx: Tx, expected: Mapping[str, str | None]) -> None:
    """Raises FactChangedError naming every fact whose version is not `expected`."""
    changed = [i for i, version in expected.items() if fact_version(tx, i) != version]
    if changed:
        raise FactChangedError(changed)


def _check_scope(before: dict[str, Any], fact: Fact) -> None:
    """Raises ScopeConflictError if `fact` would move the stored fact to another scope."""
    if before["origin"] == fact.origin and before["guild_id"] == fact.guild_id:
        return
    if before["origin"] == "curated":
        whose = "a curated fact"
    elif fact.origin == "curated":
        whose = "a server's own fact"
    else:
        whose = "another server's fact"
    raise ScopeConflictError(f"`{fact.id}` is {whose}; nothing was written")


def write_audit_entry(
    tx: Tx,
    now: str,
    actor: str,
    action: str,
    fact_id: str,
    guild_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    announce: bool = True,
) -> None:
    """Record one change to a fact: who, when, what, and the record before and
    after; and tell the other processes (the change feed) to reindex it, unless
    announce=False (import_facts announces a whole batch with one row)."""
    insert_audit_row(tx, now, actor, action, fact_id, guild_id, before, after)
    if announce:
        record_change(tx, FACT, fact_id)


def stored_facts(tx: Tx, fact_ids: Iterable[str]) -> dict[str, tuple[Fact, str]]:
    """id -> (the stored fact, removed or not, and its version as fact_version
    gives it), for those of `fact_ids` that exist; a few queries for any number."""
    rows = tx.query(
        f"select * from facts where id in ({tx.dialect.json_values()})", [ids_param(fact_ids)]
    )
    if not rows:
        return {}
    children: dict[str, tuple[list[str], list[str]]] = {r["id"]: ([], []) for r in rows}
    ids = ids_param(children)
    for table, column, slot in (("fact_questions", "question", 0), ("fact_keywords", "keyword", 1)):
        for row in tx.query(
            f"select fact_id, {column} from {table} "
            f"where fact_id in ({tx.dialect.json_values()}) order by fact_id, position",
            [ids],
        ):
            children[row["fact_id"]][slot].append(row[column])
    found = {}
    for row in rows:
        questions, keywords = children[row["id"]]
        fact = fact_from_row(row, tuple(questions), tuple(keywords))
        version = record_hash({**fact_to_record(fact), "removed": row["deleted_reason"]})
        found[fact.id] = (fact, version)
    return found


def import_facts(
    tx: Tx, added: Sequence[Fact], changed: Sequence[Fact], *, actor: str, now: str
) -> None:
    """Insert new facts and replace changed ones, each with its audit entry
    ("create", "import"), and tell the other processes with one FACTS row naming
    the batch's audit entries: a running bot reindexes just these facts. The
    caller checks scopes and versions (inside the same write)."""
    first = int(tx.scalar("select coalesce(max(id), 0) + 1 from audit_log"))
    tx.executemany(
        "insert into facts (id, text, source_id, paragraph, quote, citation_note, origin, "
        "guild_id, created_by, created_at, updated_by, updated_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*fact_columns(f).values(), actor, now, actor, now) for f in added],
    )
    tx.executemany(
        "insert into fact_questions (fact_id, position, question) values (?, ?, ?)",
        [(f.id, i, q) for f in added for i, q in enumerate(f.questions)],
    )
    tx.executemany(
        "insert into fact_keywords (fact_id, position, keyword) values (?, ?, ?)",
        [(f.id, i, k) for f in added for i, k in enumerate(f.keywords)],
    )
    index_for_search(tx, [f.id for f in added])
    audit = [
        (
            now,
            actor,
            "create",
            f.id,
            f.guild_id,
            None,
            json.dumps(fact_to_record(f), ensure_ascii=False),
        )
        for f in added
    ]
    tx.executemany(
        "insert into audit_log (at, actor, action, fact_id, guild_id, before, after) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        audit,
    )
    for fact in changed:
        before = stored_record(tx, fact.id)
        replace_fact(tx, fact, actor=actor, now=now)
        after = fact_to_record(fact)
        write_audit_entry(
            tx, now, actor, "import", fact.id, fact.guild_id, before, after, announce=False
        )
    last = int(tx.scalar("select coalesce(max(id), 0) from audit_log"))
    if last >= first:
        record_change(tx, FACTS, f"{first}-{last}")


def curated_rows(tx: Tx) -> dict[str, dict[str, Any]]:
    """id -> facts-table row of every curated fact, retired ones included."""
    return {row["id"]: row for row in tx.query("select * from facts where origin = 'curated'")}


def ids_taken_by_other_origins(tx: Tx, fact_ids: Iterable[str]) -> list[str]:
    """Those of `fact_ids` that belong to facts that are not curated."""
    return [
        row["id"]
        for row in tx.query(
            f"select id from facts where origin != 'curated' and id in ({tx.dialect.json_values()})",
            [ids_param(fact_ids)],
        )
    ]


def set_curated_hash(tx: Tx, fact_id: str, curated_hash: str) -> None:
    """Remember the digest of the file entry a curated fact now matches."""
    tx.update("facts", {"id": fact_id}, {"curated_hash": curated_hash})


def mark_retired(tx: Tx, fact_id: str, *, actor: str, now: str) -> None:
    """Soft-delete a curated fact that left the files (not audited here)."""
    tx.update(
        "facts",
        {"id": fact_id},
        {"deleted_at": now, "deleted_by": actor, "deleted_reason": "retired"},
    )


def clear_deletion(tx: Tx, fact_id: str) -> None:
    """Make a retired or removed fact live again (not audited here)."""
    tx.update(
        "facts", {"id": fact_id}, {"deleted_at": None, "deleted_by": None, "deleted_reason": None}
    )
