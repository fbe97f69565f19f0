"""`python -m bot status` against the real bot process: healthy while it runs, not after."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from knowledge.store.migrations import known_migration_names
from tests.discord_double import DiscordDouble

from .harness import BotProcess

pytestmark = pytest.mark.asyncio

FAST_HEALTH = "[health]\ninterval_seconds = 1\n"


async def bot_status(process: BotProcess, *args: str) -> tuple[int, str]:
    return await process.run("bot", "status", *args)


async def wait_until_healthy(process: BotProcess, timeout: float = 20) -> dict:
    """The first healthy --json report with a measured latency."""
    deadline = time.monotonic() + timeout
    while True:
        code, output = await bot_status(process, "--json")
        report = json.loads(output)
        if code == 0 and report["latency_ms"] is not None:
            return report
        if time.monotonic() > deadline:
            raise AssertionError(f"never healthy: {output}\n{process.log}")
        await asyncio.sleep(0.3)


async def test_status_is_healthy_while_the_bot_runs_and_not_after_it_stops(tmp_path):
    async with DiscordDouble.with_default_world(heartbeat_interval=500) as double:
        process = BotProcess(double, tmp_path, FAST_HEALTH)
        code, output = await bot_status(process)
        assert code == 1 and "not running" in output  # never started: no status file

        async with process.running(wait_for_commands=False):
            report = await wait_until_healthy(process)
            assert report["healthy"] and report["connected"] and report["problems"] == []
            assert report["latency_ms"] >= 0 and report["guilds"] == 2
            assert report["shard_ids"] is None  # one unsharded connection
            db = report["database"]
            assert db["path"] == str(process.db_path) and db["readable"]
            assert db["facts"] > 50 and db["size_bytes"] > 0
            assert db["schema_version"] == known_migration_names()[-1]
            code, text = await bot_status(process)
            assert code == 0, text
            assert "FactBot: healthy" in text and "connected:  yes" in text
            assert str(process.db_path) in text and "schema:" in text
        assert process.exit_code in (0, -15)

        code, output = await bot_status(process)
        assert code == 1, output
        assert "UNHEALTHY" in output and "stopped" in output and "connected:  no" in output
        assert "Traceback" not in process.log


async def test_status_of_a_killed_bot_says_its_process_exited(tmp_path):
    async with DiscordDouble.with_default_world(heartbeat_interval=500) as double:
        process = BotProcess(double, tmp_path, FAST_HEALTH)
        async with process.running(wait_for_commands=False):
            await wait_until_healthy(process)
            assert process.proc is not None
            process.proc.kill()  # no clean shutdown: the file still says connected
            await process.proc.wait()
        code, output = await bot_status(process)
        assert code == 1 and f"process {process.proc.pid} has exited" in output


async def test_each_shard_process_on_one_database_reports_its_own_shards(tmp_path):
    async with DiscordDouble.with_default_world(shard_count=2, heartbeat_interval=500) as double:
        shard = FAST_HEALTH + "[bot]\nshard_count = 2\nshard_ids = [{}]\n"
        first = BotProcess(double, tmp_path / "a", shard.format(0))
        second = BotProcess(double, tmp_path / "b", shard.format(1), db_path=first.db_path)
        await asyncio.gather(
            first.start(wait_for_commands=False), second.start(wait_for_commands=False)
        )
        try:
            one = await wait_until_healthy(first)
            two = await wait_until_healthy(second)
        finally:
            await first.stop()
            await second.stop()
        assert (one["shard_ids"], one["shard_count"]) == ([0], 2)
        assert (two["shard_ids"], two["shard_count"]) == ([1], 2)
        assert one["status_file"] == str(first.db_path.with_name("factbot.shards-0.status.json"))
        assert two["status_file"] == str(first.db_path.with_name("factbot.shards-1.status.json"))


async def test_token_from_a_file_connects(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        secret = tmp_path / "discord_token"
        secret.write_text(double.token + "\n", encoding="utf-8")
        env = {"DISCORD_TOKEN": "", "DISCORD_TOKEN_FILE": str(secret)}
        process = BotProcess(double, tmp_path / "bot", env=env)
        await process.start(wait_for_commands=False)  # READY: the double took the token
        await process.stop()
        assert double.identify_count == 1
        assert double.token not in process.log
