"""A read-only look at a fact base file, for health checks and status reports.

Unlike FactStore.open, this never creates, migrates or writes anything: it opens
the file with SQLite's read-only mode, so it is safe to run against the database
of a bot that is running (from a health check or another process).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError
from .migrations import applied_migration_names, known_migration_names


@dataclass(frozen=True)
class DatabaseInfo:
    """What `database_info` found: sizes in bytes, the schema steps applied."""

    path: Path | str  # the file, or a PostgreSQL URL without its password
    size_bytes: int
    wal_bytes: int
    facts: int  # live facts (not removed or retired)
    schema_steps: tuple[str, ...]  # applied migration names, oldest first
    pending_steps: tuple[str, ...]  # steps this FactBot knows that are not applied
    unknown_steps: tuple[str, ...]  # steps a newer FactBot applied
    latest_change: int | None = None  # the change feed's last sequence number
    generation: str | None = None  # which copy of the fact base (a restore makes a new one)

    @property
    def schema_version(self) -> str:
        """The last applied step, e.g. "0002_guild_settings" ("none" when empty)."""
        return self.schema_steps[-1] if self.schema_steps else "none"

    @property
    def schema_state(self) -> str:
        """ "current", "older" (a start will upgrade it) or "newer" (refused)."""
        if self.unknown_steps:
            return "newer"
        return "older" if self.pending_steps else "current"


def database_info(path: Path | str) -> DatabaseInfo:
    """Open `path` read-only and report its size, live fact count and schema.

    Raises StoreError naming the file when it is missing, a folder, not an
    SQLite database, not a FactBot database, or cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: fact base not found")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the fact base: {exc}") from None
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
        if "facts" not in tables or "_sqlite_migrations" not in tables:
            raise StoreError(f"{path}: is not a FactBot database")
        facts = conn.execute("select count(*) from facts where deleted_at is null").fetchone()[0]
        latest_change, generation = None, None
        if "changes" in tables:
            latest_change, generation = conn.execute(
                "select (select coalesce(max(seq), 0) from changes), "
                "(select value from meta where key = 'generation')"
            ).fetchone()
        applied = tuple(applied_migration_names(conn))
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read the fact base: {exc}") from None
    finally:
        conn.close()
    known = known_migration_names()
    wal = path.with_name(path.name + "-wal")
    return DatabaseInfo(
        path=path,
        size_bytes=path.stat().st_size,
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
        facts=int(facts),
        schema_steps=applied,
        pending_steps=tuple(name for name in known if name not in applied),
        unknown_steps=tuple(name for name in applied if name not in known),
        latest_change=latest_change,
        generation=generation,
    )
