"""The portable backup: every table of the fact base as JSON Lines, read and
written through the store's backend seam, so an export of an SQLite fact base
restores into PostgreSQL and back (`knowledge backup --portable`, and the only
kind of `knowledge backup` on PostgreSQL).

The file is UTF-8 text, one JSON object a line:

- a header: {"format": "factbot-export", "format_version": 1,
  "schema_version": the last migration of the logical schema (migrations.py),
  "source": the backend, "created_at", "tables": {table: [column, ...]}};
- one line per row, {"t": table, "r": [value, ...]} in the header's column
  order, tables in TABLES order (foreign keys allow it), facts in the order
  they were added (the index loads them in that order);
- a trailer: {"end": {"rows": {table: count}, "sha256": of every byte before
  the trailer}}, so a truncated or altered file is told from a whole one.

An export reads one consistent snapshot (`StoreConnection.snapshot`) while
others keep writing; it is written under a temporary name and renamed into
place. A restore checks the whole file first, then replaces every table's
rows in one transaction (ids kept, so the audit log, the question log and the
change feed keep their numbers) and gives the database a new generation, so
every running process reloads it whole: a reader sees the old fact base or the
new one, never a mix, and a file that fails a check changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import SchemaTooNewError, StoreError
from .backend import Tx, utc_now
from .backup import _kept_name, _publish, _remove, _temporary_name, backup
from .changes import new_generation
from .connection import StoreConnection
from .migrations import SEARCH_ROWS, known_migration_names

FORMAT = "factbot-export"
FORMAT_VERSION = 1

# Every table of the logical schema, in the order foreign keys allow.
# fmt: off
TABLES = (
    "meta", "sources", "facts", "fact_questions", "fact_keywords", "aliases", "audit_log",
    "question_log", "feedback", "guild_settings", "auto_answer_channels", "changes",
    "lexicon_entries", "server_aliases", "imports",
)
# fmt: on
# Columns one backend keeps for itself (PostgreSQL's stand-in for SQLite's rowid).
BACKEND_COLUMNS = frozenset({"row_order"})
# Ids PostgreSQL numbers from a sequence, moved past the restored ids.
SERIAL_COLUMNS = {"audit_log": "id", "question_log": "id", "changes": "seq", "imports": "id"}
BATCH = 1000


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote, or a restore read."""

    path: Path
    size_bytes: int
    schema_version: str
    source: str  # the backend the export was made from
    rows: dict[str, int]  # per table

    @property
    def facts(self) -> int:
        return self.rows.get("facts", 0)


def is_portable(path: Path) -> bool:
    """True when the file starts like a portable export (not an SQLite file)."""
    try:
        with path.open("rb") as handle:
            return handle.read(64).startswith(b'{"format":"' + FORMAT.encode())
    except OSError:
        return False


def export(store: StoreConnection, dest: Path | str, *, force: bool = False) -> ExportReport:
    """Write every row of the fact base to `dest` as a portable export, from
    one consistent snapshot (safe while the bot runs).

    Raises StoreError naming the file when `dest` exists (unless force), is
    the database itself or a folder, or cannot be written; nothing is then
    left at `dest`."""
    dest = Path(dest)
    if dest.is_dir() or (store.path is not None and dest.resolve() == store.path.resolve()):
        raise StoreError(f"{dest}: is the database itself or a folder; give a new file name")
    if dest.exists() and not force:
        raise StoreError(f"{dest}: already exists; add --force to replace it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest}: cannot create its folder: {exc}") from None
    temporary = _temporary_name(dest)
    try:
        with store.snapshot() as tx, temporary.open("wb") as out:
            rows = _write(tx, out, source=store.dialect.name)
        _publish(temporary, dest)
    except OSError as exc:
        raise StoreError(f"{dest}: backup failed: {exc}") from None
    finally:
        _remove(temporary)
    return ExportReport(dest, dest.stat().st_size, _SCHEMA, store.dialect.name, rows)


_SCHEMA = known_migration_names()[-1]  # every open store is upgraded to it


