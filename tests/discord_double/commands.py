"""Application commands the bot registered, checked like Discord checks them."""

from __future__ import annotations

import re
from typing import Any

from .ids import Snowflakes
from .validation import DiscordError, not_found

Json = dict[str, Any]

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


class CommandRegistry:
    """Global and per-guild commands, as stored by Discord (with ids and versions)."""

    def __init__(self, app_id: int, snowflakes: Snowflakes) -> None:
        self.app_id = app_id
        self.snowflakes = snowflakes
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}

    def scope(self, guild_id: int | None) -> list[Json]:
        """The command list of a guild (or the global list when ``guild_id`` is None)."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def bulk_overwrite(self, guild_id: int | None, payloads: list[Json]) -> list[Json]:
        """``PUT .../commands``: replace the scope, keeping ids of unchanged names."""
        old = {(c["name"], c["type"]): c for c in self.scope(guild_id)}
        new = [self._store(guild_id, p, old.get((p["name"], p.get("type", 1)))) for p in payloads]
        self.scope(guild_id)[:] = new
        return new

    def upsert(self, guild_id: int | None, payload: Json) -> Json:
        """``POST .../commands``: create or replace one command by name and type."""
        commands = self.scope(guild_id)
        key = (payload["name"], payload.get("type", 1))
        old = next((c for c in commands if (c["name"], c["type"]) == key), None)
        stored = self._store(guild_id, payload, old)
        if old is not None:
            commands[commands.index(old)] = stored
        else:
            commands.append(stored)
        return stored

    def get(self, guild_id: int | None, command_id: int) -> Json:
        """One command or ``Unknown application command``."""
        for command in self.scope(guild_id):
            if int(command["id"]) == command_id:
                return command
        raise not_found(10063, "Unknown application command")

    def edit(self, guild_id: int | None, command_id: int, payload: Json) -> Json:
        """``PATCH .../commands/{id}``."""
        command = self.get(guild_id, command_id)
        command.update({k: v for k, v in payload.items() if k not in ("id", "application_id")})
        command["version"] = str(self.snowflakes.next())
        return command

    def delete(self, guild_id: int | None, command_id: int) -> None:
        """``DELETE .../commands/{id}``."""
        self.scope(guild_id).remove(self.get(guild_id, command_id))

    def find(self, name: str, guild_id: int | None, ctype: int = CHAT_INPUT) -> Json | None:
        """The command a user invoking ``name`` in ``guild_id`` would hit (guild first)."""
        scopes = [self.guild_commands.get(guild_id, [])] if guild_id else []
        for commands in [*scopes, self.global_commands]:
            for command in commands:
                if command["name"] == name and command["type"] == ctype:
                    return command
        return None

    def _store(self, guild_id: int | None, payload: Json, old: Json | None) -> Json:
        ctype = payload.get("type", CHAT_INPUT)
        stored: Json = {
            "id": old["id"] if old else str(self.snowflakes.next()),
            "application_id": str(self.app_id),
            "version": str(self.snowflakes.next()),
            "type": ctype,
            "name": payload["name"],
            "name_localizations": payload.get("name_localizations"),
            "description": payload.get("description", "") if ctype == CHAT_INPUT else "",
            "description_localizations": payload.get("description_localizations"),
            "options": payload.get("options", []),
            "default_member_permissions": payload.get("default_member_permissions"),
            "dm_permission": payload.get("dm_permission", True),
            "contexts": payload.get("contexts"),
            "integration_types": payload.get("integration_types", [0]),
            "nsfw": payload.get("nsfw", False),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored


def leaf_schema(command: Json | None, path: list[str]) -> tuple[list[Json] | None, list[int]]:
    """Follow a subcommand ``path`` into ``command``; return (leaf options, types on the path)."""
    if command is None:
        return None, [SUB_COMMAND_GROUP, SUB_COMMAND][-len(path) :] if path else []
    options: list[Json] = command.get("options") or []
    types: list[int] = []
    for name in path:
        node = next((o for o in options if o["name"] == name and o["type"] in (1, 2)), None)
        if node is None:
            raise ValueError(f"command {command['name']!r} has no subcommand {name!r}")
        types.append(node["type"])
        options = node.get("options") or []
    return options, types


def check_commands(payloads: list[Json]) -> DiscordError | None:
    """Reject command lists Discord would reject (names, descriptions, counts, duplicates)."""
    errors: Json = {}

    def add(path: tuple[Any, ...], code: str, message: str) -> None:
        node = errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def check_named(path: tuple[Any, ...], item: Json, chat_input: bool) -> None:
        name = item.get("name") or ""
        valid = NAME_RE.match(name) and name == name.lower() if chat_input else 1 <= len(name) <= 32
        if not valid:
            add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        description = item.get("description") or ""
        if chat_input and not 1 <= len(description) <= 100:
            add(
                (*path, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )

    def check_options(path: tuple[Any, ...], options: list[Json]) -> None:
        if len(options) > 25:
            add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        seen_optional = False
        for i, option in enumerate(options):
            check_named((*path, i), option, True)
            if len(option.get("choices") or []) > 25:
                add((*path, i, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
                check_options((*path, i, "options"), option.get("options") or [])
            elif option.get("required"):
                if seen_optional:
                    add(
                        (*path, i, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True

    seen: set[tuple[str, int]] = set()
    for i, payload in enumerate(payloads):
        chat_input = payload.get("type", CHAT_INPUT) == CHAT_INPUT
        check_named((i,), payload, chat_input)
        check_options((i, "options"), payload.get("options") or [])
        key = (payload.get("name") or "", payload.get("type", CHAT_INPUT))
        if key in seen:
            add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[0]}",
            )
        seen.add(key)
    if len([p for p in payloads if p.get("type", 1) == CHAT_INPUT]) > 100:
        add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    if not errors:
        return None
    return DiscordError(50035, "Invalid Form Body", errors)
