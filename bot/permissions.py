"""Who may administer FactBot: checked on the server side for every admin action."""

from __future__ import annotations

import discord


def is_admin(
    user: discord.abc.User,
    *,
    guild_id: int | None,
    permissions: discord.Permissions | None,
    owner_ids: set[int],
    admin_role_ids: set[int],
) -> bool:
    """Owners everywhere; in a server, Manage Server or one of the admin roles.

    `permissions` are the member's resolved permissions from the interaction,
    which Discord computes; `admin_role_ids` are the config's roles plus the
    one set for this server with /factbot admin-role.
    """
    if user.id in owner_ids:
        return True
    if guild_id is None or not isinstance(user, discord.Member):
        return False
    if permissions is not None and (permissions.manage_guild or permissions.administrator):
        return True
    return any(role.id in admin_role_ids for role in user.roles)