def _write(tx: Tx, out: IO[bytes], *, source: str) -> dict[str, int]:
    digest = hashlib.sha256()

    def line(value: object) -> None:
        data = json.dumps(value, separators=(",", ":")).encode() + b"\n"
        digest.update(data)
        out.write(data)

    tables = {t: [c for c in tx.columns(t) if c not in BACKEND_COLUMNS] for t in TABLES}
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": _SCHEMA,
        "source": source,
        "created_at": utc_now(),
        "tables": tables,
    }
    line(header)  # its first key first: {"format":"factbot-export", as is_portable reads
    rows: dict[str, int] = {}
    for table, columns in tables.items():
        names = ", ".join(f'"{c}"' for c in columns)
        order = tx.dialect.row_order if table == "facts" else ", ".join(f'"{c}"' for c in columns)
        rows[table] = 0
        for row in tx.stream(f'select {names} from "{table}" order by {order}'):
            line({"t": table, "r": list(row)})
            rows[table] += 1
    trailer = {"end": {"rows": rows, "sha256": digest.hexdigest()}}
    out.write(json.dumps(trailer, separators=(",", ":")).encode() + b"\n")
    return rows


@dataclass(frozen=True)
class _Header:
    schema_version: str
    source: str
    tables: dict[str, list[str]]


def check(path: Path | str) -> ExportReport:
    """Read the whole export and check it: a FactBot export, whole (its
    trailer and checksum), of a format and schema this FactBot knows.

    Raises StoreError naming the file and what is wrong; SchemaTooNewError
    when a newer FactBot wrote it."""
    path = Path(path)
    header, rows = _header_and_rows(path)
    counts = {t: 0 for t in header.tables}
    for table, _ in rows:
        counts[table] += 1
    return ExportReport(path, path.stat().st_size, header.schema_version, header.source, counts)


