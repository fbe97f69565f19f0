"""REST faults: Discord answers 429, 5xx or nothing. The bot retries where discord.py
does, never crashes, logs a final failure once, and answers the next question.

What discord.py 2.x retries:
- bot requests (replies to messages): 429 after `retry_after` (per route or global);
  500, 502, 504 and 524 five times, 1, 3, 5 and 7 s apart (giving up 9 s after the
  fifth); a 503 not at all;
- interaction responses (the webhook adapter): 429 likewise, and every 5xx;
- a request that hangs: aiohttp's 300 s default is the only timeout. Meanwhile that
  channel's replies queue behind it (discord.py's per-channel bucket) and other
  channels are answered.
"""

from __future__ import annotations

import asyncio

import pytest

from .harness import assert_no_traceback, embed_text

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.bot(check_log=assert_no_traceback),  # failures are logged as ERROR
]

SEND = "POST /channels/{channel_id}/messages"
CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"


@pytest.fixture(autouse=True)
def no_faults_left(double):
    yield
    double.rest_faults.release_hangs()
    double.rest_faults.clear()


def sends_to(double, channel, since):
    return [
        r
        for r in double.requests[since:]
        if r.route == SEND and r.params.get("channel_id") == str(channel)
    ]


async def answer_in(users, channel) -> str:
    """The text of the next message the bot sends in `channel`."""
    return embed_text(await users.member.at(channel).next_message())


