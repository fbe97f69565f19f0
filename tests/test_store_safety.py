"""The store keeps data safe: damaged files are refused on open, a full disk
fails a write whole, and concurrent writers (threads and other processes)
queue instead of failing with "database is locked"."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from knowledge.curation.build import build
from knowledge.errors import StoreError
from knowledge.models import Fact
from knowledge.store import FactStore, LoggedQuestion, dbfile
from tests.factories import admin_fact

PAGE = 4096


def one_claim(fact_id: str, text: str = "", questions: int = 2) -> Fact:
    return admin_fact(
        fact_id,
        text or f"Fact {fact_id} is one claim.",
        questions=(f"question {i} about {fact_id}?" for i in range(questions)),
        keywords=(fact_id,),
        guild_id=1,
        citation_note="https://example.org note",
    )


def question(text: str) -> LoggedQuestion:
    return LoggedQuestion(text, "unknown", 0.0, (), (), 1.0, guild_id=1, user_id=7, via="slash")


@pytest.fixture
def built(db_path: Path) -> Path:
    store = FactStore.open(db_path)
    build(store)
    store.close()
    return db_path


# -- damaged files ---------------------------------------------------------


def test_a_damaged_page_is_refused_on_open_not_at_the_first_read(built):
    data = bytearray(built.read_bytes())
    page = 50  # a table page the opening queries never read
    data[(page - 1) * PAGE : page * PAGE] = os.urandom(PAGE)
    built.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged") as caught:
        FactStore.open(built)
    assert str(built) in str(caught.value) and "restore" in str(caught.value)
    assert built.read_bytes() == bytes(data)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_database_is_refused_untouched(built, keep):
    data = built.read_bytes()[: int(built.stat().st_size * keep)]
    built.write_bytes(data)
    with pytest.raises(StoreError, match=str(built)):
        FactStore.open(built)
    assert built.read_bytes() == data


def test_quick_check_on_open_is_cheap_for_the_article_database(built):
    started = time.perf_counter()
    dbfile.verify(built)
    assert time.perf_counter() - started < 0.5


# -- a full disk -----------------------------------------------------------


def test_a_write_on_a_full_disk_fails_whole_names_the_file_and_the_store_recovers(built):
    store = FactStore.open(built)
    try:
        pages = store.db.execute("pragma page_count").fetchone()[0]
        # The database may not grow: SQLite answers SQLITE_FULL, as on a full disk.
        store.db.execute(f"pragma max_page_count = {pages}")
        n = 0
        with pytest.raises(StoreError, match="disk is full") as caught:
            for n in range(500):
                store.add_fact(one_claim(f"filler-{n}", "x" * 900, questions=10), actor="t")
        assert str(built) in str(caught.value)
        for table, column in (
            ("facts", "id"),
            ("fact_questions", "fact_id"),
            ("audit_log", "fact_id"),
        ):
            assert not store.read(f"select 1 from {table} where {column} = ?", [f"filler-{n}"])
        for done in range(n):  # the writes before it are whole
            assert len(store.get_fact(f"filler-{done}").questions) == 10
            assert len(store.audit_entries(f"filler-{done}")) == 1
        store.db.execute("pragma max_page_count = 1073741823")
        store.add_fact(one_claim("after-space-freed"), actor="t")
        assert store.get_fact("after-space-freed")
        assert store.read("pragma integrity_check")[0]["integrity_check"] == "ok"
    finally:
        store.close()


def test_open_refuses_a_nearly_full_disk_untouched(built, monkeypatch):
    before = built.read_bytes()
    monkeypatch.setattr(dbfile, "free_bytes", lambda folder: 4096)
    with pytest.raises(StoreError, match="disk is full") as caught:
        FactStore.open(built)
    assert str(built) in str(caught.value)
    assert built.read_bytes() == before


def test_commits_are_fsynced(store):
    assert store.db.execute("pragma synchronous").fetchone()[0] == 2  # FULL


# -- concurrent writers ----------------------------------------------------


def write_from_another_process(path: str, name: str, count: int) -> int:
    """A second process with its own FactStore: facts, questions, and write
    transactions held open for a while, so the others must queue behind it."""
    store = FactStore.open(path)
    try:
        for n in range(count):
            store.add_fact(one_claim(f"{name}-{n}"), actor=name)
            with store.write() as tx:
                tx.insert("question_log", {"asked_at": "now", "question": f"{name} {n}"})
                time.sleep(0.005)
    finally:
        store.close()
    return count


def test_threads_and_other_processes_writing_at_once_lose_nothing(built):
    context = multiprocessing.get_context("spawn")
    store = FactStore.open(built)
    try:
        with context.Pool(2) as pool:
            others = [
                pool.apply_async(write_from_another_process, (str(built), f"proc{p}", 25))
                for p in range(2)
            ]

            def thread_writes(t: int) -> None:
                for n in range(25):
                    store.add_fact(one_claim(f"thread{t}-{n}"), actor=f"thread{t}")
                    store.log_question(question(f"thread{t} {n}"))

            with ThreadPoolExecutor(8) as threads:
                for future in [threads.submit(thread_writes, t) for t in range(8)]:
                    future.result()
            assert [o.get(timeout=60) for o in others] == [25, 25]
        facts = store.read("select count(*) n from facts where origin = 'admin'")[0]["n"]
        audit = store.read(
            "select count(*) n from audit_log where actor like 'thread%' or actor like 'proc%'"
        )
        questions = store.read("select count(*) n from question_log")[0]["n"]
        assert facts == 8 * 25 + 2 * 25
        assert audit[0]["n"] == facts
        assert questions == 8 * 25 + 2 * 25
        assert store.read("pragma integrity_check")[0]["integrity_check"] == "ok"
    finally:
        store.close()


HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("insert into meta values ('held-by-other-process', 'yes')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_writer_waits_for_another_process_holding_the_write_lock(built):
    store = FactStore.open(built, busy_timeout_ms=10_000)
    try:
        other = hold_write_lock(built, 1.0)
        started = time.monotonic()
        results = []
        threads = [
            threading.Thread(
                target=lambda n=n: results.append(store.log_question(question(f"q{n}")))
            )
            for n in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert other.wait(10) == 0
        assert time.monotonic() - started > 0.5  # they waited their turn...
        assert len(results) == 5  # ...and every write landed
        assert store.read("select value from meta where key = 'held-by-other-process'")
    finally:
        store.close()


def test_a_lock_held_past_the_busy_timeout_fails_whole_naming_the_file(built):
    store = FactStore.open(built, busy_timeout_ms=200)
    try:
        other = hold_write_lock(built, 1.5)
        with pytest.raises(StoreError, match="locked") as caught:
            store.add_fact(one_claim("waited-too-long"), actor="t")
        assert str(built) in str(caught.value)
        assert other.wait(10) == 0
        assert not store.read("select id from facts where id = 'waited-too-long'")
        store.add_fact(one_claim("waited-too-long"), actor="t")  # fine once it is free
    finally:
        store.close()


def test_checking_a_file_never_changes_it_even_with_a_crash_left_wal(built):
    crash = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute(\"insert into meta values ('x', 'y')\")\n"
        "conn.commit()\n"
        "os._exit(0)  # no close: the -wal stays, not checkpointed\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(built)], check=True)
    wal = built.with_name(built.name + "-wal")
    before = built.read_bytes(), wal.read_bytes()
    dbfile.verify(built, full=True, require_factbot=True)
    assert (built.read_bytes(), wal.read_bytes()) == before
    store = FactStore.open(built)  # and the crash's commit is there
    try:
        assert store.read("select value from meta where key = 'x'") == [{"value": "y"}]
    finally:
        store.close()
