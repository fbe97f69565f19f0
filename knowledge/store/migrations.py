"""The fact base schema, as named steps applied in order.

Never edit a step that has shipped: add a new one. Each runs in a transaction
and is recorded in `_sqlite_migrations`, so an older database upgrades in place.
"""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

from ..tomlfile import read_toml

MIGRATION_SET = "factbot"
migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("sources").create(
        {
            "id": str,
            "title": str,
            "publisher": str,
            "date": str,
            "url": str,
            "attribution": str,
            "paragraphs": str,  # JSON list of the source's fact paragraphs
        },
        pk="id",
    )
    db.table("facts").create(
        {
            "id": str,
            "text": str,
            "source_id": str,
            "paragraph": int,
            "quote": str,
            "citation_note": str,
            "origin": str,  # "curated" or "admin"
            "guild_id": int,  # NULL: every server
            "created_by": str,
            "created_at": str,
            "updated_by": str,
            "updated_at": str,
            "deleted_at": str,  # NULL while the fact is live
            "deleted_by": str,
            "deleted_reason": str,  # "removed" by an admin, "retired" by a rebuild
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        not_null={"text", "origin", "created_at", "updated_at"},
    )
    db.table("facts").create_index(["guild_id"])
    db.table("fact_questions").create(
        {"fact_id": str, "position": int, "question": str},
        pk=("fact_id", "position"),
        foreign_keys=[("fact_id", "facts", "id")],
    )
    db.table("fact_keywords").create(
        {"fact_id": str, "position": int, "keyword": str},
        pk=("fact_id", "position"),
        foreign_keys=[("fact_id", "facts", "id")],
    )
    db.table("aliases").create({"alias": str, "canonical": str}, pk="alias")
    db.table("audit_log").create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,  # create, update, remove, restore, retire
            "fact_id": str,
            "guild_id": int,
            "before": str,  # JSON of the fact before the change (NULL on create)
            "after": str,  # JSON of the fact after the change
        },
        pk="id",
    )
    db.table("audit_log").create_index(["fact_id"])
    db.table("question_log").create(
        {
            "id": int,
            "asked_at": str,
            "question": str,
            "status": str,
            "confidence": float,
            "fact_ids": str,  # JSON list
            "scores": str,  # JSON list
            "latency_ms": float,
            "guild_id": int,
            "channel_id": int,
            "user_hash": str,  # salted hash, never the raw id
            "via": str,  # mention, reply, auto, slash, context, console, cli
        },
        pk="id",
    )
    db.table("question_log").create_index(["asked_at"])
    db.table("question_log").create_index(["guild_id", "asked_at"])
    db.table("feedback").create(
        {"question_id": int, "user_hash": str, "vote": int, "at": str},
        pk=("question_id", "user_hash"),
        foreign_keys=[("question_id", "question_log", "id")],
    )


@migrations(name="0002_guild_settings")
def guild_settings(db: Database) -> None:
    db.table("guild_settings").create(
        {"guild_id": int, "admin_role_id": int, "updated_by": str, "updated_at": str},
        pk="guild_id",
    )
    db.table("auto_answer_channels").create(
        {"guild_id": int, "channel_id": int, "updated_by": str, "updated_at": str},
        pk=("guild_id", "channel_id"),
    )


@migrations(name="0003_curation")
def curation(db: Database) -> None:
    # The curated-file version a curated fact was last synced from, so a rebuild
    # can tell an owner's edit in the database from a change in the file.
    db.table("facts").add_column("curated_hash", str)
    # The review queue: unanswered questions an admin dismissed or answered.
    db.table("question_log").add_column("reviewed_at", str)
    db.table("question_log").add_column("reviewed_by", str)
    db.table("question_log").create_index(["status", "guild_id"])


@migrations(name="0004_change_feed")
def change_feed(db: Database) -> None:
    # One row per change, in the transaction that made it, so every process can
    # catch up with what the others wrote (knowledge.store.changes). AUTOINCREMENT:
    # a sequence number is never reused, even after old rows are pruned.
    db.execute(
        "create table changes (seq integer primary key autoincrement, "
        "at text not null, kind text not null, key text)"
    )
    # Which copy of the fact base this is: a restore gives it a new one, so a
    # process whose index came from another copy reloads it whole.
    db.table("meta").upsert({"key": "generation", "value": secrets.token_hex(8)}, pk="key")


