"""The fact base file itself: checking it before anything writes to it, and
saying in plain words what is wrong with it.

`verify` looks at a file through a read-only connection (SQLite opens it
O_RDONLY and never checkpoints into it), so a damaged file, a file from a newer
FactBot or somebody else's database is refused without a byte of it changing.
`explain` turns SQLite's terse errors ("disk I/O error", "attempt to write a
readonly database") into what to do about them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from ..errors import SchemaTooNewError, StoreError
from .migrations import applied_migration_names, known_migration_names

# Below this much free space next to the database, FactBot refuses to start
# rather than run with every write failing ("database or disk is full").
MIN_FREE_BYTES = 1 << 20

RESTORE_HINT = "restore a backup with `python -m knowledge restore BACKUP`"


def free_bytes(folder: Path) -> int | None:
    """Bytes free to this user on the file system holding `folder` (None if unknown)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def explain(path: Path, exc: BaseException, *, hint: str = RESTORE_HINT) -> str:
    """What an sqlite3 error on `path` means, for a person; `hint` says what to do
    about a damaged file. Never raises."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    folder = path.parent
    free = free_bytes(folder)
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return f"the disk is full ({_free_text(free)} in {folder}); free some space"
    if name.startswith("SQLITE_NOTADB") or "not a database" in text:
        return f"not an SQLite database (damaged, or another kind of file); {hint}"
    if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return f"the file is damaged ({text}); {hint}"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        if name == "SQLITE_READONLY_DIRECTORY" or not os.access(folder, os.W_OK):
            return (
                f"its folder {folder} is not writable, and SQLite must create "
                f"{path.name}-wal and {path.name}-shm there; make the folder writable "
                "for the user FactBot runs as"
            )
        if path.exists() and not os.access(path, os.W_OK):
            return "the file is read-only; make it writable for the user FactBot runs as"
        if name.startswith("SQLITE_READONLY"):
            return f"cannot write to the file ({text}); check its permissions and the disk"
        return f"cannot open the file ({text}); check that it exists and its permissions"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        if free is not None and free < MIN_FREE_BYTES:
            return f"the disk is full ({_free_text(free)} in {folder}); free some space"
        return f"disk I/O error ({text}); check the disk and the file's permissions"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return (
            f"the database stayed locked by another process longer than the busy timeout ({text})"
        )
    return text


def _free_text(free: int | None) -> str:
    return "free space unknown" if free is None else f"{free:,} bytes free"


def file_id(path: Path | None) -> tuple[int, int] | None:
    """Which file is at `path` (device and inode); None when there is none."""
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat else None


def check_free_space(path: Path) -> None:
    """Raises StoreError naming `path` when its disk is (nearly) full."""
    free = free_bytes(path.parent)
    if free is not None and free < MIN_FREE_BYTES:
        raise StoreError(
            f"{path}: the disk is full ({_free_text(free)} in {path.parent}); FactBot needs "
            f"at least {MIN_FREE_BYTES:,} bytes to write. Free some space and start again. "
            "The file was not changed."
        )


def connect_read_only(path: Path, timeout_s: float = 5.0) -> sqlite3.Connection:
    """A connection that cannot write to `path` (SQLite opens it O_RDONLY)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout_s)


def check_schema_is_known(conn: sqlite3.Connection, path: Path | None) -> None:
    """Refuse somebody else's database, and one written by a newer FactBot.

    An empty database (no tables) is fine: it is about to be created. Raises
    StoreError or SchemaTooNewError, naming `path`.
    """
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    if "_sqlite_migrations" not in tables:
        if tables and "facts" not in tables:
            raise StoreError(f"{path}: is an SQLite file but not a FactBot database")
        return
    unknown = sorted(set(applied_migration_names(conn)) - set(known_migration_names()))
    if unknown:
        raise SchemaTooNewError(
            f"{path}: written by a newer FactBot (schema steps {', '.join(unknown)}); "
            "upgrade FactBot or restore a backup. The file was not changed."
        )


def verify(
    path: Path, *, full: bool = False, require_factbot: bool = False, what: str = "fact base"
) -> None:
    """Check an existing file read-only: not damaged (PRAGMA quick_check, or the
    slower integrity_check with full=True), a FactBot database or an empty one
    (require_factbot=True: a FactBot database with facts), and no newer than
    this FactBot.

    Raises StoreError (SchemaTooNewError for a newer schema) naming the file
    and `what` it was meant to be.
    """
    hint = RESTORE_HINT if what == "fact base" else "choose another file"
    try:
        conn = connect_read_only(path)
    except sqlite3.Error as exc:
        raise StoreError(
            f"{path}: cannot open the {what}: {explain(path, exc, hint=hint)}"
        ) from None
    try:
        check = "integrity_check" if full else "quick_check"
        problems = [row[0] for row in conn.execute(f"PRAGMA {check}(5)")]
        if problems != ["ok"]:
            raise StoreError(
                f"{path}: the file is damaged ({'; '.join(problems)}); {hint}. "
                "The file was not changed."
            )
        check_schema_is_known(conn, path)
        if require_factbot:
            tables = {row[0] for row in conn.execute("select name from sqlite_master")}
            if not {"facts", "_sqlite_migrations"} <= tables:
                raise StoreError(f"{path}: is not a FactBot {what}")
    except sqlite3.Error as exc:
        raise StoreError(
            f"{path}: cannot open the {what}: {explain(path, exc, hint=hint)}. "
            "The file was not changed."
        ) from None
    finally:
        conn.close()
