"""Secrets: the bot token never leaves the Authorization header (not in logs,
tracebacks, messages, /stats, exports, the database or the status file), and
user ids are stored only as hashes salted per installation."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from knowledge.store import FactStore, LoggedQuestion

from .harness import assert_no_token, custom_ids, embed_text

# Recognisable, and shaped like a real token (base64 id . timestamp . hmac).
TOKEN = "MTA5MDAwMDAwMDAwMDAwMDAwMQ.GcAnRy.canary-7f3a9c1e-do-not-leak-4b2d"
SECRET_PARTS = (TOKEN, "canary-7f3a9c1e-do-not-leak-4b2d")
CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
CHANNEL_MESSAGES = "POST /channels/{channel_id}/messages"

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.double(token=TOKEN),
    # Tracebacks are expected here (see below); the tests look for the token themselves.
    pytest.mark.bot(extra_config="[logging]\nlevel = 'DEBUG'\n", check_log=assert_no_token),
]


def leaks(data: bytes | str) -> list[str]:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return [part for part in SECRET_PARTS if part.encode() in data]


def files_of(bot) -> dict[str, bytes]:
    """Every file the bot keeps: the database and its WAL, the status file, the config."""
    return {p.name: p.read_bytes() for p in bot.workdir.iterdir() if p.is_file()}


async def test_questions_and_votes_store_only_salted_hashes_of_user_ids(bot, double, users):
    ids = double.ids
    for user in (users.member, users.role_admin):
        answer = await user.ask("How big is GREE?")
        (up,) = custom_ids(answer, end=":up")
        await user.press(answer, up)
    await users.member.mention("when did LinkedIn launch in Japan?")
    (salt_row,) = bot.rows("select value from meta where key = 'user_salt'")
    salt = salt_row["value"]
    hashes = {r["user_hash"] for r in bot.rows("select user_hash from question_log")}
    hashes |= {r["user_hash"] for r in bot.rows("select user_hash from feedback")}
    expected = {
        hashlib.sha256(f"{salt}:{user}".encode()).hexdigest()[:32]
        for user in (ids.member, ids.role_admin)
    }
    assert hashes == expected
    for name, data in files_of(bot).items():  # database, WAL, status file, config
        for user in (ids.member, ids.role_admin):
            assert str(user).encode() not in data, (name, user)
            assert user.to_bytes(8, "big") not in data, (name, user)  # nor as an integer


async def test_errors_stats_and_exports_never_show_the_token(bot, double, users):
    # A reply Discord fails (503), and an interaction answer Discord refuses (400,
    # twice: the apology too): logged, the second with a traceback, neither with the token.
    failed_reply = double.rest_faults.server_error(CHANNEL_MESSAGES, status=503)
    await users.member.post_mention("how big is GREE?")
    failed_answer = double.rest_faults.server_error(CALLBACK, status=400, count=2)
    await users.member.slash("ask", {"question": "How big is GREE?"})
    for _ in range(100):
        if failed_reply.remaining == failed_answer.remaining == 0:
            break
        await asyncio.sleep(0.1)
    assert failed_reply.remaining == failed_answer.remaining == 0
    # Questions that fail on purpose, and an unknown fact.
    await users.member.ask("x" * 600)
    await users.admin.command("fact show", {"fact_id": "nope"})
    # A dropped gateway connection and a resume (the RESUME carries the token).
    await double.drop_connections()
    await double.wait_for_resume(1, timeout=20)

    stats = await users.owner.command("stats", {"scope": "all"}, timeout=15)
    assert "FactBot usage" in embed_text(stats)
    exported = await users.admin.command("fact export")
    assert json.loads(exported.files[0][1])["facts"]

    assert len(double.sent_messages) > 5
    for message in double.sent_messages:
        assert leaks(json.dumps([message.payload, message.message])) == [], message.kind
        assert [leaks(f[1]) for f in message.files] == [[] for _ in message.files]
    for request in double.requests:  # only ever in the Authorization header
        assert leaks(json.dumps(request.json)) == [], request.route
        assert [leaks(f[1]) for f in request.files] == [[] for _ in request.files]
        assert request.headers.get("Authorization") in (None, f"Bot {TOKEN}")


async def test_after_shutdown_the_token_is_in_no_log_or_file(bot, double):
    await bot.stop()
    assert "Traceback" in bot.log, bot.log  # exceptions were written out
    assert [line for line in bot.output if leaks(line)] == []
    found = files_of(bot)
    assert "factbot.db" in found and "factbot.status.json" in found, sorted(found)
    for name, data in found.items():
        assert leaks(data) == [], name


async def test_two_installations_hash_the_same_user_differently(tmp_path):
    hashes = []
    for name in ("one", "two"):
        store = FactStore.open(tmp_path / name / "factbot.db")
        try:
            question_id = store.log_question(
                LoggedQuestion("q", "unknown", 0.0, (), (), 1.0, guild_id=1, user_id=42)
            )
            store.record_vote(question_id, 42, 1, guild_id=1)
            row = store.read(
                "select q.user_hash, f.user_hash as vote_hash from question_log q "
                "join feedback f on f.question_id = q.id"
            )[0]
            assert row["user_hash"] == row["vote_hash"] == store.hash_user(42)
            hashes.append(row["user_hash"])
        finally:
            store.close()
    assert hashes[0] != hashes[1]
