"""The portable backup (`knowledge backup --portable`, and every backup on
PostgreSQL): every row of every table, restorable into either backend, checked
whole before anything is written, and restored in one transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from pathlib import Path

import pytest

from knowledge.cli.main import main
from knowledge.curation.build import build
from knowledge.errors import SchemaTooNewError, StoreError
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore, LoggedQuestion, portable
from knowledge.store.portable import BACKEND_COLUMNS, TABLES

from .test_backup import one_claim

BOTH_BACKENDS = True


def filled(store: FactStore) -> FactStore:
    """The built fact base with an admin's fact added, edited and removed, a
    logged question with a vote, and server settings."""
    build(store)
    fact = store.add_fact(one_claim("kept-history"), actor="admin:1")
    store.save_facts([dataclasses.replace(fact, text="Edited once.")], actor="admin:2")
    store.set_deleted(fact.id, deleted=True, actor="admin:3")
    store.add_fact(one_claim("live-one"), actor="admin:1")
    asked = store.log_question(
        LoggedQuestion("how big?", "answer", 0.9, ("live-one",), (0.9,), 2.5, guild_id=1, user_id=7)
    )
    store.record_vote(asked, 7, 1, guild_id=1)
    store.set_auto_answer(1, 99, True, actor="admin:1")
    store.set_admin_role(1, 1234, actor="admin:1")
    store.add_server_alias(1, "gree", "greenhouse", actor="admin:1")
    return store


def rows(store: FactStore) -> dict[str, list[tuple]]:
    """Every table's rows, in a backend-neutral order (the generation aside)."""
    with store.snapshot() as tx:
        found = {}
        for table in TABLES:
            columns = [c for c in tx.columns(table) if c not in BACKEND_COLUMNS]
            got = [tuple(r) for r in tx.stream(f'select {", ".join(columns)} from "{table}"')]
            if table == "meta":
                got = [r for r in got if r[0] != "generation"]
            found[table] = sorted(got, key=repr)
        return found


def fact_order(store: FactStore) -> list[str]:
    return [r["id"] for r in store.read(f"select id from facts order by {store.dialect.row_order}")]


@pytest.fixture
def new_store(tmp_path: Path, request):
    """make(kind) -> a store on a new, empty fact base of that backend."""
    made: list[FactStore] = []

    def make(kind: str) -> FactStore:
        if kind == "postgresql":
            opened = FactStore.open_url(request.getfixturevalue("pg_database")("empty"))
        else:
            opened = FactStore.open(tmp_path / f"target{len(made)}.db")
        made.append(opened)
        return opened

    yield make
    for opened in made:
        opened.close()


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_an_export_restores_into_a_new_database_of_either_backend_with_nothing_lost(
    store, new_store, target_kind, tmp_path
):
    source = filled(store)
    report = portable.export(source, tmp_path / "nightly.jsonl")
    assert report.rows["facts"] == len(fact_order(source)) and report.rows["audit_log"] >= 4
    target = new_store(target_kind)
    restored = portable.restore_export(report.path, target)
    assert restored.rows == report.rows
    assert rows(target) == rows(source)  # every row of every table, ids included
    assert fact_order(target) == fact_order(source)
    assert [e["action"] for e in target.audit_entries("kept-history")] == [
        "create",
        "update",
        "remove",
    ]
    assert target.feed_position().generation != source.feed_position().generation
    # a working fact base: it finds facts, takes new audited writes after the copied ids
    assert target.search_fact_ids("live-one", 1, limit=5)[0] == "live-one"
    last = max(e["id"] for e in target.audit_entries("kept-history"))
    target.add_fact(one_claim("after-restore"), actor="t")
    assert target.audit_entries("after-restore")[0]["id"] > last


def test_restoring_over_a_fact_base_replaces_it_whole_and_running_processes_reload(
    store, config, tmp_path
):
    filled(store)
    exported = portable.export(store, tmp_path / "snap.jsonl").path
    before = rows(store)
    kb = KnowledgeBase(store, config)
    other = KnowledgeBase.open(config)  # a second process on the same database
    try:
        kb.store.add_fact(one_claim("after-backup"), actor="t")
        other.sync()
        report, kept = portable.replace_with_export(exported, kb.store)
        assert report.rows["facts"] == len(before["facts"])
        assert rows(kb.store) == before  # the fact added after the backup is gone
        assert other.sync().reloaded  # the new generation: reloaded whole
        with pytest.raises(Exception, match="after-backup"):
            other.store.get_fact("after-backup")
    finally:
        other.close()
    assert kept is not None and kept.exists()  # what it replaced is never lost
    if kept.suffix == ".jsonl":
        assert portable.check(kept).rows["facts"] == len(before["facts"]) + 1
    else:
        assert kept.name.startswith(f"{config.database.path.name}.before-restore-")


