"""The default world of :meth:`DiscordDouble.with_default_world`."""

from __future__ import annotations

from .ids import DefaultIds
from .world import MANAGE_GUILD, World


def populate(world: World, ids: DefaultIds) -> None:
    """Two guilds, users with different powers, and the application owner.

    Guild "Fact Club" (``ids.guild``, owned by ``guild_owner``): channels #general and
    #facts; roles @everyone, "Admins" (MANAGE_GUILD) and "Fact Keepers" (no permissions).
    Members: ``owner`` (the application owner, otherwise a plain member), ``admin``
    (Admins), ``member`` (plain), ``role_admin`` (Fact Keepers).

    Guild "Other Server" (``ids.guild2``, also owned by ``guild_owner``): channel #lobby,
    role "Admins"; ``other_admin`` has it there, while ``admin`` and ``member`` are plain.
    """
    for user_id, name in [
        (ids.owner, "owner"),
        (ids.admin, "admin"),
        (ids.member, "member"),
        (ids.role_admin, "role_admin"),
        (ids.other_admin, "other_admin"),
        (ids.guild_owner, "guild_owner"),
    ]:
        world.add_user(user_id, name)
    world.owner_id = ids.owner

    world.add_guild(ids.guild, "Fact Club", ids.guild_owner)
    world.add_channel(ids.guild, ids.general_channel, "general")
    world.add_channel(ids.guild, ids.facts_channel, "facts")
    world.add_role(ids.guild, ids.admins_role, "Admins", MANAGE_GUILD)
    world.add_role(ids.guild, ids.fact_keepers_role, "Fact Keepers", 0)
    world.add_member(ids.guild, ids.owner)
    world.add_member(ids.guild, ids.admin, roles=[ids.admins_role])
    world.add_member(ids.guild, ids.member)
    world.add_member(ids.guild, ids.role_admin, roles=[ids.fact_keepers_role])

    world.add_guild(ids.guild2, "Other Server", ids.guild_owner)
    world.add_channel(ids.guild2, ids.guild2_channel, "lobby")
    world.add_role(ids.guild2, ids.guild2_admins_role, "Admins", MANAGE_GUILD)
    world.add_member(ids.guild2, ids.other_admin, roles=[ids.guild2_admins_role])
    world.add_member(ids.guild2, ids.admin)
    world.add_member(ids.guild2, ids.member)
