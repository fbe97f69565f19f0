"""The double's world: users, guilds, channels, roles, members and permissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38

ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | SEND_MESSAGES_IN_THREADS
)

TEXT_CHANNEL = 0
DM_CHANNEL = 1


def now_iso() -> str:
    """Current UTC time in Discord's ISO-8601 format."""
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class User:
    """A Discord user (or the bot user when ``bot`` is true)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    discriminator: str = "0"


@dataclass
class Role:
    """A guild role; ``bot_id`` marks the managed role of a bot."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None


@dataclass
class Channel:
    """A guild text channel or a DM channel (``guild_id`` None, ``recipient_id`` set)."""

    id: int
    guild_id: int | None
    name: str | None
    type: int = TEXT_CHANNEL
    position: int = 0
    topic: str | None = None
    recipient_id: int | None = None


@dataclass
class Member:
    """A user's membership of a guild."""

    user_id: int
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=now_iso)


@dataclass
class Guild:
    """A guild with its channels, roles and members (the @everyone role id is the guild id)."""

    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    joined_at: str = field(default_factory=now_iso)
    locale: str = "en-US"


class World:
    """Everything the double knows about; mutate it through the ``add_*`` methods."""

    def __init__(self, app_id: int, bot_user: User, owner_id: int) -> None:
        self.app_id = app_id
        self.bot_user = bot_user
        self.owner_id = owner_id
        self.users: dict[int, User] = {bot_user.id: bot_user}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}

    # -- mutation ------------------------------------------------------------------
    def add_user(self, user_id: int, username: str | None = None, *, bot: bool = False) -> User:
        """Create (or rename) a user."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(user_id, username or f"user{user_id}", bot=bot)
        elif username:
            user.username = username
        return user

    def add_guild(
        self,
        guild_id: int,
        name: str,
        owner_id: int,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> Guild:
        """Create a guild with @everyone and the bot's managed role; bot and owner join it."""
        guild = self.guilds[guild_id] = Guild(guild_id, name, owner_id)
        guild.roles[guild_id] = Role(guild_id, guild_id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        bot_role_id = guild_id + 7  # deterministic, unlikely to clash with test ids
        guild.roles[bot_role_id] = Role(
            bot_role_id,
            guild_id,
            self.bot_user.username,
            bot_permissions,
            position=1,
            bot_id=self.bot_user.id,
        )
        guild.members[self.bot_user.id] = Member(self.bot_user.id, guild_id, [bot_role_id])
        self.add_user(owner_id)
        guild.members.setdefault(owner_id, Member(owner_id, guild_id))
        return guild

    def add_channel(
        self, guild_id: int, channel_id: int, name: str, *, topic: str | None = None
    ) -> Channel:
        """Create a text channel in a guild."""
        guild = self.guild(guild_id)
        channel = Channel(channel_id, guild_id, name, position=len(guild.channels), topic=topic)
        guild.channels[channel_id] = channel
        return channel

    def add_role(self, guild_id: int, role_id: int, name: str, permissions: int) -> Role:
        """Create a role in a guild."""
        guild = self.guild(guild_id)
        role = Role(role_id, guild_id, name, permissions, position=len(guild.roles))
        guild.roles[role_id] = role
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        username: str | None = None,
        roles: list[int] | tuple[int, ...] = (),
    ) -> Member:
        """Add a user to a guild (creating the user if needed) with the given role ids."""
        guild = self.guild(guild_id)
        self.add_user(user_id, username)
        unknown = [r for r in roles if r not in guild.roles]
        if unknown:
            raise KeyError(f"unknown role ids {unknown} in guild {guild_id}")
        member = guild.members.get(user_id)
        if member is None:
            member = guild.members[user_id] = Member(user_id, guild_id)
        member.roles = [r for r in roles if r != guild_id]
        return member

    def dm_channel_for(self, user_id: int, channel_id: int) -> Channel:
        """Return the DM channel with ``user_id``, creating it with ``channel_id``."""
        for channel in self.dm_channels.values():
            if channel.recipient_id == user_id:
                return channel
        channel = Channel(channel_id, None, None, type=DM_CHANNEL, recipient_id=user_id)
        self.dm_channels[channel_id] = channel
        return channel

    def ensure_dm_channel(self, channel_id: int, user_id: int) -> Channel:
        """Return DM channel ``channel_id``, creating it as a DM with ``user_id`` if new."""
        channel = self.dm_channels.get(channel_id)
        if channel is None:
            channel = Channel(channel_id, None, None, type=DM_CHANNEL, recipient_id=user_id)
            self.dm_channels[channel_id] = channel
        return channel

    # -- lookup --------------------------------------------------------------------
    def guild(self, guild_id: int) -> Guild:
        """Return a guild or raise ``KeyError``."""
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown guild {guild_id}") from None

    def channel(self, channel_id: int) -> Channel | None:
        """Find a guild or DM channel by id."""
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return self.dm_channels.get(channel_id)

    def member(self, guild_id: int, user_id: int) -> Member | None:
        """Return the member or None."""
        guild = self.guilds.get(guild_id)
        return guild.members.get(user_id) if guild else None

    def user(self, user_id: int) -> User:
        """Return a user or raise ``KeyError``."""
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}") from None

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions of a member (owner and administrators get everything)."""
        guild = self.guild(guild_id)
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
        value = guild.roles[guild_id].permissions
        for role_id in member.roles:
            value |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value
