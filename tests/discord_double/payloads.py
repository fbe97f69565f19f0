"""Discord-shaped JSON for the world's objects (users, members, roles, channels, guilds)."""

from __future__ import annotations

from typing import Any

from .world import Channel, Role, World

Json = dict[str, Any]


def user_payload(world: World, user_id: int) -> Json:
    """A user object."""
    user = world.user(user_id)
    payload: Json = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": user.discriminator,
        "global_name": user.global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def bot_user_payload(world: World) -> Json:
    """The bot's own user object as returned by ``GET /users/@me`` and READY."""
    payload = user_payload(world, world.bot_user.id)
    payload.update(verified=True, mfa_enabled=False, email=None, locale="en-US")
    return payload


def member_payload(
    world: World,
    guild_id: int,
    user_id: int,
    *,
    with_user: bool = True,
    with_permissions: bool = False,
) -> Json:
    """A guild member object, optionally with ``user`` and computed ``permissions``."""
    member = world.member(guild_id, user_id)
    if member is None:
        raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
    payload: Json = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user_payload(world, user_id)
    if with_permissions:
        payload["permissions"] = str(world.permissions(guild_id, user_id))
    return payload


def role_payload(role: Role) -> Json:
    """A role object."""
    payload: Json = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": str(role.bot_id)}
    return payload


def channel_payload(world: World, channel: Channel) -> Json:
    """A channel object (guild text channel or DM)."""
    if channel.guild_id is None:
        recipients = [user_payload(world, channel.recipient_id)] if channel.recipient_id else []
        return {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": None,
            "recipients": recipients,
            "flags": 0,
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "topic": channel.topic,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def interaction_channel_payload(world: World, channel: Channel, user_id: int) -> Json:
    """The partial channel sent with an interaction (guild channels carry ``permissions``)."""
    payload = channel_payload(world, channel)
    if channel.guild_id is not None:
        member = world.member(channel.guild_id, user_id)
        perms = world.permissions(channel.guild_id, user_id) if member is not None else 0
        payload["permissions"] = str(perms)
    return payload


def guild_rest_payload(world: World, guild_id: int) -> Json:
    """A guild object as returned by ``GET /guilds/{id}`` (no channels or members)."""
    guild = world.guild(guild_id)
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": next((str(c) for c in guild.channels), None),
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.locale,
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500000,
    }


def guild_create_payload(world: World, guild_id: int, *, include_members: bool) -> Json:
    """The GUILD_CREATE event body: guild plus channels, members (all or just the bot), etc."""
    guild = world.guild(guild_id)
    payload = guild_rest_payload(world, guild_id)
    member_ids = list(guild.members) if include_members else [world.bot_user.id]
    payload.update(
        joined_at=guild.joined_at,
        large=False,
        unavailable=False,
        member_count=len(guild.members),
        voice_states=[],
        members=[member_payload(world, guild_id, uid) for uid in member_ids],
        channels=[channel_payload(world, c) for c in guild.channels.values()],
        threads=[],
        presences=[],
        stage_instances=[],
        guild_scheduled_events=[],
        soundboard_sounds=[],
        lazy=True,
    )
    return payload
