"""The status file, the read-only database check, and the report `python -m bot status` prints."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.health import (
    BotStatus,
    StatusFileError,
    check_health,
    format_report,
    read_status,
    report_json,
    status_path,
    write_status,
)
from knowledge.config import load_config
from knowledge.errors import StoreError
from knowledge.store.dbinfo import database_info
from knowledge.store.migrations import known_migration_names


def a_status(**changes) -> BotStatus:
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    status = BotStatus(
        connected=True,
        latency_ms=42.0,
        shard_ids=None,
        shard_count=None,
        guilds=3,
        pid=os.getpid(),
        hostname=socket.gethostname(),
        started_at=now,
        updated_at=now,
        interval_seconds=15.0,
    )
    return replace(status, **changes)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def built_config(kb, config):
    """The config of a built fact base (the kb fixture builds it)."""
    return config


def test_status_file_sits_next_to_the_database(tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text("[database]\npath = 'data/bot.db'\n", encoding="utf-8")
    assert status_path(load_config(config_file, environ={})) == tmp_path / "data/bot.status.json"


def test_a_process_running_some_shards_has_its_own_status_file(tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text("[bot]\nshard_count = 4\nshard_ids = [2, 3]\n", encoding="utf-8")
    path = status_path(load_config(config_file, environ={}))
    assert path == tmp_path / "data" / "factbot.shards-2-3.status.json"


def test_a_relative_status_file_is_relative_to_the_config_file(tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text("[health]\nstatus_file = 'run/status.json'\n", encoding="utf-8")
    assert status_path(load_config(config_file, environ={})) == tmp_path / "run" / "status.json"


def test_status_file_round_trips_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "status" / "factbot.status.json"
    status = a_status()
    write_status(path, status)
    write_status(path, replace(status, guilds=4))
    assert read_status(path) == replace(status, guilds=4)
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize("content", ["", "{", '{"connected": true}', "[]"])
def test_a_broken_status_file_is_reported_not_raised(tmp_path, content):
    path = tmp_path / "factbot.status.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StatusFileError, match=str(path)):
        read_status(path)


def test_healthy_when_connected_fresh_and_database_readable(built_config):
    write_status(status_path(built_config), a_status())
    report = check_health(built_config)
    assert report.healthy and report.connected, report.problems
    assert report.database is not None and report.database.facts > 50
    text = format_report(report)
    assert text.startswith("FactBot: healthy")
    assert "latency:    42 ms" in text and "servers:    3" in text
    assert str(built_config.database.path) in text


def test_status_shows_how_far_behind_the_index_is(built_config, kb):
    latest = kb.store.feed_position()
    synced = datetime.now(UTC).isoformat(timespec="milliseconds")
    write_status(
        status_path(built_config),
        a_status(
            index_seq=latest.seq - 3, index_generation=latest.generation, index_synced_at=synced
        ),
    )
    report = check_health(built_config)
    assert report.healthy, report.problems
    text = format_report(report)
    assert f"index:      change {latest.seq - 3} of {latest.seq} applied, 3 behind" in text
    assert report_json(report)["index"]["behind"] == 3
    kb.store.set_auto_answer(1, 2, True, actor="t")  # one more change
    assert report_json(check_health(built_config))["index"]["behind"] == 4


def test_an_index_that_stopped_syncing_is_unhealthy(built_config, kb):
    latest = kb.store.feed_position()
    long_ago = (datetime.now(UTC) - timedelta(minutes=2)).isoformat(timespec="milliseconds")
    write_status(
        status_path(built_config),
        a_status(index_seq=latest.seq, index_generation="another", index_synced_at=long_ago),
    )
    report = check_health(built_config)
    assert report.problems == [
        "index out of date: it last picked up database changes 120 s before the status "
        "was written (see the bot's log)"
    ]
    assert "loaded from another copy of the database" in format_report(report)


def test_no_status_file_means_not_running(built_config):
    report = check_health(built_config)
    assert not report.healthy
    assert report.problems == [
        f"not running: {status_path(built_config)}: no status file (the bot has not started)"
    ]


def test_a_stale_status_means_not_responding(built_config):
    old = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    write_status(status_path(built_config), a_status(updated_at=old))
    report = check_health(built_config)
    assert not report.connected
    assert report.problems[0].startswith("not responding: the status was last written 300 s ago")


def test_a_dead_process_on_this_host_means_not_running(built_config):
    pid = _dead_pid()
    write_status(status_path(built_config), a_status(pid=pid))
    assert check_health(built_config).problems == [f"not running: process {pid} has exited"]


def test_a_pid_from_another_host_is_not_judged(built_config):
    write_status(status_path(built_config), a_status(pid=_dead_pid(), hostname="another-container"))
    assert check_health(built_config).healthy


def test_disconnected_and_stopped_are_unhealthy(built_config):
    write_status(status_path(built_config), a_status(connected=False))
    assert check_health(built_config).problems == ["not connected to Discord"]
    write_status(status_path(built_config), a_status(connected=False, stopped=True))
    assert "the bot stopped" in check_health(built_config).problems[0]


def test_an_unreadable_database_is_unhealthy_even_when_connected(config):
    write_status(status_path(config), a_status())
    report = check_health(config)  # the kb fixture is not used: no database
    assert not report.healthy and report.connected
    assert report.problems[0].startswith("database unreadable:")
    assert report_json(report)["database"]["readable"] is False


def test_json_report_has_the_documented_fields(built_config):
    write_status(status_path(built_config), a_status(shard_ids=[0, 1], shard_count=4))
    report = report_json(check_health(built_config))
    assert set(report) >= {
        "healthy",
        "problems",
        "connected",
        "latency_ms",
        "shard_ids",
        "shard_count",
        "database",
    }
    assert report["shard_ids"] == [0, 1] and report["shard_count"] == 4
    assert set(report["database"]) >= {"path", "size_bytes", "facts", "schema_version"}
    json.dumps(report)


def test_database_info_never_creates_or_changes_the_file(tmp_path, kb):
    missing = tmp_path / "nothing.db"
    with pytest.raises(StoreError, match="not found"):
        database_info(missing)
    assert not missing.exists()
    path = kb.store.path
    kb.close()
    before = path.read_bytes()
    info = database_info(path)
    assert path.read_bytes() == before
    assert info.schema_steps == tuple(known_migration_names())
    assert info.schema_state == "current" and info.pending_steps == ()


def test_database_info_notices_a_newer_schema(tmp_path, kb):
    path = kb.store.path
    kb.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('factbot', '9999_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    info = database_info(path)
    assert info.schema_state == "newer" and info.unknown_steps == ("9999_future",)


def test_database_info_refuses_a_file_that_is_not_a_fact_base(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table things (x)")
    conn.close()
    with pytest.raises(StoreError, match="not a FactBot database"):
        database_info(other)


def test_bot_status_command_exits_1_when_the_bot_is_not_running(tmp_path):
    config_file = tmp_path / "config.toml"
    config_file.write_text("[database]\npath = 'factbot.db'\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--json"],
        capture_output=True,
        text=True,
        env={"FACTBOT_CONFIG": str(config_file), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert not report["healthy"] and not report["connected"]
    assert len(report["problems"]) == 2  # no status file, no database


def test_status_file_is_one_plain_json_object(tmp_path):
    path = tmp_path / "s.json"
    status = a_status()
    write_status(path, status)
    assert json.loads(path.read_text(encoding="utf-8")) == asdict(status)


def test_status_shows_the_other_processes_on_the_database_and_their_lag(built_config, kb):
    latest = kb.store.feed_position()
    mine = replace(built_config, bot=replace(built_config.bot, shard_count=2, shard_ids=(0,)))
    theirs = replace(built_config, bot=replace(built_config.bot, shard_count=2, shard_ids=(1,)))
    synced = datetime.now(UTC).isoformat(timespec="milliseconds")
    index = {"index_generation": latest.generation, "index_synced_at": synced}
    write_status(status_path(mine), a_status(shard_ids=[0], index_seq=latest.seq, **index))
    write_status(status_path(theirs), a_status(shard_ids=[1], index_seq=latest.seq - 2, **index))
    report = check_health(mine)
    assert report.healthy, report.problems
    text = format_report(report)
    assert "other processes on this database:" in text
    assert f"shards [1], process {os.getpid()} on" in text
    assert f"(running): change {latest.seq - 2} of {latest.seq} applied, 2 behind" in text
    (other,) = report_json(report)["other_processes"]
    assert other["shard_ids"] == [1] and other["behind"] == 2 and other["state"] == "running"
    assert [s.shard_ids for s in check_health(theirs).others] == [[0]]
