"""The store's one connection, on whichever backend it was opened with: its
one read path and its one write path.

`StoreConnection.open` (a file) and `open_url` (database.url) choose the
backend once (knowledge.store.backend); the store modules built on this class
only see `read`, `write` and `reading`, and the backend's `Dialect`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, Self

from sqlite_utils import Database

from ..errors import StoreError
from .backend import Dialect, Tx, utc_now
from .sqlite_backend import SqliteBackend

__all__ = ["StoreConnection", "utc_now"]


class Backend(Protocol):
    """What a backend (SqliteBackend, PgBackend) gives the store."""

    @property
    def dialect(self) -> Dialect: ...

    def transaction(self) -> Any: ...  # a context manager yielding a Tx
    def reading(self) -> Any: ...  # likewise, for reads outside a transaction
    def snapshot(self) -> Any: ...  # likewise, reads of one consistent state
    def read(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]: ...
    def change_marker(self) -> object: ...
    def check_file_is_ours(self) -> None: ...
    def close(self) -> None: ...

    @property
    def name(self) -> str: ...

    @property
    def schema_version(self) -> str | int: ...


class StoreConnection:
    """The connection to one fact base, on SQLite or PostgreSQL."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000, create: bool = True) -> Self:
        """Open (and create or upgrade) the SQLite fact base at `path`
        (SqliteBackend.open says what it checks and raises)."""
        return cls(SqliteBackend.open(path, busy_timeout_ms=busy_timeout_ms, create=create))

    @classmethod
    def in_memory(cls) -> Self:
        """A throwaway SQLite store (tests and the eval runner)."""
        return cls(SqliteBackend.in_memory())

    @property
    def dialect(self) -> Dialect:
        return self.backend.dialect

    @property
    def path(self) -> Path | None:
        """The SQLite file (None in memory and on PostgreSQL)."""
        return getattr(self.backend, "path", None)

    @property
    def name(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        return self.backend.name

    @property
    def db(self) -> Database:
        """The sqlite-utils Database (SQLite only: tests and maintenance)."""
        if not isinstance(self.backend, SqliteBackend):
            raise StoreError(f"{self.name}: not an SQLite database")
        return self.backend.db

    def close(self) -> None:
        self.backend.close()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """The one write path: one transaction (nested ones are savepoints),
        serialised in this process; the backend says how across processes.
        Raises StoreError (naming the database) when the write is refused; the
        transaction is then rolled back."""
        with self.backend.transaction() as tx:
            yield tx

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """Several reads together, under the store lock (no transaction)."""
        with self.backend.reading() as tx:
            yield tx

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Several reads that all see one consistent state of the database
        while others keep writing (for exports). Raises StoreError (naming the
        database) when it cannot be read."""
        with self.backend.snapshot() as tx:
            yield tx

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Run one read-only query; rows as dicts. Raises StoreError (naming the
        database) when it is refused."""
        return self.backend.read(sql, params)

    @property
    def schema_version(self) -> str:
        """The schema's version, as the backend names it (a migration's name
        on SQLite, a step number on PostgreSQL)."""
        return str(self.backend.schema_version)