@migrations(name="0005_scoped_lexicon")
def scoped_lexicon(db: Database) -> None:
    # The curated lexicon's other tables, written by the build like `aliases`
    # (before this step they were read from the packaged files at run time):
    # kind "description" (canonical -> phrases describing it), "synonym"
    # (canonical word -> words and phrases for it) and "filler" (phrases that
    # only frame a question), each as written in the files.
    db.table("lexicon_entries").create(
        {"kind": str, "canonical": str, "position": int, "phrase": str},
        pk=("kind", "canonical", "position"),
    )
    db.table("lexicon_entries").insert_all(
        _packaged_lexicon_entries(), pk=("kind", "canonical", "position")
    )
    # A server's own aliases: apply to its questions and its own facts only.
    db.table("server_aliases").create(
        {"guild_id": int, "alias": str, "canonical": str, "created_by": str, "created_at": str},
        pk=("guild_id", "alias"),
        not_null={"canonical"},
    )


def _packaged_lexicon_entries() -> list[dict[str, object]]:
    """What a database built before 0005 read live: the packaged files' tables."""
    data = Path(__file__).resolve().parent.parent / "data"
    entries: list[dict[str, object]] = []
    for kind, file, table in LEXICON_TABLES:
        path = data / file
        if not path.exists():
            continue
        for canonical, phrases in (read_toml(path).get(table) or {}).items():
            if isinstance(phrases, list):
                entries += lexicon_rows(kind, canonical, [p for p in phrases if isinstance(p, str)])
    return entries


# (kind, packaged file, TOML table) of the lexicon_entries rows.
LEXICON_TABLES = (
    ("description", "aliases.toml", "descriptions"),
    ("synonym", "synonyms.toml", "synonyms"),
    ("filler", "synonyms.toml", "fillers"),
)


def lexicon_rows(kind: str, canonical: str, phrases: list[str]) -> list[dict[str, object]]:
    return [
        {"kind": kind, "canonical": canonical, "position": i, "phrase": phrase}
        for i, phrase in enumerate(phrases)
    ]


@migrations(name="0006_imports")
def imports(db: Database) -> None:
    # One row per bulk import from the terminal (knowledge.curation.bulk_import):
    # its batches each commit with the count they add to `written`, so an import
    # that was stopped says how far it got, and running the file again finishes it.
    db.table("imports").create(
        {
            "id": int,
            "file": str,  # the file's name, as given
            "digest": str,  # sha256 of its bytes
            "guild_id": int,
            "actor": str,
            "started_at": str,
            "updated_at": str,
            "finished_at": str,  # NULL until every batch is written
            "to_write": int,  # facts to add or change, as the dry run found
            "written": int,
        },
        pk="id",
        not_null={"digest", "started_at", "to_write", "written"},
    )


@migrations(name="0007_fact_search")
def fact_search(db: Database) -> None:
    # Curation at a million facts (knowledge.store.fact_search): a full-text
    # index of each fact (rowid: the fact's rowid) over its text, and its id,
    # questions and keywords, kept by the write primitives in knowledge.store.facts;
    # and its per-word document counts, to search by the rarest words first.
    db.execute(
        "create virtual table fact_search using fts5"
        "(text, extra, tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute(f"insert into fact_search (rowid, text, extra) {SEARCH_ROWS} from facts f")
    db.execute("create virtual table fact_search_words using fts5vocab(fact_search, 'row')")
    # /fact list pages, newest first, live or removed, read in order (and
    # counted) from these alone, without sorting or reading every fact.
    for name, deleted in (("live", "is null"), ("removed", "is not null")):
        db.execute(
            f"create index facts_{name}_by_update on facts "
            f"(updated_at desc, id, guild_id) where deleted_at {deleted}"
        )


# A fact's row of the search index: its text, then its id, questions and keywords.
SEARCH_ROWS = (
    "select f.rowid, f.text, f.id || ' ' || "
    "coalesce((select group_concat(question, ' ') from fact_questions q "
    "where q.fact_id = f.id), '') || ' ' || "
    "coalesce((select group_concat(keyword, ' ') from fact_keywords k "
    "where k.fact_id = f.id), '')"
)


def applied_migration_names(conn: sqlite3.Connection) -> list[str]:
    """The FactBot steps recorded in a database, oldest first: the one reader of
    `_sqlite_migrations`, which other tools' migration sets may share. Empty
    when the table does not exist. Raises sqlite3.Error if it cannot be read."""
    if not conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = '_sqlite_migrations'"
    ).fetchone():
        return []
    return [
        row[0]
        for row in conn.execute(
            "select name from _sqlite_migrations where migration_set = ? order by id",
            [MIGRATION_SET],
        )
    ]


def known_migration_names() -> list[str]:
    """Every step this version of FactBot knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]
