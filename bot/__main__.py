"""`python -m bot`: run FactBot on Discord, or the local console without a token.

python -m bot                 run (console when DISCORD_TOKEN is not set, unless
                              bot.console_fallback = false, as in the container)
python -m bot sync [--guild ID]   register the slash commands with Discord
python -m bot status [--json]     is the running bot healthy? (exit 0 = yes, 1 = no)

The token comes from DISCORD_TOKEN, or from the file named by DISCORD_TOKEN_FILE.
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

from knowledge.cli.console import run_console
from knowledge.config import Config, load_config
from knowledge.errors import KnowledgeError
from knowledge.service import KnowledgeBase

from .app import create_bot, sync_commands
from .credentials import HOW_TO_PASS_THE_TOKEN, TokenError, read_token
from .discord_api import API_BASE_ENV, point_discord_py_at
from .health import HealthReporter, status_command, status_path
from .logging_setup import setup_logging

log = logging.getLogger("factbot")

NO_TOKEN = (
    "DISCORD_TOKEN is not set, so FactBot is starting its local console instead.\n"
    "Set DISCORD_TOKEN (or DISCORD_TOKEN_FILE) to connect to Discord (see README.md).\n"
)
MISSING_TOKEN = (
    "error: DISCORD_TOKEN is not set, so FactBot cannot connect to Discord.\n"
    + HOW_TO_PASS_THE_TOKEN
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run FactBot.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "sync", "status"])
    parser.add_argument("--guild", type=int, default=None, help="with sync: one server id")
    parser.add_argument("--json", action="store_true", help="with status: one JSON object")
    args = parser.parse_args(argv)
    try:
        config = load_config()
        if args.command == "status":
            return status_command(config, as_json=args.json)
        try:
            token = read_token()
        except TokenError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        setup_logging(config.logging, token=token)
        if not token:
            if args.command == "sync":
                print(f"error: sync needs the bot token.\n{HOW_TO_PASS_THE_TOKEN}", file=sys.stderr)
                return 2
            if not config.bot.console_fallback:
                print(MISSING_TOKEN, file=sys.stderr)
                return 2
            print(NO_TOKEN, file=sys.stderr)
            kb = KnowledgeBase.open(config, create=True)
            try:
                run_console(kb)
            finally:
                kb.close()
            return 0
        kb = KnowledgeBase.open(config, create=True)
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
    health = (
        None if sync_only else HealthReporter(status_path(config), config.health.interval_seconds)
    )
    bot = create_bot(kb, config, health=health)
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