def rewritten(path: Path, dest: Path, change) -> Path:
    """A copy of an export with its lines changed by `change(lines)`, the
    checksum and counts made to match again (a well-formed file)."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    body = change(lines[:-1])

    digest = hashlib.sha256()
    counts = {t: 0 for t in body[0]["tables"]}
    text = ""
    for item in body:
        data = json.dumps(item, separators=(",", ":")) + "\n"
        digest.update(data.encode())
        text += data
        if "t" in item:
            counts[item["t"]] += 1
    text += json.dumps({"end": {"rows": counts, "sha256": digest.hexdigest()}}) + "\n"
    dest.write_text(text)
    return dest


def bad_exports(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    data = good.read_bytes()
    made: dict[str, tuple[Path, str]] = {}

    def write(name: str, content: bytes, says: str) -> None:
        made[name] = (folder / f"{name.replace(' ', '-')}.jsonl", says)
        made[name][0].write_bytes(content)

    write("truncated", data[: len(data) // 2], "truncated")
    write("cut at a line end", data[: data.rindex(b"\n", 0, len(data) - 2) + 1], "truncated")
    middle = data.index(b"Fact live-one is one claim.")
    write("altered", data[:middle] + b"Fact LIVE" + data[middle + 9 :], "checksum")
    write("not an export", b"hello\n" * 10, "not a FactBot portable backup")
    write("empty", b"", "not a FactBot portable backup")

    def newer_format(lines):
        lines[0]["format_version"] = 99
        return lines

    def newer_schema(lines):
        lines[0]["schema_version"] = "9999_from_the_future"
        return lines

    def duplicate_fact(lines):
        first = next(i for i, item in enumerate(lines) if item.get("t") == "facts")
        return [*lines[: first + 1], lines[first], *lines[first + 1 :]]

    for name, change, says in (
        ("newer format", newer_format, "newer FactBot"),
        ("newer schema", newer_schema, "newer FactBot"),
        ("a row the database refuses", duplicate_fact, "write failed"),
    ):
        made[name] = (rewritten(good, folder / f"{name.replace(' ', '-')}.jsonl", change), says)
    return made


def test_a_bad_export_is_refused_naming_the_file_and_nothing_changes(store, tmp_path):
    filled(store)
    good = portable.export(store, tmp_path / "good.jsonl").path
    store.add_fact(one_claim("after-backup"), actor="t")
    before = rows(store)
    generation = store.feed_position().generation
    for what, (bad, says) in bad_exports(good, tmp_path).items():
        with pytest.raises(StoreError) as caught:
            portable.replace_with_export(bad, store)
        message = str(caught.value)
        assert says in message, (what, message)
        if what != "a row the database refuses":  # that one is found while writing
            assert str(bad) in message, what
        if what.startswith("newer"):
            assert isinstance(caught.value, SchemaTooNewError)
        assert rows(store) == before, what  # never half-restored
        assert store.feed_position().generation == generation, what
    assert not list(tmp_path.glob("factbot-replaced-*"))
    assert not list(tmp_path.glob("**/*.before-restore-*"))


def test_an_export_taken_while_a_writer_writes_is_one_consistent_snapshot(store, tmp_path):
    build(store)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        while not stop.is_set():
            store.add_fact(one_claim(f"during-{len(written)}"), actor="writer")
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 10:
            threading.Event().wait(0.01)
        report = portable.export(store, tmp_path / "during.jsonl")
    finally:
        stop.set()
        writer.join()
    lines = [json.loads(line) for line in report.path.read_text().splitlines()[1:-1]]
    facts = {item["r"][0] for item in lines if item["t"] == "facts" and "during" in item["r"][0]}
    audited = {item["r"][4] for item in lines if item["t"] == "audit_log"}
    questions = {item["r"][0] for item in lines if item["t"] == "fact_questions"}
    assert facts and facts <= audited and facts <= questions
    assert {f for f in audited if f and "during" in f} == facts  # no audit entry without its fact


def test_cli_portable_backup_and_restore_on_the_configured_backend(config, kb, tmp_path, capsys):
    cfg = tmp_path / "cli.toml"
    database = config.database
    cfg.write_text(
        f"[database]\npath = '{database.path}'\nurl = '{database.url}'\n", encoding="utf-8"
    )
    base = ["--config", str(cfg)]
    dest = tmp_path / "export.jsonl"
    flag = [] if database.url else ["--portable"]  # on PostgreSQL every backup is portable
    assert main([*base, "backup", *flag, str(dest)]) == 0
    assert f"to {dest}" in capsys.readouterr().out and portable.is_portable(dest)
    assert main([*base, "backup", *flag, str(dest)]) == 1
    assert "add --force" in capsys.readouterr().err
    if not database.url:  # never over the database it exports
        before = database.path.read_bytes()
        assert main([*base, "backup", "--portable", "--force", str(database.path)]) == 1
        assert "the database itself" in capsys.readouterr().err
        assert database.path.read_bytes() == before
    assert main([*base, "restore", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out and "facts" in out and "kept as" in out
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"format":"factbot-export","format_version":1')
    assert main([*base, "restore", str(junk)]) == 1
    err = capsys.readouterr().err
    assert str(junk) in err and "Traceback" not in err


def test_an_sqlite_file_backup_on_postgres_is_refused_with_what_to_do(new_store, tmp_path):
    sqlite = FactStore.open(tmp_path / "file.db")
    build(sqlite)
    sqlite.close()
    with pytest.raises(StoreError, match="migrate --to"):
        portable.replace_with_export(tmp_path / "file.db", new_store("postgresql"))
