"""The fact base on a real PostgreSQL server: opening it, its schema version,
clear errors, and the change feed's order across concurrent writers."""

from __future__ import annotations

import threading

import psycopg
import pytest

from knowledge.errors import SchemaTooNewError, StoreError
from knowledge.store.postgres import SCHEMA_VERSION, SETTING, PostgresStore, redacted


def test_open_creates_the_schema_and_a_generation(pg_url):
    store = PostgresStore.open(pg_url)
    try:
        assert store.schema_version == SCHEMA_VERSION
        tables = {r["tablename"] for r in store.read("select tablename from pg_tables")}
        assert {"facts", "audit_log", "changes", "question_log", "factbot_schema"} <= tables
        assert store.feed_position().generation
        assert store.feed_position().seq == 0
    finally:
        store.close()
    again = PostgresStore.open(pg_url)  # a second open upgrades nothing
    try:
        assert again.read("select count(*) n from factbot_schema")[0]["n"] == SCHEMA_VERSION
    finally:
        again.close()


def test_a_newer_schema_is_refused_and_left_alone(pg_url):
    store = PostgresStore.open(pg_url)
    with store.write() as cur:
        cur.execute("insert into factbot_schema values (%s, 'later')", [SCHEMA_VERSION + 1])
    store.close()
    with pytest.raises(SchemaTooNewError, match="newer FactBot") as caught:
        PostgresStore.open(pg_url)
    assert SETTING in str(caught.value)
    with psycopg.connect(pg_url) as conn:  # left as it was
        versions = [r[0] for r in conn.execute("select version from factbot_schema order by 1")]
    assert versions == [*range(1, SCHEMA_VERSION + 1), SCHEMA_VERSION + 1]


def test_unreachable_server_names_the_setting(pg_server, tmp_path):
    url = f"postgresql://factbot@/postgres?host={tmp_path}"  # no server listens there
    with pytest.raises(StoreError, match="cannot connect") as caught:
        PostgresStore.open(url, connect_timeout_s=2)
    assert SETTING in str(caught.value)
    assert caught.value.__cause__ is None  # no psycopg traceback chained


def test_missing_database_and_wrong_user_are_clear(pg_server):
    with pytest.raises(StoreError, match="does not exist"):
        PostgresStore.open(pg_server.url("no_such_db"))
    wrong_user = pg_server.url().replace("factbot@", "nobody:secret@")
    with pytest.raises(StoreError) as caught:
        PostgresStore.open(wrong_user)
    assert "secret" not in str(caught.value)  # the password is never shown
    assert "nobody" in str(caught.value)


def test_not_a_postgres_url():
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        PostgresStore.open("mysql://x@y/z")


def test_redacted_hides_the_password():
    assert redacted("postgresql://u:pw@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert redacted("postgresql://u@h/d") == "postgresql://u@h/d"


def test_a_failed_write_is_rolled_back(pg_url):
    store = PostgresStore.open(pg_url)
    try:
        with pytest.raises(StoreError, match="write failed"), store.write() as cur:
            PostgresStore.record_change(cur, "fact", "f1")
            cur.execute("insert into nowhere values (1)")
        assert store.change_marker() == 0
        with store.write() as cur:
            PostgresStore.record_change(cur, "fact", "f2")
        assert [c.key for c in store.changes_between(0, store.change_marker())] == ["f2"]
    finally:
        store.close()


def test_concurrent_writers_commit_change_ids_in_order(pg_url):
    """A reader that polls `seq > cursor` while several processes write must
    never see seq N+1 committed before N (PostgreSQL sequences alone allow it);
    the advisory lock every write takes makes commits follow seq order."""
    writers = [PostgresStore.open(pg_url) for _ in range(3)]
    reader = PostgresStore.open(pg_url)
    stop = threading.Event()
    skipped: list[int] = []

    def write(store: PostgresStore, name: str) -> None:
        for i in range(40):
            with store.write() as cur:
                PostgresStore.record_change(cur, "fact", f"{name}-{i}")
                cur.execute("select pg_sleep(0.001)")  # widen the gap before commit

    def read() -> None:
        cursor = 0
        seen: set[int] = set()
        while not stop.is_set():
            for change in reader.changes_between(cursor, 10**12):
                seen.add(change.seq)
                cursor = change.seq
        # every seq below the cursor that was ever committed must have been seen
        final = {c.seq for c in reader.changes_between(0, 10**12)}
        skipped.extend(sorted(final - seen - {s for s in final if s > cursor}))

    threads = [threading.Thread(target=write, args=(w, str(n))) for n, w in enumerate(writers)]
    poller = threading.Thread(target=read)
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    poller.join()
    try:
        assert reader.change_marker() == 120
        assert skipped == []
    finally:
        for store in (*writers, reader):
            store.close()


def test_a_restarted_server_fails_reads_and_writes_cleanly_then_recovers(pg_server, pg_url):
    store = PostgresStore.open(pg_url, connect_timeout_s=2)
    try:
        with store.write() as cur:
            PostgresStore.record_change(cur, "fact", "before")
        pg_server.stop()
        try:
            with pytest.raises(StoreError, match="write failed"), store.write() as cur:
                PostgresStore.record_change(cur, "fact", "during")
            with pytest.raises(StoreError, match="read failed"):
                store.change_marker()
        finally:
            pg_server.start()
        with store.write() as cur:  # reconnects by itself
            PostgresStore.record_change(cur, "fact", "after")
        keys = [c.key for c in store.changes_between(0, store.change_marker())]
        assert keys == ["before", "after"]  # the failed write left nothing behind
    finally:
        store.close()


def test_feed_latency_benchmark_runs(pg_server, capsys):
    """benchmarks/feed_latency.py still runs (a tiny version), both backends."""
    from benchmarks.feed_latency import main

    assert main(["--changes", "5", "--poll-ms", "5"]) == 0
    out = capsys.readouterr().out
    assert "\n| SQLite | " in out and "\n| PostgreSQL | " in out


def test_missing_server_binaries_skip_or_fail_as_ci_requires(monkeypatch):
    from tests import pg_server

    monkeypatch.setattr(pg_server, "bin_dir", lambda: None)
    monkeypatch.delenv(pg_server.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        pg_server.start_server()
    monkeypatch.setenv(pg_server.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="FACTBOT_REQUIRE_POSTGRES=1"):
        pg_server.start_server()
