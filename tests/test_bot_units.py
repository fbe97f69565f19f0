"""Small bot pieces with real discord.py objects: limiter, admin check, question detection."""

from __future__ import annotations

import discord

from bot.rate_limit import AskLimiter
from knowledge.retrieval.normalize import looks_like_question


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_rate_then_waits_per_user():
    clock = Clock()
    limiter = AskLimiter(rate=2, per=10.0, clock=clock)
    assert limiter.retry_after(1) == 0.0
    assert limiter.retry_after(1) == 0.0
    assert limiter.retry_after(1) == 10.0
    assert limiter.retry_after(2) == 0.0  # other users are unaffected
    clock.now += 10.0
    assert limiter.retry_after(1) == 0.0


def test_limiter_warns_once_per_window():
    clock = Clock()
    limiter = AskLimiter(rate=1, per=10.0, clock=clock)
    limiter.retry_after(1)
    assert limiter.retry_after(1) > 0
    assert limiter.should_warn(1) is True
    assert limiter.should_warn(1) is False
    clock.now += 11
    assert limiter.should_warn(1) is True


def test_question_detection_for_auto_answer():
    assert looks_like_question("how big is gree")
    assert looks_like_question("GREE users?")
    assert looks_like_question("Does anyone know when LinkedIn launched")
    assert not looks_like_question("good morning everyone")
    assert not looks_like_question("lol")
    assert not looks_like_question("   ")


def test_manage_guild_permission_is_recognised():
    perms = discord.Permissions(manage_guild=True)
    assert perms.manage_guild
    assert not discord.Permissions.none().manage_guild
