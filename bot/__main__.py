"""`python -m bot`: run FactBot on Discord, or the local console without a token.

python -m bot                 run (console when DISCORD_TOKEN is not set)
python -m bot sync [--guild ID]   register the slash commands with Discord
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence

import discord

from knowledge.build import build
from knowledge.config import Config, load_config
from knowledge.console import run_console
from knowledge.errors import KnowledgeError
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

from .app import create_bot, sync_commands
from .discord_api import API_BASE_ENV, point_discord_py_at
from .logging_setup import TOKEN_ENV, setup_logging

log = logging.getLogger("factbot")

NO_TOKEN = (
    "DISCORD_TOKEN is not set, so FactBot is starting its local console instead.\n"
    "Set DISCORD_TOKEN to connect to Discord (see README.md).\n"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run FactBot.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "sync"])
    parser.add_argument("--guild", type=int, default=None, help="with sync: one server id")
    args = parser.parse_args(argv)
    try:
        config = load_config()
        token = os.environ.get(TOKEN_ENV, "").strip()
        setup_logging(config.logging, token=token)
        if not token:
            if args.command == "sync":
                print("error: sync needs DISCORD_TOKEN in the environment.", file=sys.stderr)
                return 2
            print(NO_TOKEN, file=sys.stderr)
            kb = open_fact_base(config)
            try:
                run_console(kb)
            finally:
                kb.close()
            return 0
        kb = open_fact_base(config)
        try:
            return asyncio.run(
                run_discord(
                    kb, config, token, sync_only=args.command == "sync", guild_id=args.guild
                )
            )
        finally:
            kb.close()
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def open_fact_base(config: Config) -> KnowledgeBase:
    """The configured fact base; built from the packaged files on first run."""
    store = FactStore.open(config.database.path, busy_timeout_ms=config.database.busy_timeout_ms)
    try:
        if not store.sources():
            report = build(store)
            log.info("built the fact base at %s: %d facts", config.database.path, len(report.added))
    except BaseException:
        store.close()
        raise
    return KnowledgeBase(store, config)


async def run_discord(
    kb: KnowledgeBase,
    config: Config,
    token: str,
    *,
    sync_only: bool = False,
    guild_id: int | None = None,
) -> int:
    if api_base := os.environ.get(API_BASE_ENV):
        log.warning("using the Discord API at %s (%s is set)", api_base, API_BASE_ENV)
        point_discord_py_at(api_base)
    bot = create_bot(kb, config)
    async with bot:
        try:
            if sync_only:
                await bot.login(token)
                count = await sync_commands(bot, guild_id)
                where = f"to server {guild_id}" if guild_id else "globally"
                print(f"Synced {count} command(s) {where}.")
                return 0
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
            await bot.start(token)
        except discord.LoginFailure:
            print(
                "error: Discord rejected DISCORD_TOKEN. Copy the bot token again from the "
                "Developer Portal (Bot → Reset Token).",
                file=sys.stderr,
            )
            return 1
        except discord.PrivilegedIntentsRequired:
            print(
                "error: the Message Content intent is not enabled for this bot. Enable it in the "
                "Developer Portal (Bot → Privileged Gateway Intents → Message Content).",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
