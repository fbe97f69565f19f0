"""Every slash command is described, and README documents every command."""

from __future__ import annotations

from pathlib import Path

import discord
from discord import app_commands

from bot.app import COGS, create_bot

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


async def loaded_commands(kb, config):
    bot = create_bot(kb, config)
    for extension in COGS:
        await bot.load_extension(extension)
    try:
        return bot.tree.get_commands()
    finally:
        await bot.close()


def walk(commands, prefix=""):
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands, f"{prefix}{command.name} ")
        else:
            yield f"{prefix}{command.name}", command


async def test_every_command_and_option_has_a_description(kb, config):
    commands = await loaded_commands(kb, config)
    names = [c.name for c in commands]
    assert len(names) == len(set(names))
    found = dict(walk(commands))
    assert {
        "ask",
        "stats",
        "help",
        "factbot help",
        "factbot autoanswer",
        "factbot admin-role",
        "Ask FactBot",
    } <= set(found)
    for name, command in found.items():
        if isinstance(command, app_commands.ContextMenu):
            assert command.type is discord.AppCommandType.message
            continue
        assert command.description and command.description != "…", name
        for parameter in command.parameters:
            assert parameter.description and parameter.description != "…", (name, parameter.name)


async def test_readme_documents_every_command(kb, config):
    for name, command in walk(await loaded_commands(kb, config)):
        if isinstance(command, app_commands.ContextMenu):
            assert f"**{name}**" in README
        else:
            assert f"/{name}" in README, name
    for cli in (
        "python -m knowledge build",
        "python -m knowledge ask",
        "python -m knowledge eval",
        "python -m bot sync",
    ):
        assert cli in README
