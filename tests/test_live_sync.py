"""Live coherence: what one process commits, another sees after one sync.

Two KnowledgeBase objects on one real SQLite file, or one PostgreSQL database,
stand for two processes (each has its own connection, as shards do); restores
from a backup run in a real second process, as `python -m knowledge restore` does.
"""

from __future__ import annotations

import io
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import create_bot
from knowledge.cli.console import run_console
from knowledge.cli.main import main
from knowledge.curation.build import build
from knowledge.curation.curator import Curator, FactDraft
from knowledge.errors import FactNotFoundError, StoreError
from knowledge.service import RELOAD_AFTER_CHANGES, KnowledgeBase, open_store
from knowledge.store import LoggedQuestion
from knowledge.store.backup import backup

REPO = Path(__file__).resolve().parent.parent
GUILD = 111
MEETUP = "when is the fact club meetup?"
BOTH_BACKENDS = True


def meetup(text: str = "The Fact Club meetup happens every Friday evening.") -> FactDraft:
    return FactDraft(
        text=text,
        questions=("When is the fact club meetup?",),
        keywords=("meetup", "fact club"),
        citation="https://example.org/rules Server rules, section 4",
    )


@pytest.fixture
def other(kb):
    """A second process's KnowledgeBase on the same file."""
    second = KnowledgeBase(open_store(kb.config), kb.config)
    yield second
    second.close()


@pytest.fixture
def cli_config(tmp_path: Path, db_path: Path, pg_url_for: str) -> Path:
    path = tmp_path / "config.toml"
    url = f"url = '{pg_url_for}'\n" if pg_url_for else ""
    path.write_text(f"[database]\npath = '{db_path}'\n{url}", encoding="utf-8")
    return path


def answered_ids(kb: KnowledgeBase, question: str = MEETUP) -> list[str]:
    return [sf.fact.id for sf in kb.ask(question, guild_id=GUILD, log=False).answer.facts]


def add_meetup(kb: KnowledgeBase):
    return Curator(kb).add(meetup(), guild_id=GUILD, actor="admin:1")


def move_meetup_to_saturday(curator: Curator, fact_id: str) -> None:
    curator.edit(
        fact_id,
        meetup("The Fact Club meetup moved to Saturday noon."),
        guild_id=GUILD,
        actor="admin:1",
        is_owner=False,
    )


def test_a_fact_added_by_one_process_is_answered_by_the_other_after_one_sync(kb, other):
    fact = add_meetup(kb)
    assert fact.id not in answered_ids(other)
    report = other.sync()
    assert report.facts == 1 and not report.reloaded
    assert answered_ids(other)[0] == fact.id
    assert other.sync_state().applied_seq == kb.store.feed_position().seq


def test_edits_removals_and_restores_reach_the_other_process(kb, other):
    curator = Curator(kb)
    fact = add_meetup(kb)
    other.sync()
    move_meetup_to_saturday(curator, fact.id)
    other.sync()
    shown = other.ask(MEETUP, guild_id=GUILD, log=False).answer.facts[0].fact
    assert "Saturday" in shown.text
    curator.remove(fact.id, guild_id=GUILD, actor="admin:1", is_owner=False)
    other.sync()
    assert fact.id not in answered_ids(other)
    curator.restore(fact.id, guild_id=GUILD, actor="admin:1", is_owner=False)
    assert not other.sync().reloaded
    assert answered_ids(other)[0] == fact.id


def test_the_terminal_fact_commands_reach_a_running_process(kb, cli_config, capsys):
    argv = ["--config", str(cli_config), "fact", "add", "--guild", str(GUILD)]
    argv += ["--text", "The Fact Club meetup happens every Friday evening."]
    argv += ["--question", "When is the fact club meetup?", "--citation", "https://example.org"]
    assert main(argv) == 0
    fact_id = capsys.readouterr().out.split()[1]
    assert fact_id not in answered_ids(kb)
    kb.sync()
    assert answered_ids(kb)[0] == fact_id
    assert main(["--config", str(cli_config), "fact", "remove", fact_id]) == 0
    kb.sync()
    assert fact_id not in answered_ids(kb)


@pytest.mark.sqlite_only
def test_an_idle_sync_runs_no_query(kb):
    kb.sync()
    statements: list[str] = []
    kb.store.db.conn.set_trace_callback(statements.append)
    try:
        for _ in range(3):
            assert kb.sync().facts == 0
    finally:
        kb.store.db.conn.set_trace_callback(None)
    assert all(s.strip().upper() == "PRAGMA DATA_VERSION" for s in statements), statements
    assert len(statements) == 3


def test_questions_logged_elsewhere_change_nothing_in_the_index(kb, other):
    other.sync()
    kb.store.log_question(LoggedQuestion(MEETUP, "unknown", 0.0, (), (), 1.0, guild_id=GUILD))
    report = other.sync()
    assert report.facts == 0 and not report.reloaded and not report.settings_changed


