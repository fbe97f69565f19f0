"""Bad, old, new and full database files, with the real `python -m bot` (against
the Discord double) and `python -m knowledge ask`.

A file FactBot cannot use stops both with a message naming it and saying what
is wrong, exit status 1, the file byte for byte as it was, and the bot never
connecting to Discord (no IDENTIFY reaches the double): it does not start
half-working. An old file is upgraded on start; a disk that fills up while the
bot runs fails writes whole, and the bot carries on once there is room.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from knowledge.curation.build import build
from knowledge.store import FactStore
from tests.discord_double import DiscordDouble

from .harness import FAST, REPO, BotProcess, Users, embed_text, read_rows

pytestmark = pytest.mark.asyncio

FIXTURE_0001 = REPO / "tests" / "data" / "factbot-schema-0001.db"
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


# -- helpers ---------------------------------------------------------------


def without_root_file_powers() -> None:
    """In the child, before exec: drop what lets root ignore file permissions,
    so a read-only file is read-only to it as to any other user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_apply() -> Callable[[], None] | None:
    """A preexec_fn under which chmod read-only really is read-only; skips the
    test when that cannot be arranged (root without CAP_SETPCAP)."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run(
        [sys.executable, "-c", "open('/proc/self/status').read()"],
        preexec_fn=without_root_file_powers,
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE for the child")
    return without_root_file_powers


@contextlib.contextmanager
def tiny_filesystem(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (skips the test when not allowed)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill_disk(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 512)
    finally:
        os.close(fd)
    return filler


def snapshot(db: Path) -> dict[str, bytes]:
    """The database file and its -wal, byte for byte (a folder: its listing). An
    empty -wal, which a read-only look may leave, holds nothing and is skipped."""
    if db.is_dir():
        return {"listing": "\n".join(sorted(os.listdir(db))).encode()}
    found = {}
    for path in (db, db.with_name(db.name + "-wal")):
        if path.is_file() and (path == db or path.stat().st_size):
            found[path.name] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    """A built fact base, closed cleanly (one file, WAL mode)."""
    path = tmp_path_factory.mktemp("good") / "factbot.db"
    store = FactStore.open(path)
    build(store)
    store.close()
    return path


# -- the faults --------------------------------------------------------------


def corrupt(db: Path, good: Path) -> None:
    db.write_bytes(os.urandom(64 * 1024))


def damaged_page(db: Path, good: Path) -> None:
    data = bytearray(good.read_bytes())
    data[49 * 4096 : 50 * 4096] = os.urandom(4096)  # page 50: not read while opening
    db.write_bytes(bytes(data))


def truncated(db: Path, good: Path) -> None:
    db.write_bytes(good.read_bytes()[: good.stat().st_size // 2])


def not_factbot(db: Path, good: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("create table recipes (name text)")
    conn.commit()
    conn.close()


def newer_schema(db: Path, good: Path) -> None:
    shutil.copy(good, db)
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('factbot', '9999_from_the_future', 'later')"
    )
    conn.commit()
    conn.close()


def read_only_file(db: Path, good: Path) -> None:
    shutil.copy(good, db)
    db.chmod(0o444)


def read_only_folder(db: Path, good: Path) -> None:
    shutil.copy(good, db)
    db.parent.chmod(0o555)  # SQLite cannot create factbot.db-wal and -shm


def a_folder(db: Path, good: Path) -> None:
    db.mkdir()


FAULTS = {
    "corrupt": (corrupt, "not an SQLite database"),
    "damaged page": (damaged_page, "damaged"),
    "truncated": (truncated, "damaged"),
    "not a FactBot database": (not_factbot, "not a FactBot database"),
    "newer schema": (newer_schema, "written by a newer FactBot"),
    "read-only file": (read_only_file, "the file is read-only"),
    "read-only folder": (read_only_folder, "is not writable"),
    "a folder": (a_folder, "is a folder"),
}


def assert_refused(code: int, output: str, db: Path, phrase: str) -> None:
    assert code == 1, output
    assert f"error: {db}" in output and phrase in output, output
    assert "Traceback" not in output, output


async def check_refused(tmp_path: Path, db: Path, phrase: str, preexec_fn=None) -> None:
    """`python -m bot` and `python -m knowledge ask` both refuse `db` untouched."""
    before = snapshot(db)
    async with DiscordDouble.with_default_world() as double:
        bot = BotProcess(double, tmp_path / "work", FAST, db_path=db)
        (bot_code, bot_out), (ask_code, ask_out) = await asyncio.gather(
            bot.run("bot", preexec_fn=preexec_fn),
            bot.run("knowledge", "ask", "How big is GREE?", preexec_fn=preexec_fn),
        )
        assert_refused(bot_code, bot_out, db, phrase)
        assert_refused(ask_code, ask_out, db, phrase)
        assert double.identify_count == 0  # never connected: not half-working
        assert double.requests == [], double.requests
    assert snapshot(db) == before


# -- tests -----------------------------------------------------------------


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_bad_database_file_stops_bot_and_cli_with_a_clear_message(fault, tmp_path, good_db):
    make, phrase = FAULTS[fault]
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "factbot.db"
    preexec_fn = permissions_apply() if fault.startswith("read-only") else None
    make(db, good_db)
    try:
        await check_refused(tmp_path, db, phrase, preexec_fn)
    finally:
        folder.chmod(0o755)
        if db.is_file():
            db.chmod(0o644)


async def test_folder_that_cannot_be_created_stops_the_bot(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be\n")
    db = blocker / "data" / "factbot.db"
    async with DiscordDouble.with_default_world() as double:
        bot = BotProcess(double, tmp_path / "work", FAST, db_path=db)
        code, output = await bot.run("bot")
        assert_refused(code, output, db, "cannot create its folder")
        assert double.identify_count == 0
    assert blocker.read_text() == "a file where the data folder should be\n"


async def test_missing_database_is_named_by_the_cli(tmp_path):
    db = tmp_path / "nowhere" / "factbot.db"
    async with DiscordDouble.with_default_world() as double:
        bot = BotProcess(double, tmp_path / "work", FAST, db_path=db)
        code, output = await bot.run("knowledge", "ask", "How big is GREE?")
    assert_refused(code, output, db, "fact base not found; build it")
    assert not db.parent.exists()


async def test_full_disk_stops_the_bot_before_it_connects(tmp_path, good_db):
    with tiny_filesystem(tmp_path / "tiny", "2m") as tiny:
        db = tiny / "factbot.db"
        shutil.copy(good_db, db)
        fill_disk(tiny)
        await check_refused(tmp_path, db, "disk is full")


async def test_disk_filling_up_while_running_fails_writes_whole_then_recovers(tmp_path, good_db):
    with tiny_filesystem(tmp_path / "tiny", "4m") as tiny:
        db = tiny / "factbot.db"
        shutil.copy(good_db, db)
        async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
            bot = BotProcess(double, tmp_path / "work", FAST, db_path=db)
            async with bot.running():
                users = Users(double, bot)

                async def add(text: str) -> str:
                    reply = await users.admin.add_fact(
                        fact=text, source="https://example.org/disk note"
                    )
                    return reply.content

                filler = fill_disk(tiny)
                refused = await add("The Fact Club archive is kept on a full disk.")
                assert not refused.startswith("Added") and "unavailable" in refused
                filler.unlink()
                added = await add("The Fact Club archive moved to a roomier disk.")
                assert added.startswith("Added `")
                reply = await users.member.ask("Where is the Fact Club archive kept?")
                assert "roomier disk" in embed_text(reply)
            assert f"{db}: write failed: the disk is full" in bot.log, bot.log
        assert bot.rows("pragma integrity_check") == [{"integrity_check": "ok"}]
        texts = [r["text"] for r in bot.rows("select text from facts where origin = 'admin'")]
        assert texts == ["The Fact Club archive moved to a roomier disk."]
        assert bot.count("select count(*) from audit_log where actor like 'discord:%'") == 1


async def test_bot_upgrades_a_first_schema_database_on_start_and_answers(tmp_path):
    db = tmp_path / "factbot.db"
    shutil.copy(FIXTURE_0001, db)
    async with DiscordDouble.with_default_world(heartbeat_interval=2000) as double:
        bot = BotProcess(double, tmp_path / "work", FAST, db_path=db)
        async with bot.running():
            member = Users(double, bot).member
            for question, expected in (
                ("How many users does GREE have?", "20 million"),
                ("When is the Fact Club quiz night?", "Thursdays at 7 pm"),
            ):
                assert expected in embed_text(await member.ask(question))
        assert bot.exit_code in (0, -15)
    steps = [r["name"] for r in read_rows(db, "select name from _sqlite_migrations order by id")]
    assert steps[0] == "0001_initial" and len(steps) > 1
