"""Per-server settings: the channels answered without a mention, and the admin role."""

from __future__ import annotations

from .changes import SETTINGS, record_change
from .connection import StoreConnection, utc_now


class ServerSettings(StoreConnection):
    """Reads and writes the auto_answer_channels and guild_settings tables."""

    def set_auto_answer(self, guild_id: int, channel_id: int, on: bool, *, actor: str) -> None:
        with self.write() as tx:
            if on:
                tx.upsert(
                    "auto_answer_channels",
                    {
                        "guild_id": guild_id,
                        "channel_id": channel_id,
                        "updated_by": actor,
                        "updated_at": utc_now(),
                    },
                    pk=("guild_id", "channel_id"),
                )
            else:
                tx.execute(
                    "delete from auto_answer_channels where guild_id = ? and channel_id = ?",
                    [guild_id, channel_id],
                )
            record_change(tx, SETTINGS, guild_id)

    def auto_answer_channels(self) -> set[int]:
        return {r["channel_id"] for r in self.read("select channel_id from auto_answer_channels")}

    def set_admin_role(self, guild_id: int, role_id: int | None, *, actor: str) -> None:
        with self.write() as tx:
            tx.upsert(
                "guild_settings",
                {
                    "guild_id": guild_id,
                    "admin_role_id": role_id,
                    "updated_by": actor,
                    "updated_at": utc_now(),
                },
                pk=("guild_id",),
            )
            record_change(tx, SETTINGS, guild_id)

    def admin_roles(self) -> dict[int, int]:
        """guild id -> the admin role set with /factbot admin-role."""
        return {
            r["guild_id"]: r["admin_role_id"]
            for r in self.read("select * from guild_settings where admin_role_id is not null")
        }
