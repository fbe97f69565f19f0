"""A database made by the first schema upgrades in place, with nothing lost.

tests/data/factbot-schema-0001.db is a frozen fact base as FactBot wrote it
when `0001_initial` was its only migration: the article's source and curated
facts, two admin facts of the double's "Fact Club" server (one of them edited,
one removed), the audit log, questions and votes. It was made by
`.venv/bin/python -m tests.test_upgrade` (`make_schema_0001_db` below): the
migrations applied with `stop_before="0002_guild_settings"`, rows written with
the columns that schema had, then VACUUM, in rollback-journal mode. Never
regenerate it after a migration changes: it stands for files already out there.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from knowledge.curation.build import load_curated
from knowledge.errors import StoreError
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore
from knowledge.store.migrations import known_migration_names, migrations

FIXTURE = Path(__file__).parent / "data" / "factbot-schema-0001.db"
GUILD = 1_100_000_000_004_194_305  # the double's "Fact Club"
CLUB_FACT = "club-quiz-night-thursdays-1a2b3c"
SALT = "5f1c3b0e9d7a4c21a8e6b3d2c1f0e9a8"
COUNTED = ("facts", "fact_questions", "fact_keywords", "audit_log", "question_log", "feedback")


def make_schema_0001_db(path: Path) -> None:
    """Write the fixture (see the module docstring)."""
    path.unlink(missing_ok=True)
    db = Database(path)
    migrations.apply(db, stop_before="0002_guild_settings")
    data = load_curated()
    at = "2025-01-10T09:00:00.000+00:00"
    db["meta"].insert({"key": "user_salt", "value": SALT})
    db["sources"].insert_all(
        {
            "id": s.id,
            "title": s.title,
            "publisher": s.publisher,
            "date": s.date,
            "url": s.url,
            "attribution": s.attribution,
            "paragraphs": json.dumps(list(s.paragraphs), ensure_ascii=False),
        }
        for s in data.sources.values()
    )
    db["aliases"].insert_all({"alias": a, "canonical": c} for a, c in data.lexicon.aliases.items())

    def record(fact_id, text, questions, keywords, note, guild_id, source=None, paragraph=None):
        return {
            "id": fact_id,
            "text": text,
            "source_id": source,
            "paragraph": paragraph,
            "quote": "",
            "questions": list(questions),
            "keywords": list(keywords),
            "origin": "admin" if guild_id else "curated",
            "guild_id": guild_id,
            "citation_note": note,
        }

    def write(rec, actor, created, deleted=None, history=()):
        db["facts"].insert(
            {
                **{k: v for k, v in rec.items() if k not in ("questions", "keywords")},
                "created_by": actor,
                "created_at": created,
                "updated_by": actor,
                "updated_at": created,
                "deleted_at": deleted,
                "deleted_by": actor if deleted else None,
                "deleted_reason": "removed" if deleted else None,
            }
        )
        db["fact_questions"].insert_all(
            {"fact_id": rec["id"], "position": i, "question": q}
            for i, q in enumerate(rec["questions"])
        )
        db["fact_keywords"].insert_all(
            {"fact_id": rec["id"], "position": i, "keyword": k}
            for i, k in enumerate(rec["keywords"])
        )
        for action, before, after in history:
            db["audit_log"].insert(
                {
                    "at": created,
                    "actor": actor,
                    "action": action,
                    "fact_id": rec["id"],
                    "guild_id": rec["guild_id"],
                    "before": json.dumps(before) if before else None,
                    "after": json.dumps(after) if after else None,
                }
            )

    for fact in data.facts:
        rec = record(
            fact.id, fact.text, fact.questions, fact.keywords, "", None, fact.source_id,
            fact.paragraph,
        )  # fmt: skip
        rec["quote"] = fact.quote
        write(rec, "build", at, history=[("create", None, rec)])
    first = record(
        CLUB_FACT,
        "The Fact Club quiz night is on Wednesdays.",
        ["When is the Fact Club quiz night?"],
        ["quiz night"],
        "https://example.org/club Club calendar",
        GUILD,
    )
    edited = {**first, "text": "The Fact Club quiz night moved to Thursdays at 7 pm."}
    write(
        edited,
        "discord:1080000000000000002",
        "2025-02-01T18:00:00.000+00:00",
        history=[("create", None, first), ("update", first, edited)],
    )
    gone = record(
        "club-old-room-9f8e7d",
        "The Fact Club meets in room 12.",
        ["Where does the Fact Club meet?"],
        [],
        "Club notice board",
        GUILD,
    )
    write(
        gone,
        "discord:1080000000000000002",
        "2025-02-02T18:00:00.000+00:00",
        deleted="2025-02-03T18:00:00.000+00:00",
        history=[("create", None, gone), ("remove", gone, gone)],
    )
    for n, (question, status, fact_ids) in enumerate(
        [
            ("How many users does GREE have?", "answer", ["gree-mobage-town-over-20-million-users-each"]),
            ("When did LinkedIn launch in Japan?", "answer", ["linkedin-launched-japan-october-2011"]),
            ("what is the weather in osaka", "unknown", []),
            ("when is quiz night", "answer", [CLUB_FACT]),
            ("who founded mixi", "unknown", []),
            ("who founded mixi?", "unknown", []),
        ]
        * 2
    ):  # fmt: skip
        user = hashlib.sha256(f"{SALT}:{1080000000000000003 + n % 3}".encode()).hexdigest()[:32]
        db["question_log"].insert(
            {
                "asked_at": f"2025-02-{10 + n:02d}T12:00:00.000+00:00",
                "question": question,
                "status": status,
                "confidence": 90.0 if status == "answer" else 20.0,
                "fact_ids": json.dumps(fact_ids),
                "scores": json.dumps([90.0] * len(fact_ids)),
                "latency_ms": 1.5,
                "guild_id": GUILD,
                "channel_id": 1_100_000_000_100_000_001,
                "user_hash": user,
                "via": "slash" if n % 2 else "mention",
            }
        )
    db["feedback"].insert_all(
        {"question_id": q, "user_hash": f"{q:032x}", "vote": v, "at": "2025-02-20T00:00:00"}
        for q, v in ((1, 1), (2, 1), (4, -1))
    )
    db.execute("VACUUM")
    db.close()


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    copy = tmp_path / "factbot.db"
    shutil.copy(FIXTURE, copy)
    return copy


def test_the_fixture_is_the_first_schema_and_small():
    conn = sqlite3.connect(f"{FIXTURE.resolve().as_uri()}?mode=ro", uri=True)
    try:
        steps = [r[0] for r in conn.execute("select name from _sqlite_migrations order by id")]
        columns = {r[1] for r in conn.execute("pragma table_info(facts)")}
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert steps == ["0001_initial"] == known_migration_names()[:1]
    assert "curated_hash" not in columns
    assert FIXTURE.stat().st_size < 400_000


def test_first_schema_database_upgrades_in_place_with_every_row_kept(old_db):
    before = counts(old_db)
    store = FactStore.open(old_db)
    try:
        assert [m.name for m in migrations.applied(store.db)] == known_migration_names()
        assert store.schema_version == known_migration_names()[-1]
        assert {"guild_settings", "auto_answer_channels"} <= set(store.db.table_names())
        assert "curated_hash" in store.db["facts"].columns_dict
        fact = store.get_fact(CLUB_FACT)
        assert fact.text.endswith("Thursdays at 7 pm.") and fact.guild_id == GUILD
        assert [e["action"] for e in store.audit_entries(CLUB_FACT)] == ["create", "update"]
        assert store.install_salt() == SALT  # so old and new votes hash users the same way
        assert store.votes(4) == (0, 1)
        assert store.unanswered(GUILD)  # the review queue reads the old question log
    finally:
        store.close()
    assert counts(old_db) == before
    assert FIXTURE.read_bytes() != old_db.read_bytes()  # upgraded the copy, not the fixture


def test_upgraded_database_answers_questions(old_db, config):
    kb = KnowledgeBase.open(replace(config, database=replace(config.database, path=old_db)))
    try:
        assert "20 million" in kb.ask("How big is GREE?").answer.facts[0].fact.text
        club = kb.ask("When is the Fact Club quiz night?", guild_id=GUILD).answer
        assert club.facts and club.facts[0].fact.id == CLUB_FACT
        removed = kb.ask("Where does the Fact Club meet?", guild_id=GUILD).answer
        assert all(sf.fact.id != "club-old-room-9f8e7d" for sf in removed.facts)
    finally:
        kb.close()


def test_upgrade_is_one_transaction_and_a_failing_step_leaves_the_old_schema(old_db):
    conn = sqlite3.connect(old_db)
    conn.execute("create table guild_settings (oops text)")  # makes 0002 fail halfway
    conn.commit()
    conn.close()
    before = counts(old_db)
    with pytest.raises(StoreError, match=str(old_db)):
        FactStore.open(old_db)
    conn = sqlite3.connect(old_db)
    try:
        steps = [r[0] for r in conn.execute("select name from _sqlite_migrations")]
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert steps == ["0001_initial"]
    assert counts(old_db) == before


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    make_schema_0001_db(target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
