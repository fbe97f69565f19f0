"""Gateway faults: after each one the bot resumes or identifies again, and answers.

What discord.py 2.x does, and so what these tests expect:
- a dropped connection, op 7 RECONNECT and op 9 INVALID_SESSION (resumable) end in
  a RESUME, and the events sent meanwhile are replayed;
- op 9 INVALID_SESSION (not resumable) ends in a new IDENTIFY, which discord.py
  delays by 5 s (`Client.before_identify_hook`);
- heartbeats that are never acknowledged: discord.py does not count missing ACKs;
  it closes and resumes once it has received nothing at all for `heartbeat_timeout`
  seconds (60 by default; its read timeout or its heartbeat thread, whichever
  notices first). The test here shortens that option to 3 s through
  `tests.e2e.faulty_bot`; `make soak` runs the same case with the 60 s default.
"""

from __future__ import annotations

import asyncio

import pytest

from .harness import FAST, BotProcess, Users, embed_text

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.double(heartbeat_interval=1000)]


async def assert_answers(bot, double) -> None:
    """The bot is alive and answers both a mention and /ask."""
    assert bot.proc.returncode is None, bot.log
    users = Users(double, bot)
    assert "October" in embed_text(await users.member.mention("when did LinkedIn launch in Japan?"))
    assert "20 million" in embed_text(await users.admin.ask("How big is GREE?"))


async def assert_resumes_and_answers(bot, double, fault) -> None:
    """`fault()` hits the one connection; the bot resumes (no new IDENTIFY) and answers."""
    resumes, identifies = double.resume_count, double.identify_count
    assert await fault() == 1
    await double.wait_for_resume(resumes + 1, timeout=20)
    assert double.identify_count == identifies
    await assert_answers(bot, double)


async def test_dropped_connection_resumes_and_the_bot_answers(bot, double):
    await assert_resumes_and_answers(bot, double, double.drop_connections)


async def test_reconnect_request_resumes_and_the_bot_answers(bot, double):
    await assert_resumes_and_answers(bot, double, double.send_reconnect)


async def test_question_asked_during_a_reconnect_is_answered_after_resume(bot, double, users):
    asker = users.role_admin.at(double.ids.facts_channel)
    resumes = double.resume_count
    await double.send_reconnect()
    await asker.post_mention("what did Nikkei Trendy name Facebook?")
    await double.wait_for_resume(resumes + 1, timeout=20)
    reply = await asker.next_message()
    assert "hit product" in embed_text(reply)


async def test_resumable_invalid_session_resumes_and_the_bot_answers(bot, double):
    await assert_resumes_and_answers(
        bot, double, lambda: double.send_invalid_session(resumable=True)
    )


async def test_invalid_session_identifies_again_and_the_bot_answers(bot, double):
    resumes, identifies = double.resume_count, double.identify_count
    assert await double.send_invalid_session(resumable=False) == 1
    await double.wait_for_identify(identifies + 1, timeout=20)  # after discord.py's 5 s pause
    await double.wait_until_ready(timeout=10)
    assert double.resume_count == resumes
    await assert_answers(bot, double)


async def test_unacknowledged_heartbeats_make_the_bot_reconnect_and_answer(double, tmp_path):
    """A bot of its own: discord.py's heartbeat_timeout shortened to 3 s (see above)."""
    process = BotProcess(
        double,
        tmp_path,
        FAST,
        env={"FACTBOT_TEST_HEARTBEAT_TIMEOUT": "3"},
        module="tests.e2e.faulty_bot",
    )
    async with process.running():
        resumes = double.resume_count
        double.ack_heartbeats = False
        try:
            await double.wait_for_resume(resumes + 1, timeout=20)
        finally:
            double.ack_heartbeats = True
        assert "disconnected from Discord; reconnecting" in process.log
        await assert_answers(process, double)
    assert "Traceback" not in process.log, process.log


@pytest.mark.soak
async def test_unacknowledged_heartbeats_with_discord_py_defaults(double, tmp_path):
    """The same with discord.py's own 60 s heartbeat_timeout (about 70 s; `make soak`)."""
    process = BotProcess(double, tmp_path, FAST)
    async with process.running():
        resumes = double.resume_count
        double.ack_heartbeats = False
        started = asyncio.get_running_loop().time()
        try:
            await double.wait_for_resume(resumes + 1, timeout=120)
        finally:
            double.ack_heartbeats = True
        waited = asyncio.get_running_loop().time() - started
        assert 55 < waited < 75, waited
        assert "disconnected from Discord; reconnecting" in process.log
        await assert_answers(process, double)
