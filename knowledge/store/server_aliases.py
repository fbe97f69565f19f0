"""A server's own aliases: names its admins taught FactBot ("the hall" means
"Riverside Community Hall"), applied to that server's questions and facts only.
Every change is audited and goes to the change feed."""

from __future__ import annotations

from typing import Any

from ..errors import AliasError
from .backend import Tx
from .changes import ALIASES, record_change
from .connection import StoreConnection, utc_now
from .records import insert_audit_row

MAX_SERVER_ALIASES = 500  # per server
MAX_ALIAS_CHARS = 100


class ServerAliases(StoreConnection):
    """Reads and writes the server_aliases table."""

    def server_aliases(self, guild_id: int | None = None) -> dict[int, dict[str, str]]:
        """guild id -> {alias: canonical name}, for one server or every one."""
        scope = "" if guild_id is None else "where guild_id = ? "
        rows = self.read(
            f"select guild_id, alias, canonical from server_aliases {scope}"
            "order by guild_id, alias",
            [] if guild_id is None else [guild_id],
        )
        found: dict[int, dict[str, str]] = {}
        for row in rows:
            found.setdefault(row["guild_id"], {})[row["alias"]] = row["canonical"]
        return found

    def add_server_alias(self, guild_id: int, alias: str, canonical: str, *, actor: str) -> None:
        """Make `alias` mean `canonical` in one server (replacing what it meant).

        `alias` is stored as given (trimmed, spaces collapsed) and matched
        ignoring case. Raises AliasError when the server has too many aliases."""
        now = utc_now()
        with self.write() as tx:
            before = _meaning(tx, guild_id, alias)
            if before is None:
                count = tx.scalar(
                    "select count(*) from server_aliases where guild_id = ?", [guild_id]
                )
                if count >= MAX_SERVER_ALIASES:
                    raise AliasError(
                        f"This server already has {MAX_SERVER_ALIASES} aliases; "
                        "remove one before adding another."
                    )
            elif before == canonical:
                return
            tx.upsert(
                "server_aliases",
                {
                    "guild_id": guild_id,
                    "alias": alias,
                    "canonical": canonical,
                    "created_by": actor,
                    "created_at": now,
                },
                pk=("guild_id", "alias"),
            )
            old = {"alias": alias, "canonical": before} if before is not None else None
            _audit(
                tx, now, actor, "alias-add", guild_id, old, {"alias": alias, "canonical": canonical}
            )

    def remove_server_alias(self, guild_id: int, alias: str, *, actor: str) -> str:
        """Forget one of a server's aliases; returns what it meant.

        Raises AliasError when the server has no such alias."""
        now = utc_now()
        with self.write() as tx:
            meant = _meaning(tx, guild_id, alias)
            if meant is None:
                raise AliasError(f"This server has no alias {alias!r}.")
            tx.execute(
                "delete from server_aliases where guild_id = ? and alias = ?", [guild_id, alias]
            )
            _audit(
                tx,
                now,
                actor,
                "alias-remove",
                guild_id,
                {"alias": alias, "canonical": meant},
                None,
            )
        return meant

    def alias_audit(self, guild_id: int) -> list[dict[str, Any]]:
        """The audit entries of a server's alias changes, oldest first."""
        return self.read(
            "select * from audit_log where guild_id = ? and action like 'alias-%' order by id",
            [guild_id],
        )


def _meaning(tx: Tx, guild_id: int, alias: str) -> str | None:
    """What `alias` stands for in the server now (None: not one of its aliases)."""
    meant = tx.scalar(
        "select canonical from server_aliases where guild_id = ? and alias = ?",
        [guild_id, alias],
    )
    return None if meant is None else str(meant)


def _audit(
    tx: Tx,
    now: str,
    actor: str,
    action: str,
    guild_id: int,
    before: dict[str, str] | None,
    after: dict[str, str] | None,
) -> None:
    """An alias change in the audit log (no fact id), and in the change feed."""
    insert_audit_row(tx, now, actor, action, None, guild_id, before, after)
    record_change(tx, ALIASES, guild_id)