def test_server_settings_changes_are_reported(kb, other):
    other.sync()
    kb.store.set_auto_answer(GUILD, 555, True, actor="admin:1")
    report = other.sync()
    assert report.settings_changed and not report.reloaded
    assert 555 in other.store.auto_answer_channels()
    kb.store.set_admin_role(GUILD, 777, actor="admin:1")
    assert other.sync().settings_changed
    assert not other.sync().settings_changed  # reported once


def test_a_build_reaches_the_other_process(kb, other, curated_root):
    gone = "phones-went-down-march-11"
    facts_file = next((curated_root / "facts").glob("*.toml"))
    text = facts_file.read_text(encoding="utf-8")
    without = re.sub(rf'\[\[facts\]\]\nid = "{gone}".*?(?=\n\[\[facts\]\])', "", text, flags=re.S)
    facts_file.write_text(without, encoding="utf-8")
    assert build(kb.store, curated_root).retired == (gone,)
    other.sync()
    assert gone not in {f.id for f in other.retriever.facts()}
    facts_file.write_text(text, encoding="utf-8")
    build(kb.store, curated_root)
    report = other.sync()
    assert report.facts == 1 and not report.reloaded
    assert gone in {f.id for f in other.retriever.facts()}


def test_new_aliases_from_a_build_reload_the_whole_index(kb, other, curated_root):
    other.sync()
    aliases = curated_root / "aliases.toml"
    text = aliases.read_text(encoding="utf-8")
    aliases.write_text(
        text.replace("[aliases]\n", '[aliases]\n"facebook" = ["zuck-test-alias"]\n', 1).replace(
            '\n"facebook" = ["fb"', '\n"facebook-old" = ["fb"', 1
        ),
        encoding="utf-8",
    )
    build(kb.store, curated_root)
    assert "zuck-test-alias" in kb.store.aliases()
    report = other.sync()
    assert report.reloaded and report.settings_changed


def test_a_rebuild_that_changes_nothing_reindexes_nothing(kb, other):
    other.sync()
    build(kb.store)
    report = other.sync()
    assert report.facts == 0 and not report.reloaded


def test_falling_far_behind_reloads_the_whole_index(kb, other):
    other.sync()
    for n in range(RELOAD_AFTER_CHANGES + 1):
        kb.store.set_auto_answer(GUILD, n, True, actor="admin:1")
    assert other.sync().reloaded


@pytest.mark.sqlite_only
def test_a_restore_from_a_backup_reaches_a_running_process(kb, other, cli_config, tmp_path):
    saved = backup(kb.config.database.path, tmp_path / "before.db")
    fact = add_meetup(kb)
    other.sync()
    assert answered_ids(other)[0] == fact.id
    # `knowledge restore` in another process, while both "processes" here run.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "knowledge",
            "--config",
            str(cli_config),
            "restore",
            str(saved.path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "kept as" in result.stdout
    for process in (kb, other):
        report = process.sync()
        assert report.reloaded
        assert fact.id not in answered_ids(process)
    with pytest.raises(FactNotFoundError):
        other.store.get_fact(fact.id)
    assert other.store.db.journal_mode == "wal"  # readers still never wait
    # Writes go on after the restore, and reach the other process one by one.
    again = add_meetup(kb)
    report = other.sync()
    assert not report.reloaded and answered_ids(other)[0] == again.id


@pytest.mark.sqlite_only
async def test_the_bots_sync_logs_a_failure_once_retries_and_reads_new_settings(kb, other, caplog):
    bot = create_bot(kb, kb.config)
    broken = sqlite3.connect(kb.config.database.path)
    try:
        broken.execute("alter table changes rename to changes_away")
        broken.commit()
        with caplog.at_level(logging.INFO, logger="factbot.sync"):
            for _ in range(3):
                assert not await bot.index_sync.sync_once()
            broken.execute("alter table changes_away rename to changes")
            broken.commit()
            other.store.set_auto_answer(GUILD, 555, True, actor="admin:1")
            assert await bot.index_sync.sync_once()
    finally:
        broken.close()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "cannot pick up changes" in errors[0].getMessage()
    assert "picking up changes from the database again" in caplog.text
    assert 555 in bot.auto_answer_channels


@pytest.mark.sqlite_only
def test_a_file_copied_over_the_open_database_is_reported_not_read(kb, tmp_path):
    path = kb.config.database.path
    copy = backup(path, tmp_path / "copy.db").path
    copy.replace(path)  # what `cp` or `mv` over a running bot's database does
    with pytest.raises(StoreError, match="replaced while FactBot had it open"):
        kb.sync()


def test_the_console_answers_with_what_another_process_added_meanwhile(kb, other):
    class AddsWhenRead(io.StringIO):
        """The console's input: the second question comes after another process's add."""

        def readline(self, *args: object) -> str:
            line = super().readline()
            if "second" in line:
                add_meetup(other)
            return line.replace("second ", "")

    out = io.StringIO()
    run_console(kb, AddsWhenRead(f"{MEETUP}\nsecond {MEETUP}\n"), out, guild_id=GUILD)
    first, second = out.getvalue().split("\n\n")[1:3]
    assert "Friday evening" not in first and "Friday evening" in second
