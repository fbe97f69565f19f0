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

The table, the cursor and the generation are the same SQL on both backends;
`change_marker`, the cheap "did anything change?" check, is the backend's own
(PRAGMA data_version on SQLite, the feed's last row on PostgreSQL). One thing
the cursor relies on: sequence numbers become visible in order, so a reader
never skips a row committed later with a lower number. SQLite has one writer
at a time; on PostgreSQL `Tx.lock_change_feed` takes an advisory lock before
the row is added (knowledge.store.postgres).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .backend import Tx
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


def record_change(tx: Tx, kind: str, key: str | int | None = None) -> None:
    """Add one row to the feed, inside a write (FactStore.write), and prune old rows."""
    tx.lock_change_feed()
    seq = tx.insert(
        "changes",
        {"at": utc_now(), "kind": kind, "key": None if key is None else str(key)},
        returning="seq",
    )
    tx.execute("delete from changes where seq <= ?", [int(seq or 0) - CHANGES_KEPT])


def new_generation(tx: Tx) -> str:
    """Give the database a new generation id, inside a write: every process
    then reloads what it holds from it."""
    generation = secrets.token_hex(8)
    tx.upsert("meta", {"key": "generation", "value": generation}, pk=("key",))
    return generation


class ChangeFeed(StoreConnection):
    """Reads the change feed."""

    def change_marker(self) -> object:
        """A value that differs whenever anything was committed to the database
        since the last call, by this process or another: the backend's cheap
        check (no query on SQLite, one index lookup on PostgreSQL).

        Raises StoreError (naming the database) when it cannot be read."""
        return self.backend.change_marker()

    def check_file_is_ours(self) -> None:
        """Raises StoreError when the SQLite file was replaced under this
        process (nothing to check on PostgreSQL)."""
        self.backend.check_file_is_ours()

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
