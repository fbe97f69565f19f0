"""Running FactBot: deliberate command sync, sharding across processes, failures."""

from __future__ import annotations

import asyncio
import sqlite3
import sys

import pytest

from tests.discord_double import DiscordDouble

from .harness import REPO, BotProcess, embed_text

pytestmark = pytest.mark.asyncio


async def test_sync_command_registers_commands_with_one_server_and_exits(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "sync",
            "--guild",
            str(double.ids.guild),
            cwd=str(REPO),
            env=process.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await asyncio.wait_for(proc.communicate(), 60))[0].decode()
        assert proc.returncode == 0, output
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
        await process.start(wait_for_commands=False)
        ids = double.ids
        await double.send_message(
            ids.guild,
            ids.general_channel,
            ids.member,
            f"<@{ids.bot}> how big is GREE?",
            mentions=[ids.bot],
        )
        await double.wait_for_message(channel_id=ids.general_channel, timeout=10)
        await process.stop()
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
            await double.send_message(
                ids.guild,
                ids.general_channel,
                ids.member,
                f"<@{ids.bot}> how big is GREE?",
                mentions=[ids.bot],
            )
            await double.send_message(
                ids.guild2,
                ids.guild2_channel,
                ids.member,
                f"<@{ids.bot}> when did LinkedIn launch in Japan?",
                mentions=[ids.bot],
            )
            one = await double.wait_for_message(channel_id=ids.general_channel, timeout=15)
            two = await double.wait_for_message(channel_id=ids.guild2_channel, timeout=15)
            assert "20 million" in embed_text(one) and "October" in embed_text(two)
        finally:
            await first.stop()
            await second.stop()
        conn = sqlite3.connect(first.db_path)
        logged = {row[0] for row in conn.execute("select guild_id from question_log")}
        conn.close()
        assert logged == {ids.guild, ids.guild2}


async def test_store_failure_gets_an_apology_and_the_next_user_is_answered(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        ids = double.ids
        process = BotProcess(double, tmp_path, "[bot]\nsync_commands_on_start = true\n")
        await process.start()
        try:
            answer = await (
                await double.slash_command(
                    ids.guild,
                    ids.general_channel,
                    ids.member,
                    "ask",
                    {"question": "How big is GREE?"},
                )
            ).reply(timeout=10)
            up = next(
                c["custom_id"]
                for row in answer.components
                for c in row["components"]
                if c.get("custom_id", "").endswith(":up")
            )
            conn = sqlite3.connect(process.db_path)
            conn.execute("alter table feedback rename to feedback_gone")
            conn.commit()
            conn.close()
            failed = await (
                await double.press_button(ids.guild, ids.general_channel, ids.member, answer, up)
            ).reply(timeout=10)
            assert failed.ephemeral and "unavailable" in failed.content
            nxt = await (
                await double.slash_command(
                    ids.guild,
                    ids.general_channel,
                    ids.admin,
                    "ask",
                    {"question": "When did LinkedIn launch in Japan?"},
                )
            ).reply(timeout=10)
            assert "October" in embed_text(nxt)
        finally:
            await process.stop()
        assert "feedback" in process.log and "Traceback" in process.log  # logged with its traceback
        assert double.token not in process.log


async def test_rejected_token_exits_with_a_clear_message(tmp_path):
    async with DiscordDouble.with_default_world() as double:
        process = BotProcess(double, tmp_path, env={"DISCORD_TOKEN": "not-the-right-token"})
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=str(REPO),
            env=process.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await asyncio.wait_for(proc.communicate(), 60))[0].decode()
        assert proc.returncode == 1
        assert "Discord rejected DISCORD_TOKEN" in output
        assert "not-the-right-token" not in output
