"""The bot's log as an operator sees it: JSON lines, connection state, answers
without user ids, never the token."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.discord_double import DiscordDouble

from .harness import BotProcess, Users

pytestmark = pytest.mark.asyncio


async def test_json_logs_record_connection_and_answers_without_user_ids(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        ids = double.ids
        process = BotProcess(double, tmp_path, env={"FACTBOT_LOGGING__JSON": "true"})
        async with process.running(wait_for_commands=False):
            await Users(double, process).member.mention("how big is GREE?")
            for _ in range(100):  # READY came first; on_ready waits for the servers
                if "connected as" in process.log:
                    break
                await asyncio.sleep(0.1)
        entries = [json.loads(line) for line in process.output]  # every line is one JSON object
        assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
        messages = [e["message"] for e in entries]
        assert any(m.startswith("connected as FactBot") for m in messages)
        (answered,) = [m for m in messages if m.startswith("answered ")]
        assert "status=answer via=mention" in answered and f"guild={ids.guild}" in answered
        assert "facts=gree-" in answered and "latency_ms=" in answered
        assert "disconnected from Discord (shutting down)" in messages
        assert [e for e in entries if e["level"] == "ERROR"] == []  # a mention is no failed command
        assert str(ids.member) not in process.log
        assert double.token not in process.log