def _header_and_rows(path: Path) -> tuple[_Header, Iterator[tuple[str, list[Any]]]]:
    """The checked header, and a generator of (table, row) that raises
    StoreError at its end unless the trailer's counts and checksum match."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the backup: {exc}") from None
    digest = hashlib.sha256()
    try:
        first = handle.readline()
        header = _parse_header(path, first)
    except BaseException:
        handle.close()
        raise
    digest.update(first)

    def rows() -> Iterator[tuple[str, list[Any]]]:
        counts = {t: 0 for t in header.tables}
        number = 1
        with handle:
            for raw in handle:
                number += 1
                item = _parse_line(path, number, raw)
                if "end" in item:
                    end = item["end"]
                    if not isinstance(end, dict) or end.get("sha256") != digest.hexdigest():
                        raise StoreError(
                            f"{path}: damaged: the checksum does not match its contents"
                        )
                    if end.get("rows") != counts:
                        raise StoreError(f"{path}: damaged: the row counts do not match")
                    if handle.read(1):
                        raise StoreError(f"{path}: damaged: there is more after its end")
                    return
                digest.update(raw)
                table, row = item.get("t"), item.get("r")
                if table not in counts or not isinstance(row, list):
                    raise StoreError(f"{path}: line {number}: not a row of a known table")
                if len(row) != len(header.tables[table]):
                    raise StoreError(f"{path}: line {number}: a {table} row of the wrong width")
                counts[table] += 1
                yield table, row
        raise StoreError(f"{path}: truncated: it ends before its last line (an unfinished copy?)")

    return header, rows()


def _parse_line(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        what = "truncated" if not raw.endswith(b"\n") else "damaged"
        raise StoreError(f"{path}: {what}: line {number} is not JSON") from None
    if not isinstance(item, dict):
        raise StoreError(f"{path}: damaged: line {number} is not a JSON object")
    return item


def _parse_header(path: Path, first: bytes) -> _Header:
    try:
        header = json.loads(first)
    except (UnicodeDecodeError, ValueError):
        header = None
    if first.startswith(b"SQLite format 3\x00"):
        raise StoreError(
            f"{path}: an SQLite file backup, not a portable one: restore it with "
            "database.url unset, then copy it over with `python -m knowledge migrate --to URL`"
        )
    if header is None and first.startswith(b'{"format":"' + FORMAT.encode()):
        raise StoreError(f"{path}: truncated: it ends inside its header")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StoreError(
            f"{path}: not a FactBot portable backup (its first line is not the {FORMAT} header)"
        )
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SchemaTooNewError(
            f"{path}: export format {version!r}, written by a newer FactBot (this one "
            f"reads up to {FORMAT_VERSION}); upgrade FactBot to restore it. Nothing was changed."
        )
    known = known_migration_names()
    schema = header.get("schema_version")
    if schema not in known:
        raise SchemaTooNewError(
            f"{path}: schema {schema!r} is not one this FactBot knows (up to {known[-1]}); "
            "it was written by a newer FactBot: upgrade FactBot to restore it. "
            "Nothing was changed."
        )
    tables = header.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(c, list) and all(isinstance(n, str) for n in c) for c in tables.values()
    ):
        raise StoreError(f"{path}: damaged: its header lists no tables")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise SchemaTooNewError(
            f"{path}: has tables {unknown} this FactBot does not know; was it written by a "
            "newer FactBot? Nothing was changed."
        )
    return _Header(schema_version=str(schema), source=str(header.get("source")), tables=tables)


def holds_data(store: StoreConnection) -> bool:
    """True when the fact base has facts, audit entries or logged questions
    (what a restore would replace)."""
    with store.reading() as tx:
        return any(tx.exists(t, "1 = 1") for t in ("facts", "audit_log", "question_log"))


def replace_with_export(
    path: Path | str, store: StoreConnection
) -> tuple[ExportReport, Path | None]:
    """restore_export, keeping what it replaces when the fact base holds data:
    an SQLite file is copied to `<name>.before-restore-<time>` beside it (as
    backup.restore keeps it); a PostgreSQL database is exported to
    `factbot-replaced-<time>.jsonl` beside the backup. The report, and where
    the replaced fact base was kept (None when it was empty).

    Raises StoreError as check() and restore_export() do, or when the copy of
    the replaced fact base cannot be written; nothing is changed then."""
    path = Path(path)
    check(path)  # before anything is copied or written
    kept = None
    if holds_data(store):
        if store.path is not None:
            kept = backup(store.path, _kept_name(store.path)).path
        else:
            stamp = utc_now().replace(":", "").replace("-", "")[:15]
            kept = export(store, path.with_name(f"factbot-replaced-{stamp}Z.jsonl")).path
    try:
        return restore_export(path, store), kept
    except BaseException:
        if kept is not None:  # nothing was replaced: no copy of it to keep
            kept.unlink(missing_ok=True)
        raise


def restore_export(path: Path | str, store: StoreConnection) -> ExportReport:
    """Replace every row of the fact base with those of the export at `path`,
    in one transaction, and give it a new generation (every running process
    then reloads it whole).

    The file is checked whole first (check()); a problem found then, or while
    its rows are written, rolls everything back. Raises StoreError naming the
    file and what is wrong (SchemaTooNewError for a newer FactBot's file), or
    naming the database when the write is refused; the fact base is then
    exactly as it was."""
    path = Path(path)
    report = check(path)
    header, rows = _header_and_rows(path)
    with store.write() as tx:
        columns = {t: set(tx.columns(t)) for t in TABLES}
        for table, names in header.tables.items():
            missing = sorted(set(names) - columns[table])
            if missing:
                raise StoreError(
                    f"{path}: table {table} has columns {missing} this fact base lacks"
                )
        for table in reversed(TABLES):
            tx.execute(f'delete from "{table}"')
        batch: list[list[Any]] = []
        current = ""
        for table, row in rows:
            if table != current or len(batch) >= BATCH:
                _insert(tx, current, header.tables.get(current, []), batch)
                batch, current = [], table
            batch.append(row)
        _insert(tx, current, header.tables.get(current, []), batch)
        for table, want in report.rows.items():
            got = int(tx.scalar(f'select count(*) from "{table}"'))
            if got != want:
                raise StoreError(f"{store.name}: restoring {table} gave {got} rows, not {want}")
        _after_bulk_load(tx)
        new_generation(tx)
    return report


def _insert(tx: Tx, table: str, names: list[str], batch: list[list[Any]]) -> None:
    if not batch:
        return
    columns = ", ".join(f'"{c}"' for c in names)
    marks = ", ".join("?" * len(names))
    tx.executemany(f'insert into "{table}" ({columns}) values ({marks})', batch)


def _after_bulk_load(tx: Tx) -> None:
    """What each backend keeps beside the rows: SQLite's full-text index of the
    facts; PostgreSQL's id sequences, moved past the restored ids."""
    if tx.dialect.name == "sqlite":
        tx.execute("delete from fact_search")
        tx.execute(f"insert into fact_search (rowid, text, extra) {SEARCH_ROWS} from facts f")
        return
    for table, column in SERIAL_COLUMNS.items():
        tx.execute(
            f"select setval(pg_get_serial_sequence('{table}', '{column}'), "
            f"coalesce(max({column}), 0) + 1, false) from {table}"
        )
