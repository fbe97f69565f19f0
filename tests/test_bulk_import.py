"""`python -m knowledge fact import FILE`: a large JSON or JSON Lines file,
checked whole first, written in batches that running bots pick up one fact at
a time, and safe to kill."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knowledge.cli.main import main
from knowledge.curation.bulk_import import (
    ImportInterruptedError,
    bulk_import,
    unfinished_import_notes,
)
from knowledge.curation.curator import MAX_IMPORT_FACTS, Curator, InvalidFactError
from knowledge.service import KnowledgeBase, open_store
from knowledge.store import FactStore
from knowledge.store.facts import fact_version

REPO = Path(__file__).resolve().parent.parent
GUILD = 42
BOTH_BACKENDS = True
BASE_FACTS = 59  # the article's curated facts


def club_record(n: int, **changes) -> dict:
    record = {
        "id": f"club-fact-{n:05d}",
        "text": f"Club member number {n} joined the Zorblat {n} chapter.",
        "questions": [f"When did member {n} join the Zorblat {n} chapter?"],
        "keywords": [f"zorblat {n}"],
        "citation": "Club register",
    }
    return {**record, **changes}


def write_jsonl(path: Path, records: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.fixture
def cli_config(tmp_path: Path, db_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f"[database]\npath = '{db_path}'\n", encoding="utf-8")
    assert main(["--config", str(path), "build"]) == 0
    return str(path)


def run(cfg: str, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--config", cfg, "fact", "import", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_dry_run_checks_every_line_and_writes_nothing(cli_config, capsys, tmp_path, db_path):
    path = write_jsonl(tmp_path / "club.jsonl", [club_record(n) for n in range(300)])
    code, out, _ = run(cli_config, capsys, str(path), "--guild", str(GUILD))
    assert code == 0
    assert "300 to add, 0 to change, 0 unchanged, 0 rejected (300 records, JSON Lines)" in out
    assert "Dry run" in out
    assert count(db_path, "select count(*) from facts") == BASE_FACTS


def test_rejections_name_the_line_the_id_and_the_field(cli_config, capsys, tmp_path, db_path):
    records = [
        club_record(1),
        "{not json",
        club_record(2, keywords="not-a-list"),
        club_record(3, text=""),
        club_record(1, text="The same id again."),
        "[1, 2]",
        club_record(4),
    ]
    path = write_jsonl(tmp_path / "club.jsonl", records)
    code, out, _ = run(cli_config, capsys, str(path), "--guild", str(GUILD), "--apply")
    assert code == 0 and "2 to add" in out and "5 rejected" in out
    assert "rejected line 2: the line is not valid JSON" in out
    assert "rejected line 3 (club-fact-00002): keywords must be a list of strings" in out
    assert "rejected line 4 (club-fact-00003): text is missing or empty" in out
    assert "rejected line 5 (club-fact-00001): the id club-fact-00001 appears twice" in out
    assert "rejected line 6: not an object" in out
    assert "Applied: 2 added" in out
    assert count(db_path, "select count(*) from facts") == BASE_FACTS + 2


def test_the_export_format_is_read_too_and_json_lines_are_told_by_content(
    cli_config, capsys, tmp_path, db_path
):
    export = tmp_path / "club.json"
    export.write_text(
        json.dumps({"format": "factbot-facts/1", "facts": [club_record(1), club_record(2)]}),
        encoding="utf-8",
    )
    code, out, _ = run(cli_config, capsys, str(export), "--guild", str(GUILD), "--apply")
    assert code == 0 and "(2 records, JSON)" in out and "Applied: 2 added" in out
    lines = write_jsonl(tmp_path / "club.txt", [club_record(3), club_record(4)])
    code, out, _ = run(cli_config, capsys, str(lines), "--guild", str(GUILD), "--apply")
    assert code == 0 and "(2 records, JSON Lines)" in out
    assert count(db_path, "select count(*) from facts") == BASE_FACTS + 4


def test_a_record_without_an_id_gets_the_same_id_every_run(cli_config, capsys, tmp_path):
    records = [{k: v for k, v in club_record(n).items() if k != "id"} for n in range(3)]
    path = write_jsonl(tmp_path / "club.jsonl", records)
    assert "Applied: 3 added" in run(cli_config, capsys, str(path), "--guild", "7", "--apply")[1]
    out = run(cli_config, capsys, str(path), "--guild", "7", "--apply")[1]
    assert "0 to add, 0 to change, 3 unchanged" in out
    twice = write_jsonl(tmp_path / "twice.jsonl", [records[0], records[0]])
    out = run(cli_config, capsys, str(twice), "--guild", "8")[1]
    assert "rejected line 2: the same text as line 1" in out


def test_changes_are_planned_against_the_stored_facts_in_batches(store, tmp_path):
    from knowledge.curation.build import build

    build(store)
    path = write_jsonl(tmp_path / "a.jsonl", [club_record(n) for n in range(10)])
    report = bulk_import(store, path, guild_id=GUILD, actor="t", apply=True, batch_facts=3)
    assert report.written == 10 and report.applied
    changed = [
        club_record(n, text=f"Member {n} left.") if n < 4 else club_record(n) for n in range(10)
    ]
    path = write_jsonl(tmp_path / "b.jsonl", changed)
    report = bulk_import(store, path, guild_id=GUILD, actor="t", apply=True, batch_facts=3)
    assert (report.added, report.changed, report.unchanged) == (0, 4, 6)
    assert store.get_fact("club-fact-00001").text == "Member 1 left."
    actions = [r["action"] for r in store.audit_entries("club-fact-00001")]
    assert actions == ["create", "import"]
    other_server = bulk_import(store, path, guild_id=GUILD + 1, actor="t")
    assert other_server.rejected == 10
    assert "another server" in other_server.rejections[0][1]


def test_stored_versions_read_in_bulk_are_the_versions_a_preview_records(store, tmp_path):
    from knowledge.curation.build import build

    build(store)
    path = write_jsonl(tmp_path / "a.jsonl", [club_record(n) for n in range(3)])
    bulk_import(store, path, guild_id=GUILD, actor="t", apply=True)
    store.set_deleted("club-fact-00001", deleted=True, actor="t")
    ids = ["club-fact-00000", "club-fact-00001", "facebook-passes-mixi-nielsen", "no-such"]
    found = store.stored_facts(ids)
    assert set(found) == set(ids) - {"no-such"}
    with store.reading() as tx:
        assert {i: v for i, (_, v) in found.items()} == {i: fact_version(tx, i) for i in found}


def import_in_another_process(kb: KnowledgeBase, tmp_path: Path, facts: int, batch: int) -> None:
    """Import club facts through a connection of its own, as the terminal does."""
    writer = open_store(kb.config)
    try:
        path = write_jsonl(tmp_path / "club.jsonl", [club_record(n) for n in range(facts)])
        bulk_import(writer, path, guild_id=GUILD, actor="t", apply=True, batch_facts=batch)
    finally:
        writer.close()


def test_a_running_bot_reindexes_the_imported_facts_without_a_rebuild(kb, tmp_path):
    question = "When did member 250 join the Zorblat 250 chapter?"
    assert not kb.ask(question, guild_id=GUILD, log=False).answer.facts
    import_in_another_process(kb, tmp_path, 400, batch=100)
    report = kb.sync()
    assert report.facts == 400 and not report.reloaded
    answer = kb.ask(question, guild_id=GUILD, log=False).answer
    assert [sf.fact.id for sf in answer.facts][:1] == ["club-fact-00250"]
    assert not kb.ask(question, guild_id=GUILD + 1, log=False).answer.facts


def test_more_imported_facts_than_the_index_holds_rebuild_it_once(kb, tmp_path):
    import_in_another_process(kb, tmp_path, 1200, batch=500)
    report = kb.sync()
    assert report.reloaded and len(kb.retriever) == BASE_FACTS + 1200


def test_discord_import_keeps_its_cap_and_points_to_the_terminal(kb):
    records = [club_record(n) for n in range(MAX_IMPORT_FACTS + 1)]
    data = json.dumps({"facts": records}).encode()
    with pytest.raises(InvalidFactError, match="python -m knowledge fact import FILE"):
        Curator(kb).plan_import(data, guild_id=GUILD, is_owner=False)


def test_an_import_killed_mid_way_keeps_whole_batches_says_so_and_finishes_when_run_again(
    cli_config, capsys, tmp_path, db_path
):
    total, batch = 20_000, 250
    path = write_jsonl(tmp_path / "club.jsonl", [club_record(n) for n in range(total)])
    command = [sys.executable, "-m", "knowledge", "--config", cli_config, "fact", "import"]
    proc = subprocess.Popen(
        [*command, str(path), "--guild", str(GUILD), "--apply", "--batch-size", str(batch)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        written = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                written = count(db_path, "select coalesce(max(written), 0) from imports")
            except sqlite3.OperationalError:  # the table is not there yet, or busy
                written = 0
            if written >= 3 * batch:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert count(db_path, "pragma integrity_check") == "ok"
    written = count(db_path, "select written from imports")
    assert 0 < written < total and written % batch == 0
    imported = count(db_path, "select count(*) from facts where guild_id = 42")
    assert imported == written  # whole batches only
    questions = "select count(*) from fact_questions where fact_id like 'club-fact-%'"
    assert count(db_path, questions) == imported  # one question each, none half-written
    store = FactStore.open(db_path)
    try:
        notes = unfinished_import_notes(store)
    finally:
        store.close()
    assert len(notes) == 1 and f"{written:,} of {total:,} facts" in notes[0]

    code, out, err = run(cli_config, capsys, str(path), "--guild", str(GUILD), "--apply")
    assert code == 0 and "has not finished" in err
    assert f"{total - written} to add, 0 to change, {written} unchanged" in out
    assert count(db_path, "select count(*) from facts where guild_id = 42") == total
    assert count(db_path, "select count(*) from imports where finished_at is null") == 0
    code, _, err = run(cli_config, capsys, str(path), "--guild", str(GUILD))
    assert "has not finished" not in err


def test_the_cli_never_builds_the_index(cli_config, capsys, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the import built an index")

    monkeypatch.setattr(KnowledgeBase, "open", refuse)
    path = write_jsonl(tmp_path / "club.jsonl", [club_record(n) for n in range(5)])
    assert run(cli_config, capsys, str(path), "--guild", str(GUILD), "--apply")[0] == 0


def test_a_file_changed_between_the_check_and_the_writing_is_not_written(store, tmp_path):
    from knowledge.curation.build import build

    build(store)
    path = write_jsonl(tmp_path / "club.jsonl", [club_record(n) for n in range(5)])

    def edit_the_file(phase: str, done: int, total: int) -> None:
        if phase == "writing" and done == 0:
            with path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(club_record(99)) + "\n")

    with pytest.raises(ImportInterruptedError, match=r"after writing 0 of 5 facts.*file changed"):
        bulk_import(store, path, guild_id=GUILD, actor="t", apply=True, progress=edit_the_file)
    assert store.read("select count(*) n from facts where guild_id = 42")[0]["n"] == 0
    (note,) = unfinished_import_notes(store)
    assert "has written 0 of 5 facts" in note
