"""Running FactBot: deliberate command sync, sharding across processes, failures."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.discord_double import DiscordDouble

from .harness import BotProcess, Users, custom_ids, embed_text

pytestmark = pytest.mark.asyncio


async def test_sync_command_registers_commands_with_one_server_and_exits(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path)
        code, output = await process.run("bot", "sync", "--guild", str(double.ids.guild))
        assert code == 0, output
        assert f"to server {double.ids.guild}" in output
        puts = [r for r in double.requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert len(puts) == 1 and f"/guilds/{double.ids.guild}/" in puts[0].path
        names = {c["name"] for c in puts[0].json}
        assert {"ask", "stats", "help", "factbot", "Ask FactBot"} <= names
        for command in puts[0].json:
            if command.get("type", 1) == 1:
                assert command["description"], command
        assert double.identify_count == 0  # sync never connects to the gateway


async def test_no_global_sync_on_a_normal_start(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path)
        async with process.running(wait_for_commands=False):
            await Users(double, process).member.mention("how big is GREE?")
        assert not [
            r for r in double.requests if r.method == "PUT" and r.path.endswith("/commands")
        ]


async def test_two_processes_each_run_their_own_shard_on_one_database(tmp_path):
    async with DiscordDouble.with_default_world(shard_count=2) as double:
        ids = double.ids
        shard = "[bot]\nshard_count = 2\nshard_ids = [{}]\n"
        first = BotProcess(double, tmp_path / "a", shard.format(0))
        second = BotProcess(double, tmp_path / "b", shard.format(1), db_path=first.db_path)
        await asyncio.gather(
            first.start(wait_for_commands=False), second.start(wait_for_commands=False)
        )
        try:
            assert double.shard_of(ids.guild) != double.shard_of(ids.guild2)
            here = Users(double, first).member
            there = here.at(ids.guild2_channel, ids.guild2)
            await here.post_mention("how big is GREE?")
            await there.post_mention("when did LinkedIn launch in Japan?")
            one, two = await here.next_message(15), await there.next_message(15)
            assert "20 million" in embed_text(one) and "October" in embed_text(two)
        finally:
            await first.stop()
            await second.stop()
        logged = {row["guild_id"] for row in first.rows("select guild_id from question_log")}
        assert logged == {ids.guild, ids.guild2}


async def test_store_failure_gets_an_apology_and_the_next_user_is_answered(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path, "[bot]\nsync_commands_on_start = true\n")
        async with process.running():
            users = Users(double, process)
            answer = await users.member.ask("How big is GREE?")
            (up,) = custom_ids(answer, end=":up")
            conn = sqlite3.connect(process.db_path)
            conn.execute("alter table feedback rename to feedback_gone")
            conn.commit()
            conn.close()
            failed = await users.member.press(answer, up)
            assert failed.ephemeral and "unavailable" in failed.content
            nxt = await users.admin.ask("When did LinkedIn launch in Japan?")
            assert "October" in embed_text(nxt)
        assert "feedback" in process.log and "Traceback" in process.log  # logged with its traceback
        assert double.token not in process.log


async def test_rejected_token_exits_with_a_clear_message(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path, env={"DISCORD_TOKEN": "not-the-right-token"})
        code, output = await process.run("bot")
        assert code == 1
        assert "Discord rejected DISCORD_TOKEN" in output
        assert "not-the-right-token" not in output
