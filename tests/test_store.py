"""The SQLite store: opening, refusing bad files, migrations, the question log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from knowledge.errors import SchemaTooNewError, StoreError
from knowledge.store import FactStore, LoggedQuestion
from knowledge.store.migrations import known_migration_names


def test_new_store_uses_wal_and_records_its_schema(db_path):
    store = FactStore.open(db_path)
    try:
        assert store.db.journal_mode == "wal"
        assert store.schema_version == known_migration_names()[-1]
        tables = set(store.db.table_names())
        assert {
            "sources",
            "facts",
            "fact_questions",
            "fact_keywords",
            "aliases",
            "audit_log",
            "question_log",
            "feedback",
        } <= tables
    finally:
        store.close()


def test_missing_file_is_reported_when_not_creating(tmp_path):
    missing = tmp_path / "nope" / "factbot.db"
    with pytest.raises(StoreError, match=str(missing)):
        FactStore.open(missing, create=False)
    assert not missing.exists()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_corrupt_file_gets_a_clear_error_and_is_not_changed(tmp_path, content):
    path = tmp_path / "factbot.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        FactStore.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    Database(path)["recipes"].insert({"name": "rice"})
    with pytest.raises(StoreError, match="not a FactBot database"):
        FactStore.open(path)
    assert Database(path)["recipes"].count == 1


def test_folder_in_place_of_the_file_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        FactStore.open(tmp_path)


def test_database_from_a_newer_version_is_refused_untouched(db_path):
    FactStore.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('factbot', '9999_from_the_future', 'later')"
    )
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer FactBot"):
        FactStore.open(db_path)
    assert db_path.read_bytes() == before


def test_reopening_applies_no_migration_twice(db_path):
    FactStore.open(db_path).close()
    store = FactStore.open(db_path)
    try:
        names = [row["name"] for row in store.db["_sqlite_migrations"].rows]
        assert names == known_migration_names()
    finally:
        store.close()


BOTH_BACKENDS = True


def test_question_log_stores_a_salted_hash_not_the_user_id(store):
    question_id = store.log_question(
        LoggedQuestion(
            question="How many users does GREE have?",
            status="answer",
            confidence=91.0,
            fact_ids=("gree-mobage-town-over-20-million-users-each",),
            scores=(91.0,),
            latency_ms=0.4,
            guild_id=1,
            channel_id=2,
            user_id=123456789012345678,
            via="slash",
        )
    )
    row = store.read("select * from question_log where id = ?", [question_id])[0]
    assert row["user_hash"] and "123456789012345678" not in row["user_hash"]
    assert row["user_hash"] == store.hash_user(123456789012345678)
    assert row["user_hash"] != store.hash_user(123456789012345679)


def test_salt_differs_between_installations(tmp_path: Path):
    first = FactStore.open(tmp_path / "a.db")
    second = FactStore.open(tmp_path / "b.db")
    try:
        assert first.install_salt() != second.install_salt()
        assert first.hash_user(1) != second.hash_user(1)
        assert first.install_salt() == first.install_salt()
    finally:
        first.close()
        second.close()


def test_processes_starting_together_on_a_new_file_all_open_it(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "new.db"
    env = {**os.environ, "FACTBOT_DATABASE__PATH": str(path), "DISCORD_TOKEN": ""}
    for _ in range(3):
        if path.exists():
            for leftover in tmp_path.glob("new.db*"):
                leftover.unlink()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=Path(__file__).resolve().parent.parent,
            )
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
        conn = sqlite3.connect(path)
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select count(*) from facts").fetchone()[0] > 40
        conn.close()
