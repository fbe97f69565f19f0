"""The change feed: what changed in the fact base, in order, so that every
process holding it in memory can catch up with what the others wrote.

Every write that changes what a process holds in memory (its index of facts,
the aliases and sources it was built with, the server settings) adds a row to
`changes` through `record_change`, in the same transaction, so a change and
its row are committed together or not at all. A process remembers the last
sequence number it applied and reads only the rows after it.

`FeedPosition.generation` names one copy of the fact base: a restore gives the
database a new one, and a process that sees another generation (or a sequence
number that went backwards) reloads everything.

Only `change_marker` is SQLite's own (PRAGMA data_version); the table, the
cursor and the generation work the same on any SQL database. One thing the
cursor relies on: SQLite has one writer at a time, so sequence numbers become
visible in order and a reader never skips a row committed later with a lower
number. A database with concurrent writers (PostgreSQL's sequences) needs the
same guarantee another way, e.g. a lock taken before the row is added.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..errors import StoreError
from . import dbfile
from .connection import StoreConnection, utc_now

# What changed (the `kind` column), and what its `key` names.
FACT = "fact"  # one fact was added, edited, removed, restored or retired; key: its id
FACTS = "facts"  # many facts (a bulk import batch); key: "FIRST-LAST" audit_log ids
SETTINGS = "settings"  # a server's auto-answer channels or admin role; key: the server id
ALIASES = "aliases"  # the alias table, or (key: the server id) a server's aliases
SOURCES = "sources"  # the sources table
LEXICON = "lexicon"  # the curated synonyms, fillers and descriptions a build wrote

# Rows older than this many changes are deleted; a process further behind
# reloads everything instead of reading them.
CHANGES_KEPT = 100_000


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str
    key: str | None


@dataclass(frozen=True)
class FeedPosition:
    """Which copy of the fact base, and the last change committed to it."""

    generation: str
    seq: int


# The generation and the last change, read together (the same SQL on any backend).
FEED_POSITION_SQL = (
    "select (select value from meta where key = 'generation') generation, "
    "(select coalesce(max(seq), 0) from changes) seq"
)


def feed_position_of(row: dict[str, Any]) -> FeedPosition:
    return FeedPosition(generation=row["generation"] or "", seq=int(row["seq"]))


def record_change(db: Database, kind: str, key: str | int | None = None) -> None:
    """Add one row to the feed, inside a write (FactStore.write), and prune old rows."""
    cursor = db.execute(
        "insert into changes (at, kind, key) values (?, ?, ?)",
        [utc_now(), kind, None if key is None else str(key)],
    )
    db.execute("delete from changes where seq <= ?", [(cursor.lastrowid or 0) - CHANGES_KEPT])


def new_generation(db: Database) -> str:
    """Give the database a new generation id, inside a write: every process
    then reloads what it holds from it."""
    generation = secrets.token_hex(8)
    db.table("meta").upsert({"key": "generation", "value": generation}, pk="key")
    return generation


class ChangeFeed(StoreConnection):
    """Reads the change feed."""

    def change_marker(self) -> tuple[int, int]:
        """A value that differs whenever anything was committed to the database
        since the last call, by this process or another; costs no query.

        Raises StoreError (naming the file) when SQLite refuses."""
        with self._lock:
            conn = self.db.conn
            try:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._name}: read failed: {self._explain(exc)}") from exc
            # data_version counts the other connections' commits; total_changes our own.
            return int(version), conn.total_changes

    def check_file_is_ours(self) -> None:
        """Raises StoreError when another file now has the database's name (it
        was copied or moved over while this process had it open): this
        connection still reads the old one, and SQLite cannot switch safely."""
        if self.path is not None and dbfile.file_id(self.path) != self.file_id:
            raise StoreError(
                f"{self.path}: the file was replaced while FactBot had it open, so this "
                "process still reads the old one; restart it (`python -m knowledge restore` "
                "restores a backup without a restart)"
            )

    def feed_position(self) -> FeedPosition:
        """The generation and the last change, read together."""
        return feed_position_of(self.read(FEED_POSITION_SQL)[0])

    def audited_fact_ids(self, key: str) -> list[str]:
        """The facts a FACTS change names: those of its audit entries ("FIRST-LAST")."""
        first, _, last = key.partition("-")
        return [
            r["fact_id"]
            for r in self.read(
                "select fact_id from audit_log where id between ? and ? order by id",
                [int(first), int(last)],
            )
        ]

    def changes_between(self, after: int, up_to: int) -> list[Change]:
        """The changes with after < seq <= up_to, oldest first."""
        return [
            Change(seq=r["seq"], kind=r["kind"], key=r["key"])
            for r in self.read(
                "select seq, kind, key from changes where seq > ? and seq <= ? order by seq",
                [after, up_to],
            )
        ]
