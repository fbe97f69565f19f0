"""`python -m knowledge backup` and `restore`: online, consistent, checked, and
never losing the database they replace."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from knowledge.cli.main import main
from knowledge.curation.build import build
from knowledge.errors import SchemaTooNewError, StoreError
from knowledge.models import Fact
from knowledge.store import FactStore, LoggedQuestion
from knowledge.store import backup as backups
from knowledge.store.migrations import known_migration_names
from tests.factories import admin_fact


def one_claim(fact_id: str) -> Fact:
    return admin_fact(
        fact_id,
        f"Fact {fact_id} is one claim.",
        questions=(f"what about {fact_id}?", f"tell me {fact_id}"),
        keywords=(fact_id,),
        guild_id=1,
        citation_note="https://example.org note",
    )


@pytest.fixture
def live(db_path: Path) -> Path:
    store = FactStore.open(db_path)
    build(store)
    store.add_fact(one_claim("before-backup"), actor="t")
    store.close()
    return db_path


@pytest.fixture
def cli_config(tmp_path: Path, live: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[database]\npath = '{live}'\n", encoding="utf-8")
    return path


def files(db: Path) -> dict[str, bytes]:
    """The database and any -wal, byte for byte."""
    return {
        p.name: p.read_bytes()
        for p in (db, db.with_name(db.name + "-wal"))
        if p.exists() and p.stat().st_size
    }


def fact_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("select id from facts where origin = 'admin'")}
    finally:
        conn.close()


def test_backup_while_a_writer_keeps_writing_is_consistent_and_opens(live, tmp_path):
    store = FactStore.open(live)
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            store.add_fact(one_claim(f"during-{n}"), actor="writer")
            store.log_question(LoggedQuestion(f"q{n}", "unknown", 0, (), (), 1.0))
            written.append(n)
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        reports = [backups.backup(live, tmp_path / f"copy{i}.db") for i in range(3)]
        while len(written) < 40:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join()
        store.close()
    assert len({r.facts for r in reports}) > 1  # taken while the facts changed
    for report in reports:
        copy = FactStore.open(report.path)
        try:
            assert copy.read("pragma integrity_check")[0]["integrity_check"] == "ok"
            ids = {r["id"] for r in copy.read("select id from facts where id like 'during-%'")}
            audited = copy.read(
                "select distinct fact_id from audit_log where fact_id like 'during-%'"
            )
            assert {r["fact_id"] for r in audited} == ids  # every fact with its audit entry
            for fact_id in ids:
                assert len(copy.get_fact(fact_id).questions) == 2
            assert copy.get_fact("before-backup")
        finally:
            copy.close()


def test_backup_is_one_self_contained_file(live, tmp_path):
    report = backups.backup(live, tmp_path / "out" / "copy.db")
    assert report.path.exists() and report.facts > 50
    assert not report.path.with_name("copy.db-wal").exists()
    conn = sqlite3.connect(report.path)
    try:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert sorted(p.name for p in report.path.parent.iterdir()) == ["copy.db"]


def test_backup_reports_factbot_schema_when_another_tool_shares_the_migrations_table(
    live, tmp_path
):
    # sqlite-utils' Migrations keeps every tool's steps in one table, by set.
    conn = sqlite3.connect(live)
    with conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) "
            "values ('datasette-plugin', '0001_its_own_table', 'now')"
        )
    conn.close()
    latest = known_migration_names()[-1]
    assert backups.backup(live, tmp_path / "copy.db").schema_version == latest
    store = FactStore.open(live)
    try:
        assert store.schema_version == latest
    finally:
        store.close()


def test_backup_refuses_to_overwrite_unless_forced(live, tmp_path):
    dest = tmp_path / "copy.db"
    dest.write_bytes(b"precious")
    with pytest.raises(StoreError, match="already exists"):
        backups.backup(live, dest)
    assert dest.read_bytes() == b"precious"
    backups.backup(live, dest, force=True)
    assert "before-backup" in fact_ids(dest)
    with pytest.raises(StoreError, match="database itself"):
        backups.backup(live, live, force=True)


def test_backup_of_a_missing_or_foreign_database_names_it(tmp_path):
    with pytest.raises(StoreError, match="not found"):
        backups.backup(tmp_path / "nope.db", tmp_path / "copy.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table recipes (name)").connection.close()
    with pytest.raises(StoreError, match=str(other)):
        backups.backup(other, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_restore_swaps_in_the_backup_and_keeps_the_replaced_database(live, tmp_path):
    copy = backups.backup(live, tmp_path / "copy.db").path
    store = FactStore.open(live)
    store.add_fact(one_claim("after-backup"), actor="t")
    store.close()
    report = backups.restore(copy, live)
    assert fact_ids(live) == {"before-backup"}
    assert report.kept and report.kept.name.startswith(f"{live.name}.before-restore-")
    assert fact_ids(report.kept) == {"before-backup", "after-backup"}
    for sidecar in ("-wal", "-shm", "-journal"):
        assert not live.with_name(live.name + sidecar).exists()
    store = FactStore.open(live)  # and the bot can open it
    try:
        assert store.get_fact("before-backup")
    finally:
        store.close()


def bad_backups(tmp_path: Path, live: Path) -> dict[str, Path]:
    good = backups.backup(live, tmp_path / "good.db").path
    made = {}
    made["corrupt"] = tmp_path / "corrupt.db"
    made["corrupt"].write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    made["truncated"] = tmp_path / "truncated.db"
    made["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    data = bytearray(good.read_bytes())
    data[40 * 4096 : 41 * 4096] = b"\xee" * 4096
    made["damaged page"] = tmp_path / "damaged.db"
    made["damaged page"].write_bytes(bytes(data))
    made["not FactBot"] = tmp_path / "recipes.db"
    sqlite3.connect(made["not FactBot"]).execute("create table recipes (name)").connection.close()
    made["not SQLite"] = tmp_path / "notes.txt"
    made["not SQLite"].write_text("hello\n" * 100)
    newer = tmp_path / "newer.db"
    newer.write_bytes(good.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('factbot', '9999_from_the_future', 'later')"
    )
    conn.commit()
    conn.close()
    made["newer"] = newer
    return made


def test_restore_refuses_bad_backups_and_leaves_the_live_database_byte_identical(live, tmp_path):
    crash = (  # leave a -wal, as a bot killed mid-run would
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute(\"insert into meta values ('crashed', 'yes')\")\n"
        "conn.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(live)], check=True)
    before = files(live)
    assert len(before) == 2
    for what, bad in bad_backups(tmp_path, live).items():
        with pytest.raises(StoreError) as caught:
            backups.restore(bad, live)
        assert str(bad) in str(caught.value), what
        if what == "newer":
            assert isinstance(caught.value, SchemaTooNewError)
        assert files(live) == before, what
        assert not list(live.parent.glob("*.before-restore-*")), what
        assert not list(live.parent.glob(".*.partial*")), what


def test_restore_while_another_process_has_the_database_open_restores_in_place(live, tmp_path):
    copy = backups.backup(live, tmp_path / "copy.db").path
    writer = FactStore.open(live)
    writer.add_fact(one_claim("after-backup"), actor="t")
    writer.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom knowledge.store import FactStore\n"
            "store = FactStore.open(sys.argv[1])\nprint('open', flush=True)\nsys.stdin.readline()\n"
            "print(sorted(f.id for f in store.live_facts() if f.origin == 'admin'), flush=True)\n",
            str(live),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        report = backups.restore(copy, live)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        # The running process reads the restored database through its open connection.
        assert holder.stdout.readline().strip() == "['before-backup']"
    finally:
        holder.kill()
        holder.wait()
    assert fact_ids(live) == {"before-backup"}
    assert fact_ids(report.kept) == {"before-backup", "after-backup"}  # nothing is lost


def test_restore_over_a_damaged_database_keeps_it_byte_for_byte(live, tmp_path):
    copy = backups.backup(live, tmp_path / "copy.db").path
    live.write_bytes(b"SQLite format 3\x00" + b"\x01" * 8000)
    damaged = live.read_bytes()
    report = backups.restore(copy, live)
    assert report.kept.read_bytes() == damaged
    assert fact_ids(live) == {"before-backup"}


def test_restore_into_an_empty_place(live, tmp_path):
    copy = backups.backup(live, tmp_path / "copy.db").path
    target = tmp_path / "new" / "factbot.db"
    report = backups.restore(copy, target)
    assert report.kept is None and fact_ids(target) == {"before-backup"}


def test_cli_backup_and_restore(cli_config, live, tmp_path, capsys):
    dest = tmp_path / "nightly.db"
    assert main(["--config", str(cli_config), "backup", str(dest)]) == 0
    assert f"to {dest}" in capsys.readouterr().out
    assert main(["--config", str(cli_config), "backup", str(dest)]) == 1
    assert "add --force" in capsys.readouterr().err
    assert main(["--config", str(cli_config), "backup", "--force", str(dest)]) == 0
    capsys.readouterr()
    assert main(["--config", str(cli_config), "restore", str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"Restored {live}" in out and "kept as" in out
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk" * 1000)
    before = files(live)
    assert main(["--config", str(cli_config), "restore", str(junk)]) == 1
    err = capsys.readouterr().err
    assert str(junk) in err and "not an SQLite database" in err
    assert files(live) == before