async def until(condition, timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


async def test_route_rate_limit_on_a_reply_is_waited_out(bot, double, users):
    ids = double.ids
    since, lines = len(double.requests), len(bot.output)
    fault = double.rest_faults.rate_limit(SEND, retry_after=0.6)
    await users.member.post_mention("how many users does GREE have?")
    assert "20 million" in await answer_in(users, ids.general_channel)
    assert len(fault.hits) == 1
    limited, sent = sends_to(double, ids.general_channel, since)
    assert (limited.status, sent.status) == (429, 200)
    assert sent.time - limited.time >= 0.55
    log = await bot.log_since(lines, "rate limited")
    assert log.count("responded with 429") == 1


async def test_global_rate_limit_holds_every_reply_then_all_arrive(bot, double, users):
    ids = double.ids
    lines = len(bot.output)
    double.rest_faults.rate_limit(SEND, retry_after=0.6, is_global=True)
    await users.member.post_mention("how many users does GREE have?")
    await users.admin.at(ids.facts_channel).post_mention("when did LinkedIn launch in Japan?")
    assert "20 million" in await answer_in(users, ids.general_channel)
    assert "October" in await answer_in(users, ids.facts_channel)
    log = await bot.log_since(lines, "Global rate limit")
    assert log.count("Global rate limit has been hit") == 1


async def test_rate_limit_on_an_interaction_response_is_waited_out(bot, double, users):
    fault = double.rest_faults.rate_limit(CALLBACK, retry_after=0.5)
    handle = await users.member.slash("ask", {"question": "How big is GREE?"})
    assert "20 million" in embed_text(await handle.reply(timeout=10))
    assert len(fault.hits) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_one_server_error_on_a_reply_is_retried(bot, double, users, status):
    ids = double.ids
    since = len(double.requests)
    double.rest_faults.server_error(SEND, status=status)
    await users.member.post_mention("when did LinkedIn launch in Japan?")
    assert "October" in await answer_in(users, ids.general_channel)
    failed, sent = sends_to(double, ids.general_channel, since)
    assert (failed.status, sent.status) == (status, 200)
    assert sent.time - failed.time >= 0.9  # discord.py waits 1 s before the first retry


async def test_503_on_a_reply_is_logged_once_and_the_next_question_is_answered(bot, double, users):
    ids = double.ids
    since, lines = len(double.requests), len(bot.output)
    double.rest_faults.server_error(SEND, status=503)
    question = await users.member.post_mention("how big is GREE?")
    log = await bot.log_since(lines, "could not answer")
    assert [r.status for r in sends_to(double, ids.general_channel, since)] == [503]
    assert log.count("could not answer") == 1
    assert f"could not answer message {question['id']} in channel {ids.general_channel}" in log
    assert "503 Service Unavailable" in log and "Traceback" not in log
    await users.admin.post_mention("how big is GREE?")
    assert "20 million" in await answer_in(users, ids.general_channel)
    assert bot.proc.returncode is None


async def test_503_on_an_interaction_response_is_retried(bot, double, users):
    fault = double.rest_faults.server_error(CALLBACK, status=503)
    handle = await users.member.slash("ask", {"question": "How big is GREE?"})
    assert "20 million" in embed_text(await handle.reply(timeout=10))
    assert len(fault.hits) == 1


async def test_interaction_discord_no_longer_knows_is_logged_once(bot, double, users):
    """Answered too late (10062 Unknown interaction): one log line, no apology attempt."""
    lines = len(bot.output)
    double.interaction_deadline = 0.0
    try:
        handle = await users.member.slash("ask", {"question": "How big is GREE?"})
        log = await bot.log_since(lines, "could not answer interaction")
    finally:
        double.interaction_deadline = 3.0
    assert [v.code for v in double.violations] == [10062]  # the one late answer
    double.violations.clear()
    assert log.count(f"could not answer interaction {handle.id}") == 1
    assert "Unknown interaction" in log and "Traceback" not in log
    assert "could not send the error reply" not in log
    again = await users.admin.slash("ask", {"question": "How big is GREE?"})
    assert "20 million" in embed_text(await again.reply(timeout=10))


async def test_hung_reply_holds_only_its_channel_and_is_logged_once(bot, double, users):
    ids = double.ids
    since, lines = len(double.requests), len(bot.output)
    general = f"POST /channels/{ids.general_channel}/messages"
    fault = double.rest_faults.hang(general)
    await users.member.post_mention("how big is GREE?")
    await until(lambda: fault.hits)
    await users.admin.post_mention("when did LinkedIn launch in Japan?")
    # Elsewhere the bot keeps answering while that request hangs.
    await users.role_admin.at(ids.facts_channel).post_mention(
        "what did Nikkei Trendy name Facebook?"
    )
    assert "hit product" in await answer_in(users, ids.facts_channel)
    handle = await users.member.slash("ask", {"question": "How big is GREE?"})
    assert "20 million" in embed_text(await handle.reply(timeout=10))
    # The second reply in that channel waits behind the hung one, unsent.
    assert [r.status for r in sends_to(double, ids.general_channel, since)] == [None]
    # The hung request ends (here with a 503): logged once; the queued question is answered.
    double.rest_faults.release_hangs()
    assert "October" in await answer_in(users, ids.general_channel)
    log = await bot.log_since(lines, "could not answer")
    assert log.count("could not answer") == 1 and "Traceback" not in log


@pytest.mark.soak
async def test_server_errors_exhausting_retries_are_logged_once(bot, double, users):
    """Five 500s in a row: discord.py gives up after about 25 s (`make soak`)."""
    ids = double.ids
    since, lines = len(double.requests), len(bot.output)
    double.rest_faults.server_error(SEND, status=500, count=5)
    await users.member.post_mention("how big is GREE?")
    log = await bot.log_since(lines, "could not answer", wait=40)
    assert [r.status for r in sends_to(double, ids.general_channel, since)] == [500] * 5
    assert log.count("could not answer") == 1 and "Traceback" not in log
    await users.admin.post_mention("how big is GREE?")
    assert "20 million" in await answer_in(users, ids.general_channel)


@pytest.mark.soak
async def test_server_errors_exhausting_interaction_retries_are_logged_once(bot, double, users):
    """Five 503s in a row on an interaction response: discord.py gives up after about
    25 s, long after Discord's 3 s; one log line and no apology attempt (`make soak`)."""
    lines = len(bot.output)
    fault = double.rest_faults.server_error(CALLBACK, status=503, count=5)
    handle = await users.member.slash("ask", {"question": "How big is GREE?"})
    log = await bot.log_since(lines, "could not answer interaction", wait=40)
    assert len(fault.hits) == 5 and not handle.acknowledged
    assert log.count(f"could not answer interaction {handle.id}") == 1
    assert "Traceback" not in log and "could not send the error reply" not in log
    again = await users.admin.slash("ask", {"question": "How big is GREE?"})
    assert "20 million" in embed_text(await again.reply(timeout=10))
