"""The FactBot client: built with its services, it loads the cogs and wires the
single error handler. No module-level state."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from knowledge.config import Config
from knowledge.service import KnowledgeBase

from .components import PickButton, VoteButton
from .errors import reply_to_error
from .health import HealthReporter
from .index_sync import IndexSyncer
from .permissions import SERVER_ONLY
from .rate_limit import AskLimiter

if TYPE_CHECKING:
    from .cogs.ask import Ask

log = logging.getLogger("factbot")

COGS = ("bot.cogs.ask", "bot.cogs.stats", "bot.cogs.settings", "bot.cogs.facts")


def intents() -> discord.Intents:
    """Guilds, guild messages and (privileged) message content."""
    found = discord.Intents.none()
    found.guilds = True
    found.guild_messages = True
    found.message_content = True
    return found


class FactBotTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Server-only commands are refused in DMs here too: Discord hides them
        there, and nothing should rest on that alone."""
        command = interaction.command
        root = getattr(command, "root_parent", None) or command
        if interaction.guild_id is None and getattr(root, "guild_only", False):
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
                return False
            raise app_commands.NoPrivateMessage(SERVER_ONLY)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_to_error(interaction, error)


class FactBot(commands.Bot):
    """discord.py's Bot with FactBot's services; ShardedFactBot is the sharded variant."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: Config,
        *,
        health: HealthReporter | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=FactBotTree,
            help_command=None,
            **options,
        )
        self.kb = kb
        self.config = config
        self.limiter = AskLimiter(config.bot.ask_rate, config.bot.ask_per_seconds)
        self.owner_id_set: set[int] = set(config.bot.owner_ids)
        self.auto_answer_channels: set[int] = set()
        self.guild_admin_roles: dict[int, int] = {}
        self.health = health  # None: no status file (tests, `python -m bot sync`)
        self.index_sync = IndexSyncer(self, config.database.sync_interval_ms / 1000)

    async def setup_hook(self) -> None:
        if self.health is not None:
            self.health.start(self)
        await self.load_server_settings()
        self.index_sync.start()
        app = self.application
        if app is not None:
            if app.team:
                self.owner_id_set |= {m.id for m in app.team.members}
            elif app.owner:
                self.owner_id_set.add(app.owner.id)
        self.add_dynamic_items(VoteButton, PickButton)
        for extension in COGS:
            await self.load_extension(extension)
        if self.config.bot.sync_commands_on_start:
            await sync_commands(self, self.config.bot.dev_guild_id or None)

    async def load_server_settings(self) -> None:
        """Read every server's auto-answer channels and admin role from the store."""
        self.auto_answer_channels = await asyncio.to_thread(self.kb.auto_answer_channels)
        self.guild_admin_roles = await asyncio.to_thread(self.kb.admin_roles)

    @property
    def ask_cog(self) -> Ask:
        """The cog the answer buttons hand off to (loaded in setup_hook; each
        load_extension makes a new module, so the class is not checked)."""
        return cast("Ask", self.get_cog("Ask"))

    def admin_role_ids(self, guild_id: int | None) -> set[int]:
        roles = set(self.config.bot.admin_role_ids)
        if guild_id is not None and guild_id in self.guild_admin_roles:
            roles.add(self.guild_admin_roles[guild_id])
        return roles

    async def on_ready(self) -> None:
        user = self.user
        log.info(
            "connected as %s (id %s) to %d server(s)",
            user,
            getattr(user, "id", "?"),
            len(self.guilds),
        )
        self.health_changed()

    async def on_resumed(self) -> None:
        log.info("gateway session resumed")
        self.health_changed()

    async def on_disconnect(self) -> None:
        if self.is_closed():
            log.info("disconnected from Discord (shutting down)")
        else:
            log.warning("disconnected from Discord; reconnecting")
        self.health_changed()

    def health_changed(self) -> None:
        if self.health is not None:
            self.health.changed()

    async def close(self) -> None:
        await self.index_sync.stop()
        await super().close()
        if self.health is not None:
            await self.health.stop()

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in event %s", event_method)

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        """FactBot has no prefix commands: a message that starts with a mention is
        a question for the Ask cog, not a failed command, so it is not an error."""
        if isinstance(exception, commands.CommandNotFound):
            return
        log.error("error in command %s", context.command, exc_info=exception)


class ShardedFactBot(FactBot, commands.AutoShardedBot):
    """FactBot over several gateway shards (config.bot.shard_count)."""


def create_bot(
    kb: KnowledgeBase, config: Config, *, health: HealthReporter | None = None
) -> FactBot:
    """A FactBot, sharded when config.bot.shard_count is set; with `health`, it
    keeps a status file for `python -m bot status`."""
    if config.bot.shard_count:
        return ShardedFactBot(
            kb,
            config,
            health=health,
            shard_count=config.bot.shard_count,
            shard_ids=list(config.bot.shard_ids) or None,
        )
    return FactBot(kb, config, health=health)


async def sync_commands(bot: commands.Bot, guild_id: int | None) -> int:
    """Sync slash commands globally, or to one server (instant, for testing)."""
    if guild_id:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    else:
        synced = await bot.tree.sync()
    log.info(
        "synced %d command(s) %s", len(synced), f"to server {guild_id}" if guild_id else "globally"
    )
    return len(synced)
