"""The rules for syncing the curated files into the fact base: keep owner
edits, report conflicts, retire facts that left the files and restore those
that came back."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StoreError
from ..models import Fact, Source
from ..store import FactStore, fact_to_record, record_hash, utc_now
from ..store.facts import (
    clear_deletion,
    curated_rows,
    ids_taken_by_other_origins,
    insert_fact,
    mark_retired,
    replace_fact,
    set_curated_hash,
    stored_record,
    write_audit_entry,
)
from ..store.references import replace_aliases, upsert_sources


@dataclass(frozen=True)
class BuildReport:
    """What a rebuild from the curated files changed."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()  # curated facts edited by an owner and changed in the file
    unchanged: int = 0
    sources: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.restored)


def sync_curated(
    store: FactStore,
    sources: dict[str, Source],
    facts: list[Fact],
    aliases: dict[str, str],
    *,
    actor: str = "build",
    overwrite_edits: bool = False,
) -> BuildReport:
    """Make the curated facts match the files, in one transaction.

    Idempotent: unchanged facts are not touched. Admin facts are never
    touched. A curated fact missing from the files is retired (soft
    deleted), and one that comes back is restored. A curated fact the bot
    owner edited in the database is kept while its file entry is unchanged;
    if both changed it is reported in `conflicts` and left as it is, unless
    overwrite_edits. Every change goes to the audit log in the same
    transaction.

    Raises StoreError if a curated id is already used by an admin fact (then
    nothing is written).
    """
    now = utc_now()
    added, updated, retired, restored, conflicts = [], [], [], [], []
    unchanged = 0
    with store.write() as db:
        upsert_sources(db, sources.values())
        existing = curated_rows(db)
        clash = ids_taken_by_other_origins(db, [f.id for f in facts])
        if clash:
            raise StoreError(
                f"{store.path}: curated ids already used by admin facts: {', '.join(clash)}"
            )
        for fact in facts:
            row = existing.get(fact.id)
            after = fact_to_record(fact)
            file_hash = record_hash(after)
            if row is None:
                insert_fact(db, fact, actor=actor, now=now, curated_hash=file_hash)
                added.append(fact.id)
                continue
            before = stored_record(db, fact.id)
            was_retired = row["deleted_reason"] == "retired"
            same = before == after
            if not was_retired and (same or row["curated_hash"] == file_hash):
                # Unchanged, or the file is unchanged and the database holds an
                # owner's edit, which is kept.
                if same and row["curated_hash"] != file_hash:
                    set_curated_hash(db, fact.id, file_hash)
                unchanged += 1
                continue
            if row["updated_by"] != actor and not same and not overwrite_edits:
                conflicts.append(fact.id)  # both changed: report, never overwrite silently
                continue
            replace_fact(db, fact, actor=actor, now=now)
            set_curated_hash(db, fact.id, file_hash)
            if was_retired:
                clear_deletion(db, fact.id)
                restored.append(fact.id)
            else:
                updated.append(fact.id)
            action = "restore" if was_retired else "update"
            write_audit_entry(db, now, actor, action, fact.id, None, before, after)
        file_ids = {f.id for f in facts}
        for fact_id, row in existing.items():
            if fact_id not in file_ids and row["deleted_at"] is None:
                before = stored_record(db, fact_id)
                mark_retired(db, fact_id, actor=actor, now=now)
                write_audit_entry(db, now, actor, "retire", fact_id, None, before, None)
                retired.append(fact_id)
        replace_aliases(db, aliases)
    return BuildReport(
        added=tuple(added),
        updated=tuple(updated),
        retired=tuple(retired),
        restored=tuple(restored),
        conflicts=tuple(conflicts),
        unchanged=unchanged,
        sources=len(sources),
    )
