"""The fact base in an SQLite file: opening it, and its one read path and one
write path (the SQLite side of the backend seam, knowledge.store.backend).

One connection, guarded by one lock, so every write goes through one path and
the object can be used from worker threads (the bot calls it through
asyncio.to_thread). WAL mode and a busy timeout let other processes read and
back up while the bot writes; every commit is fsynced before it returns.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from ..errors import StoreError
from . import dbfile
from .backend import SQLITE, Tx
from .migrations import applied_migration_names, migrations


class SqliteTx(Tx):
    """Statements on one sqlite3 connection (inside SqliteBackend.write, or reads)."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return self.conn.execute(sql, list(params)).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def columns(self, table: str) -> list[str]:
        cursor = self.conn.execute(f'select * from "{table}" limit 0')
        return [d[0] for d in cursor.description or ()]

    def stream(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        yield from self.conn.execute(sql, list(params))


class _OpenRace(Exception):
    """Opening met another process's lock at start-up; worth another try."""


class SqliteBackend:
    """The connection to one fact base file (or an in-memory one)."""

    dialect = SqliteTx.dialect

    def __init__(self, db: Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._lock = threading.RLock()
        self.file_id = dbfile.file_id(path)  # to tell when the file is replaced

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000, create: bool = True) -> Self:
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
    def _connect(cls, path: Path, busy_timeout_ms: int) -> Self:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                str(path), check_same_thread=False, timeout=busy_timeout_ms / 1000
            )
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(Database(conn, execute_plugins=False), path)
            dbfile.check_schema_is_known(store.db.conn, store.path)
            if store.db.journal_mode != "wal":
                store.db.enable_wal()
            # FULL: a commit is on disk (the WAL fsynced) before the user is told,
            # so a confirmed change survives a power cut too, not only a crash.
            store.db.execute("PRAGMA synchronous = FULL")
            with store.write() as db:  # one process migrates; the others wait, then skip
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
    def in_memory(cls) -> Self:
        """A throwaway store (tests and the eval runner)."""
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        store = cls(Database(conn, execute_plugins=False), None)
        with store.write():
            migrations.apply(store.db)
        return store

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def write(self) -> Iterator[Database]:
        """The one write path: serialised in this process by a lock, across
        processes by BEGIN IMMEDIATE (which waits up to the busy timeout rather
        than failing with "database is locked" halfway through), and atomic.

        Raises StoreError (naming the file) when SQLite refuses the write; the
        transaction is then rolled back."""
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

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """write(), as the store modules use it: one transaction, as a Tx."""
        with self.write() as db:
            yield SqliteTx(db.conn)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """Several reads under the store lock, as a Tx (no transaction)."""
        with self._lock:
            try:
                yield SqliteTx(self.db.conn)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._name}: read failed: {self._explain(exc)}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Reads that all see one consistent state of the database, while other
        processes keep writing (a deferred transaction: WAL mode gives it its
        own snapshot from its first read, and blocks no writer)."""
        with self._lock:
            conn = self.db.conn
            try:
                conn.execute("BEGIN")
                try:
                    yield SqliteTx(conn)
                finally:
                    conn.rollback()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._name}: read failed: {self._explain(exc)}") from exc

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

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Run one read-only query under the store lock; rows as dicts.

        Raises StoreError (naming the file) when SQLite refuses the read."""
        with self._lock:
            try:
                return list(self.db.query(sql, list(params)))
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._name}: read failed: {self._explain(exc)}") from exc

    @property
    def name(self) -> str:
        """The file, as messages name it."""
        return self._name

    @property
    def _name(self) -> str:
        return str(self.path or ":memory:")

    def _explain(self, exc: sqlite3.Error) -> str:
        return dbfile.explain(self.path, exc) if self.path else str(exc)

    @property
    def schema_version(self) -> str:
        """The name of the last migration applied ("none" before any)."""
        with self._lock:
            applied = applied_migration_names(self.db.conn)
        return applied[-1] if applied else "none"
