"""Every slash command is described; README and docs/ document every command,
and docs/configuration.md every config key with its default."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.__main__ import main as bot_main
from bot.app import COGS, create_bot
from knowledge.cli.main import main as knowledge_main
from knowledge.config import Config

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = (DOCS.parent / "README.md").read_text(encoding="utf-8")
CURATION = (DOCS / "curation.md").read_text(encoding="utf-8")
OPERATIONS = (DOCS / "operations.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")


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


async def test_readme_and_curation_document_every_command(kb, config):
    for name, command in walk(await loaded_commands(kb, config)):
        for page in (README, CURATION):
            if isinstance(command, app_commands.ContextMenu):
                assert f"**{name}**" in page, name
            else:
                assert f"/{name}" in page, name
    for cli in (
        "python -m knowledge build",
        "python -m knowledge ask",
        "python -m knowledge eval",
        "python -m bot sync",
    ):
        assert cli in README


def subcommands(main, argv: list[str], capsys) -> list[str]:
    """The subcommands a command's --help lists."""
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    usage = capsys.readouterr().out
    choices = re.search(r"\{([a-z,-]+)\}", usage)
    if choices:
        return choices.group(1).split(",")
    return re.findall(r"^    ([a-z][a-z-]*)(?:\s|$)", usage, flags=re.M)


def test_operations_documents_every_terminal_command(capsys):
    knowledge = subcommands(knowledge_main, [], capsys)
    assert {"build", "ask", "eval", "backup", "restore", "fact"} <= set(knowledge)
    for name in knowledge:
        assert f"`python -m knowledge {name}" in OPERATIONS, name
    bot = subcommands(bot_main, [], capsys)
    assert bot == ["run", "sync", "status"]
    assert "`python -m bot`" in OPERATIONS
    for name in bot[1:]:
        assert f"`python -m bot {name}" in OPERATIONS, name


def test_curation_documents_every_fact_action(capsys):
    actions = subcommands(knowledge_main, ["fact"], capsys)
    assert {"add", "edit", "remove", "restore", "import", "export"} <= set(actions)
    for action in actions:
        assert f"python -m knowledge fact {action}" in CURATION, action


def documented_config() -> dict[str, str]:
    """docs/configuration.md's key table: `section.key` -> its default as written."""
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| `([^`]*)` \|", CONFIGURATION, flags=re.M)
    keys = [key for key, _ in rows]
    assert len(keys) == len(set(keys)), "a key is documented twice"
    return dict(rows)


def as_written(value) -> object:
    """A default as the docs would write it in TOML (paths and strings bare)."""
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, Path) else value


def test_configuration_documents_every_key_and_its_default():
    config = Config()
    actual = {
        f"{section.name}.{key.name}": as_written(getattr(getattr(config, section.name), key.name))
        for section in fields(Config)
        if section.name != "source"
        for key in fields(getattr(config, section.name))
    }
    documented = documented_config()
    assert set(documented) == set(actual)
    for key, written in documented.items():
        try:
            value = tomllib.loads(f"v = {written}")["v"]
        except tomllib.TOMLDecodeError:
            value = written
        assert value == actual[key], key
    assert "FACTBOT_<SECTION>__<KEY>" in CONFIGURATION
