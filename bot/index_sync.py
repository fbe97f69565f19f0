"""Keeps a running bot in step with the database it shares with other
processes (shards, `python -m knowledge` in a terminal).

Every `database.sync_interval_ms` a background task runs KnowledgeBase.sync in
a worker thread, so the event loop never waits for the database, and reads the
server settings again when they changed. A failure is logged once, when it
starts, and once more when syncing works again; it is retried every interval.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from knowledge.errors import KnowledgeError

from .background import cancel

if TYPE_CHECKING:
    from .app import FactBot

log = logging.getLogger("factbot.sync")


class IndexSyncer:
    """Runs KnowledgeBase.sync for one bot until stopped."""

    def __init__(self, bot: FactBot, interval_seconds: float) -> None:
        self.bot = bot
        self.interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="factbot-sync")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            await self.sync_once()

    async def sync_once(self) -> bool:
        """One sync; True when it succeeded. Never raises (but for cancellation)."""
        try:
            report = await asyncio.to_thread(self.bot.kb.sync)
            if report.settings_changed:
                await self.bot.load_server_settings()
        except Exception as exc:
            if not self._failing:  # once per failure spell, not every interval
                log.error(
                    "cannot pick up changes from the database (retrying every %.1f s): %s",
                    self.interval_seconds,
                    exc,
                    exc_info=not _expected(exc),
                )
            self._failing = True
            return False
        if self._failing:
            log.info("picking up changes from the database again")
        self._failing = False
        if report.reloaded:
            log.info("reloaded the whole index from the database (change %d)", report.applied_seq)
        if report.facts or report.reloaded or report.settings_changed:
            self.bot.health_changed()
        return True


def _expected(exc: Exception) -> bool:
    """A database problem the message explains (no traceback needed)."""
    return isinstance(exc, KnowledgeError)
