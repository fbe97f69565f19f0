"""Copying an SQLite fact base to a PostgreSQL one (`knowledge migrate --to URL`)
and back (`knowledge migrate --from URL`, into a new SQLite file).

Every table of the logical schema is copied row for row in one transaction on
the server, ids included, so the audit history, the question log and the
change feed keep their numbers; the id sequences are then moved past the
copied ids. The target must be empty (a new database, or a file that does not
exist yet): nothing there is overwritten. The source is only read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .migrations import SEARCH_ROWS
from .portable import SERIAL_COLUMNS, TABLES
from .postgres import SCHEMA_VERSION, SETTING, PostgresStore, redacted
from .sqlite_backend import SqliteBackend

COPIED_TABLES = TABLES  # in the order foreign keys allow
BATCH = 1000


@dataclass(frozen=True)
class CopyReport:
    source: Path
    target: str  # the URL, password hidden
    rows: dict[str, int]  # per table, equal on both sides


def copy_to_postgres(source: Path, url: str) -> CopyReport:
    """Copy the fact base at `source` into the empty PostgreSQL database at `url`.

    Raises StoreError when the source cannot be opened, the target is not
    empty, or the counts differ afterwards (then nothing is committed)."""
    sqlite = SqliteBackend.open(source, create=False)  # upgrades an older file first
    try:
        target = PostgresStore.open(url)
        try:
            rows = _copy(sqlite, target)
        finally:
            target.close()
    finally:
        sqlite.close()
    return CopyReport(source=source, target=redacted(url), rows=rows)


def _copy(sqlite: SqliteBackend, target: PostgresStore) -> dict[str, int]:
    filled = [t for t in ("facts", "audit_log", "question_log") if _count(target, t)]
    if filled:
        raise StoreError(
            f"{SETTING} = {redacted(target.url)!r}: the target already holds "
            f"{', '.join(filled)}; migrate into a new, empty database (createdb NAME)"
        )
    counts: dict[str, int] = {}
    with target.write() as cur:
        cur.execute("delete from meta")  # the new schema's own generation: use the source's
        for table in COPIED_TABLES:
            columns = _columns(target, table)
            source_columns = [r["name"] for r in sqlite.read(f"pragma table_info({table})")]
            extra = sorted(set(source_columns) - set(columns))
            if extra:
                raise StoreError(
                    f"{sqlite.path}: table {table} has columns {extra} this FactBot's "
                    "PostgreSQL schema lacks; was it written by a newer FactBot?"
                )
            names = [c for c in columns if c in source_columns]
            sql = (
                f"insert into {table} ({', '.join(names)}) "
                f"values ({', '.join(['%s'] * len(names))})"
            )
            counts[table] = 0
            for batch in _batches(sqlite, table, names):
                cur.executemany(sql.encode(), batch)
                counts[table] += len(batch)
            if table in SERIAL_COLUMNS:
                col = SERIAL_COLUMNS[table]
                cur.execute(
                    f"select setval(pg_get_serial_sequence('{table}', '{col}'), "
                    f"coalesce(max({col}), 0) + 1, false) from {table}".encode()
                )
            cur.execute(f"select count(*) n from {table}".encode())
            row = cur.fetchone()
            if row is None or int(row["n"]) != counts[table]:
                raise StoreError(f"{redacted(target.url)}: copying {table} lost rows")
    return counts


def _batches(sqlite: SqliteBackend, table: str, names: list[str]) -> Iterator[list[list[Any]]]:
    order = "rowid"
    last = 0
    while True:
        rows = sqlite.read(
            f"select rowid as _r, {', '.join(names)} from {table} "
            f"where rowid > ? order by {order} limit {BATCH}",
            [last],
        )
        if not rows:
            return
        last = rows[-1]["_r"]
        yield [[r[n] for n in names] for r in rows]


def _columns(target: PostgresStore, table: str) -> list[str]:
    return [
        r["column_name"]
        for r in target.read(
            "select column_name from information_schema.columns "
            "where table_schema = current_schema() and table_name = ? order by ordinal_position",
            [table],
        )
    ]


def _count(target: PostgresStore, table: str) -> int:
    return int(target.read(f"select count(*) n from {table}")[0]["n"])


def copy_from_postgres(url: str, dest: Path) -> CopyReport:
    """Copy the PostgreSQL fact base at `url` into a new SQLite file `dest`.

    Raises StoreError when `dest` exists, the server cannot be reached, or the
    counts differ afterwards (then `dest` is not left behind)."""
    if dest.exists():
        raise StoreError(f"{dest}: already exists; name a new file to copy the fact base into")
    source = PostgresStore.open(url)
    try:
        if source.schema_version != SCHEMA_VERSION:
            raise StoreError(f"{redacted(url)}: schema version {source.schema_version} unknown")
        target = SqliteBackend.open(dest)
        try:
            rows = _copy_back(source, target)
        except BaseException:
            target.close()
            dest.unlink(missing_ok=True)
            raise
        target.close()
    finally:
        source.close()
    return CopyReport(source=dest, target=redacted(url), rows=rows)


def _copy_back(source: PostgresStore, target: SqliteBackend) -> dict[str, int]:
    counts: dict[str, int] = {}
    with target.write() as db:
        db.execute("delete from meta")  # the new file's own rows: use the server's
        db.execute("delete from lexicon_entries")
        for table in COPIED_TABLES:
            kept = {r["name"] for r in db.query(f"pragma table_info({table})")}
            names = [c for c in _columns(source, table) if c in kept]  # not row_order
            sql = f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})"
            order = "row_order" if table == "facts" else "1"  # facts keep their order
            rows = source.read(f"select {', '.join(names)} from {table} order by {order}")
            db.conn.executemany(sql, [[r[n] for n in names] for r in rows])
            counts[table] = len(rows)
            if db.execute(f"select count(*) from {table}").fetchone()[0] != len(rows):
                raise StoreError(f"{target.path}: copying {table} lost rows")
        db.execute(f"insert into fact_search (rowid, text, extra) {SEARCH_ROWS} from facts f")
    return counts
