"""The journal of bulk imports from the terminal: one row per import, whose
`written` count is raised in the same transaction as each batch it writes.

An import that was stopped part-way (killed, a full disk) is left with
`finished_at` NULL, so it says how far it got; running the same file again
writes what is missing and marks both finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from .backend import Tx
from .connection import StoreConnection, utc_now


@dataclass(frozen=True)
class ImportRecord:
    id: int
    file: str
    digest: str
    guild_id: int | None
    started_at: str
    updated_at: str
    to_write: int
    written: int


class ImportJournal(StoreConnection):
    """Starts, advances and lists bulk imports."""

    def start_import(
        self, file: str, digest: str, guild_id: int | None, actor: str, to_write: int
    ) -> int:
        """A new journal row for an import about to write; its id."""
        now = utc_now()
        with self.write() as tx:
            import_id = tx.insert(
                "imports",
                {
                    "file": file,
                    "digest": digest,
                    "guild_id": guild_id,
                    "actor": actor,
                    "started_at": now,
                    "updated_at": now,
                    "to_write": to_write,
                    "written": 0,
                },
                returning="id",
            )
        return int(import_id)

    def finish_import(self, import_id: int, digest: str) -> None:
        """Mark the import finished, and with it any earlier unfinished import
        of the same file (this run wrote what it had left)."""
        with self.write() as tx:
            tx.execute(
                "update imports set finished_at = ? where finished_at is null "
                "and (id = ? or digest = ?)",
                [utc_now(), import_id, digest],
            )

    def unfinished_imports(self) -> list[ImportRecord]:
        """Imports that stopped (or are still running), oldest first."""
        return [
            ImportRecord(
                r["id"],
                r["file"],
                r["digest"],
                r["guild_id"],
                r["started_at"],
                r["updated_at"],
                r["to_write"],
                r["written"],
            )
            for r in self.read("select * from imports where finished_at is null order by id")
        ]


def note_written(tx: Tx, import_id: int, count: int) -> None:
    """Inside a batch's write: `count` more facts of the import are written."""
    tx.execute(
        "update imports set written = written + ?, updated_at = ? where id = ?",
        [count, utc_now(), import_id],
    )
