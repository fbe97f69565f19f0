"""Backups and restores of the fact base.

`backup` copies the live database with SQLite's online backup API through a
read-only connection, so it is safe while the bot runs: the copy is one
consistent snapshot (every transaction in it is whole) even while the bot keeps
writing. The copy is written to a temporary file, checked, and only then
renamed into place.

`restore` puts a backup in place of the live database. It checks the backup
first (PRAGMA integrity_check, a FactBot database, a schema this FactBot
knows). The current database is never lost: it is kept next to it as
`<name>.before-restore-<timestamp>`. When no process has the database open the
file is swapped; while bots run on it, the backup (upgraded to this FactBot's
schema, and given a new generation so every process reloads it whole) is
copied into the live database in one transaction with the online backup API.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StoreError
from . import dbfile
from .changes import new_generation
from .connection import StoreConnection
from .migrations import applied_migration_names


@dataclass(frozen=True)
class CopyReport:
    """What a backup wrote, or a restore swapped in."""

    path: Path
    size_bytes: int
    facts: int  # live facts
    schema_version: str
    kept: Path | None = None  # restore: where the replaced database was kept


def backup(db_path: Path | str, dest: Path | str, *, force: bool = False) -> CopyReport:
    """Copy the fact base at `db_path` to `dest`, online and consistently.

    The copy is a single self-contained file (rollback-journal mode, no -wal),
    checked with PRAGMA integrity_check before it takes `dest`'s name.

    Raises StoreError naming the file when the database is missing or not a
    FactBot database, when `dest` exists (unless force) or is the database
    itself, or when the copy cannot be written (e.g. a full disk). On failure
    nothing is left at `dest` and the database is untouched.
    """
    db_path, dest = Path(db_path), Path(dest)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: fact base not found")
    if dest.exists():
        if dest.resolve() == db_path.resolve() or dest.is_dir():
            raise StoreError(f"{dest}: is the database itself or a folder; give a new file name")
        if not force:
            raise StoreError(f"{dest}: already exists; add --force to replace it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest}: cannot create its folder: {exc}") from None
    dbfile.verify(db_path, require_factbot=True)
    temporary = _temporary_name(dest)
    try:
        source = dbfile.connect_read_only(db_path)
    except sqlite3.Error as exc:
        raise StoreError(f"{db_path}: cannot read: {dbfile.explain(db_path, exc)}") from None
    try:
        _copy_checked(source, temporary)
        _publish(temporary, dest)
    except sqlite3.Error as exc:
        raise StoreError(f"{dest}: backup failed: {dbfile.explain(dest, exc)}") from None
    except OSError as exc:
        raise StoreError(f"{dest}: backup failed: {exc}") from None
    finally:
        source.close()
        _remove(temporary)
    return _report(dest)


def restore(backup_path: Path | str, db_path: Path | str) -> CopyReport:
    """Replace the fact base at `db_path` with the backup at `backup_path`.

    An older backup is fine (FactBot upgrades it when it next opens it). The
    replaced database is kept as `<name>.before-restore-<timestamp>` (with its
    -wal, if it was too damaged to fold that in). While other processes have
    the database open it is restored in place (`_restore_in_place`), and they
    pick it up at their next sync.

    Raises StoreError naming the file when the backup is missing, damaged,
    truncated, not a FactBot database, or from a newer FactBot
    (SchemaTooNewError), or when the database is in use and damaged; the live
    database is then left exactly as it was.
    """
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise StoreError(f"{backup_path}: backup not found")
    if db_path.exists() and backup_path.resolve() == db_path.resolve():
        raise StoreError(f"{backup_path}: is the live database itself")
    dbfile.verify(backup_path, full=True, require_factbot=True, what="backup")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{db_path}: cannot create its folder: {exc}") from None
    exists = db_path.exists()
    if exists and _in_use(db_path):
        if not _healthy(db_path):
            raise StoreError(f"{db_path}: {IN_USE}")
        return _restore_in_place(backup_path, db_path)
    live = _lock_live(db_path) if exists and _healthy(db_path) else None
    temporary = _temporary_name(db_path)
    kept = None
    try:
        _stage(backup_path, temporary, db_path)
        dbfile.verify(temporary, full=True, require_factbot=True)
        if exists:
            kept = _keep(db_path, with_wal=live is None)
        for suffix in ("-wal", "-journal"):
            # Folded in under the exclusive lock (or kept aside): a stale -wal
            # must never meet the new file, or SQLite would replay it into it.
            sidecar = db_path.with_name(db_path.name + suffix)
            if sidecar.exists():
                raise StoreError(f"{sidecar}: still exists; is the bot running? Nothing changed.")
        _publish(temporary, db_path)
    except OSError as exc:
        raise StoreError(f"{db_path}: restore failed: {exc}") from None
    finally:
        if live is not None:
            with contextlib.suppress(sqlite3.Error):
                live.execute("ROLLBACK")
            live.close()
        _remove(temporary)
    report = _report(db_path)
    return CopyReport(report.path, report.size_bytes, report.facts, report.schema_version, kept)


IN_USE = "is in use by another process (stop the bot first, then restore); nothing was changed"


def _restore_in_place(backup_path: Path, db_path: Path) -> CopyReport:
    """Restore while other processes have the database open.

    The live database is first copied (online) to its before-restore name.
    The backup is copied to a temporary file, upgraded there and given a new
    generation; then SQLite's backup API writes it into the live database as
    one transaction, so a reader in another process sees the old database or
    the new one, never a mix. A change committed between the two copies is in
    neither.
    """
    kept = backup(db_path, _kept_name(db_path)).path
    temporary = _temporary_name(db_path)
    try:
        _stage(backup_path, temporary, db_path)
        staged = StoreConnection.open(temporary)  # upgraded to this FactBot's schema
        try:
            with staged.write() as db:
                new_generation(db)
            staged.db.execute("PRAGMA journal_mode = DELETE")
        finally:
            staged.close()
        source = dbfile.connect_read_only(temporary)
        try:
            target = sqlite3.connect(db_path, timeout=30.0)
            try:
                source.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise StoreError(
                f"{db_path}: restore failed, nothing was changed: {dbfile.explain(db_path, exc)}"
            ) from None
        finally:
            source.close()
    finally:
        _remove(temporary)
    report = _report(db_path)
    return CopyReport(report.path, report.size_bytes, report.facts, report.schema_version, kept)


# Where SQLite's unix VFS takes its locks: every connection holds a read lock on
# the database file's shared range while it is in WAL mode, and on the -shm
# file's "dead man switch" byte.
_SHARED_FIRST, _SHARED_SIZE = 0x40000000 + 2, 510
_SHM_DMS = 128


def _in_use(db_path: Path) -> bool:
    """True when another process holds SQLite locks on the database.

    Checked with fcntl before SQLite opens the file, so it works even when the
    file is too damaged for SQLite. (Only from a process with no connection of
    its own to the file: closing a descriptor drops all of a process's locks.)
    """
    shm = db_path.with_name(db_path.name + "-shm")
    for path, start, length in ((db_path, _SHARED_FIRST, _SHARED_SIZE), (shm, _SHM_DMS, 1)):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue  # missing, or not ours to write: SQLite will say so
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)
            fcntl.lockf(fd, fcntl.LOCK_UN, length, start)
        except OSError:
            return True
        finally:
            os.close(fd)
    return False


def _healthy(db_path: Path) -> bool:
    try:
        dbfile.verify(db_path)
    except StoreError:
        return False  # damaged or foreign: kept byte for byte, never opened for writing
    return True


def _lock_live(db_path: Path) -> sqlite3.Connection:
    """An exclusive lock on the live database, with its WAL folded into the file.

    Leaving WAL mode needs every other connection closed, so this is also the
    check that no bot is running on it. Changes no data.
    """
    try:
        conn = sqlite3.connect(db_path, timeout=2.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{db_path}: cannot open: {dbfile.explain(db_path, exc)}") from None
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("BEGIN EXCLUSIVE")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "delete":
            raise StoreError(f"{db_path}: {IN_USE}")
    except sqlite3.OperationalError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise StoreError(f"{db_path}: {IN_USE}") from None
        raise StoreError(f"{db_path}: cannot lock: {dbfile.explain(db_path, exc)}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _keep(db_path: Path, *, with_wal: bool) -> Path:
    """Give the live database a second name, `<name>.before-restore-<timestamp>`.

    A hard link: no copy, and no descriptor is opened and closed on the file,
    which would drop the exclusive lock (fcntl locks belong to the process).
    With with_wal, its -wal is kept the same way and the -wal and -shm names
    are then freed for the new file.
    """
    kept = _kept_name(db_path)
    _link_or_copy(db_path, kept)
    if with_wal:
        wal = db_path.with_name(db_path.name + "-wal")
        if wal.exists():
            _link_or_copy(wal, kept.with_name(kept.name + "-wal"))
            wal.unlink()
        with contextlib.suppress(FileNotFoundError):
            db_path.with_name(db_path.name + "-shm").unlink()
    return kept


def _kept_name(db_path: Path) -> Path:
    """A new `<name>.before-restore-<timestamp>` beside the database."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    while kept.exists():
        kept = kept.with_name(f"{kept.name}-{secrets.token_hex(2)}")
    return kept


def _link_or_copy(path: Path, new: Path) -> None:
    try:
        os.link(path, new)
    except OSError:  # a file system without hard links
        shutil.copy2(path, new)


def _copy_checked(source: sqlite3.Connection, temporary: Path) -> None:
    """`source` into a new file at `temporary`, in rollback-journal mode, checked."""
    target = sqlite3.connect(temporary, isolation_level=None)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
        target.execute("PRAGMA journal_mode = DELETE")  # self-contained: no -wal needed
        problems = [row[0] for row in target.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            raise StoreError(f"{temporary}: the copy failed its check: {'; '.join(problems)}")
    finally:
        target.close()


def _publish(temporary: Path, final: Path) -> None:
    """fsync the finished file, rename it into place and fsync the folder."""
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    with contextlib.suppress(OSError):
        folder = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _stage(backup_path: Path, temporary: Path, db_path: Path) -> None:
    """Copy the backup to `temporary` (checked) on the way to `db_path`.

    Raises StoreError naming db_path when the backup cannot be read; nothing
    is changed then."""
    try:
        source = dbfile.connect_read_only(backup_path)
        try:
            _copy_checked(source, temporary)
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise StoreError(
            f"{db_path}: restore failed, nothing was changed: {dbfile.explain(db_path, exc)}"
        ) from None


def _temporary_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(4)}.partial")


def _remove(temporary: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            temporary.with_name(temporary.name + suffix).unlink()


def _report(path: Path) -> CopyReport:
    conn = dbfile.connect_read_only(path)
    try:
        facts = conn.execute("select count(*) from facts where deleted_at is null").fetchone()[0]
        steps = applied_migration_names(conn)
    finally:
        conn.close()
    return CopyReport(path, path.stat().st_size, int(facts), steps[-1] if steps else "none")
