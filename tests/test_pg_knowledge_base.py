"""KnowledgeBase, the terminal commands and the bot's start on a real
PostgreSQL server (database.url): answering, curating, a second process
catching up, the status report, and clear errors for a database.url that
cannot be used."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.health import check_health, format_report
from knowledge.cli.main import main
from knowledge.config import Config
from knowledge.curation.curator import Curator
from knowledge.errors import SchemaTooNewError, StoreError
from knowledge.models import Status
from knowledge.service import KnowledgeBase
from knowledge.store.postgres import SCHEMA_VERSION, SETTING

from .test_live_sync import GUILD, MEETUP, answered_ids, meetup

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg_config(config: Config, pg_database) -> Config:
    """The test config with database.url naming a new database with the empty schema."""
    return replace(config, database=replace(config.database, url=pg_database("empty")))


def test_on_postgres_it_builds_answers_takes_a_fact_and_a_second_process_syncs(pg_config):
    kb = KnowledgeBase.open(pg_config, create=True)  # the bot's first start builds it
    other = KnowledgeBase.open(pg_config)
    try:
        assert not pg_config.database.path.exists()  # nothing went to the SQLite file
        asked = kb.ask("How big is GREE?", guild_id=GUILD, user_id=7, via="mention")
        assert asked.answer.status is Status.ANSWER and asked.question_id
        assert kb.vote(asked.question_id, 7, True, guild_id=GUILD).up == 1

        fact = Curator(kb).add(meetup(), guild_id=GUILD, actor="admin:1")
        assert answered_ids(kb)[0] == fact.id  # the writer's index at once
        assert fact.id not in answered_ids(other)
        report = other.sync()
        assert report.facts == 1 and not report.reloaded
        assert answered_ids(other)[0] == fact.id
        assert other.sync().facts == 0  # nothing new: one cheap check, nothing applied
        assert [e["action"] for e in other.store.audit_entries(fact.id)] == ["create"]
    finally:
        other.close()
        kb.close()


def test_the_terminal_commands_run_on_postgres(pg_config, tmp_path, capsys):
    cfg = tmp_path / "pg.toml"
    cfg.write_text(f"[database]\nurl = '{pg_config.database.url}'\n", encoding="utf-8")
    base = ["--config", str(cfg)]
    assert main([*base, "build"]) == 0
    assert "Built postgresql://" in capsys.readouterr().out
    fact = ["fact", "add", "--guild", str(GUILD), "--text", meetup().text]
    assert main([*base, *fact, "--question", MEETUP, "--citation", "Club rules"]) == 0
    fact_id = capsys.readouterr().out.split()[1]
    assert main([*base, "ask", "--guild", str(GUILD), "--json", MEETUP]) == 0
    assert fact_id in capsys.readouterr().out
    assert main([*base, "fact", "remove", fact_id]) == 0
    assert main([*base, "fact", "show", fact_id]) == 0
    assert "Removed " in capsys.readouterr().out


def test_the_status_report_reads_the_postgres_database(pg_config):
    kb = KnowledgeBase.open(pg_config, create=True)
    kb.close()
    report = check_health(pg_config)
    assert report.database is not None
    assert report.database.facts >= 50 and report.database.latest_change
    assert report.database.schema_version == str(SCHEMA_VERSION)
    text = format_report(report)
    assert "database:   postgresql://factbot@" in text
    assert not any("database" in problem for problem in report.problems)


def test_a_wrong_url_or_an_unreachable_server_is_named_with_the_setting(config, tmp_path):
    unreachable = f"postgresql://factbot@/factbot?host={tmp_path}"  # no server there
    for url in (unreachable, "postgresql://factbot@/factbot?host=/x&port=notaport"):
        with pytest.raises(StoreError) as caught:
            KnowledgeBase.open(replace(config, database=replace(config.database, url=url)))
        assert SETTING in str(caught.value)


def test_a_database_from_a_newer_factbot_is_refused(pg_config):
    kb = KnowledgeBase.open(pg_config, create=True)
    with kb.store.write() as tx:
        tx.insert("factbot_schema", {"version": SCHEMA_VERSION + 1, "applied_at": "later"})
    kb.close()
    with pytest.raises(SchemaTooNewError, match="newer FactBot"):
        KnowledgeBase.open(pg_config)


def test_the_bot_exits_cleanly_naming_the_setting_when_the_server_is_unreachable(tmp_path):
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "FACTBOT_CONFIG": str(tmp_path / "config.toml"),
        "FACTBOT_DATABASE__URL": f"postgresql://factbot:secret@/factbot?host={tmp_path}",
        "FACTBOT_DATABASE__PATH": str(tmp_path / "factbot.db"),
        "DISCORD_TOKEN": "",
    }
    env.pop("DISCORD_TOKEN_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "error: database.url (or FACTBOT_DATABASE__URL)" in done.stderr
    assert "cannot connect" in done.stderr and "Traceback" not in done.stderr
    assert "secret" not in done.stderr


def test_while_the_server_is_down_answers_still_come_writes_fail_whole_then_it_recovers(
    pg_config, pg_server, caplog
):
    kb = KnowledgeBase.open(pg_config, create=True)
    try:
        curator = Curator(kb)
        pg_server.stop()
        try:
            asked = kb.ask("How big is GREE?", guild_id=GUILD)  # from memory, not logged
            assert asked.answer.status is Status.ANSWER and asked.question_id is None
            with pytest.raises(StoreError, match="failed"):
                curator.add(meetup(), guild_id=GUILD, actor="admin:1")
            with pytest.raises(StoreError, match="read failed"):
                kb.sync()
        finally:
            pg_server.start()
        assert meetup().text not in {f.text for f in kb.store.live_facts()}
        assert kb.sync().facts == 0  # reconnected by itself; the failed add left nothing
        assert kb.ask("How big is GREE?", guild_id=GUILD).question_id
        fact = curator.add(meetup(), guild_id=GUILD, actor="admin:1")
        assert answered_ids(kb)[0] == fact.id
    finally:
        kb.close()
