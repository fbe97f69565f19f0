"""Who may administer FactBot: checked on the server side for every admin action."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from .errors import Refusal

if TYPE_CHECKING:
    from .app import FactBot

NOT_ADMIN = "Only server admins can do that: members with Manage Server or the FactBot admin role."
SERVER_ONLY = "That works only in a server, not in direct messages."


def is_admin(
    user: discord.abc.User,
    *,
    guild_id: int | None,
    permissions: discord.Permissions | None,
    owner_ids: set[int],
    admin_role_ids: set[int],
) -> bool:
    """In a server: the owners, Manage Server, or one of the admin roles. Nobody
    in a DM, where there is no server to administer.

    `permissions` are the member's resolved permissions from the interaction,
    which Discord computes; `admin_role_ids` are the config's roles plus the
    one set for this server with /factbot admin-role.
    """
    if guild_id is None:
        return False
    if user.id in owner_ids:
        return True
    if not isinstance(user, discord.Member):
        return False
    if permissions is not None and (permissions.manage_guild or permissions.administrator):
        return True
    return any(role.id in admin_role_ids for role in user.roles)


def caller_is_admin(bot: FactBot, interaction: discord.Interaction) -> bool:
    return is_admin(
        interaction.user,
        guild_id=interaction.guild_id,
        permissions=interaction.permissions,
        owner_ids=bot.owner_id_set,
        admin_role_ids=bot.admin_role_ids(interaction.guild_id),
    )


def require_admin(bot: FactBot, interaction: discord.Interaction) -> int:
    """Raise Refusal unless the user is a FactBot admin here (checked at call
    time); returns the server's id."""
    if interaction.guild_id is None:
        raise Refusal(SERVER_ONLY)
    if not caller_is_admin(bot, interaction):
        raise Refusal(NOT_ADMIN)
    return interaction.guild_id


def caller_is_owner(bot: FactBot, interaction: discord.Interaction) -> bool:
    return interaction.user.id in bot.owner_id_set
