"""Snowflake ids: a generator for fresh ids and the fixed ids of the default world."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Hands out strictly increasing, time-based Discord snowflakes."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, larger than every one returned before."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return self._last


def new_token(prefix: str = "aW50ZXJhY3Rpb24") -> str:
    """Return a random interaction token shaped like Discord's (long, url-safe)."""
    return prefix + secrets.token_urlsafe(96)


def shard_for(guild_id: int, shard_count: int) -> int:
    """Return the shard that receives events of ``guild_id`` (Discord's formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class DefaultIds:
    """Ids used by :meth:`DiscordDouble.with_default_world`.

    The two guild ids land on different shards when ``shard_count == 2``.
    """

    app: int = 1_090_000_000_000_000_001
    bot: int = 1_090_000_000_000_000_001
    # guild 1
    guild: int = 1_100_000_000_004_194_305  # shard 0 of 2
    general_channel: int = 1_100_000_000_100_000_001
    facts_channel: int = 1_100_000_000_100_000_002
    admins_role: int = 1_100_000_000_200_000_001
    fact_keepers_role: int = 1_100_000_000_200_000_002
    # users
    owner: int = 1_080_000_000_000_000_001
    admin: int = 1_080_000_000_000_000_002
    member: int = 1_080_000_000_000_000_003
    role_admin: int = 1_080_000_000_000_000_004
    other_admin: int = 1_080_000_000_000_000_005
    guild_owner: int = 1_080_000_000_000_000_006
    # guild 2
    guild2: int = 1_100_000_000_000_000_001  # shard 1 of 2
    guild2_channel: int = 1_100_000_000_100_000_101
    guild2_admins_role: int = 1_100_000_000_200_000_101

    @property
    def everyone_role(self) -> int:
        """The @everyone role of guild 1 (its id equals the guild id)."""
        return self.guild
