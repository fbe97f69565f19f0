"""The fact base schema, as named steps applied in order.

Never edit a step that has shipped: add a new one. Each runs in a transaction
and is recorded in `_sqlite_migrations`, so an older database upgrades in place.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database, Migrations

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


def known_migration_names() -> list[str]:
    """Every step this version of FactBot knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]
