"""Is the bot up? A status file written by the running bot, read by `python -m bot status`.

The running bot writes a small JSON file (connected, latency, shards, pid, and
the last database change its index applied) every `health.interval_seconds`
and whenever its connection or its index changes, atomically (temporary file,
then rename), so a reader never sees half a file. `python -m bot status` (and
the container's HEALTHCHECK) reads that file, opens the database read-only,
and calls the bot healthy only when it is connected, the file is fresh, the
index keeps syncing with the database and the database is readable. Nothing
here talks to Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
import socket
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord

from knowledge.config import Config
from knowledge.errors import KnowledgeError
from knowledge.service import DatabaseInfo, database_info, database_name

from .background import cancel

log = logging.getLogger("factbot.health")

STATUS_FORMAT = 1


def status_path(config: Config) -> Path:
    """Where the bot writes its status: `health.status_file`, else next to the
    database (factbot.db → factbot.status.json). A process that runs only some
    shards gets its own file (factbot.shards-0-1.status.json), so several
    processes can share one database folder and `python -m bot status` with the
    same config reads the file of the process it belongs to."""
    if config.health.status_file:
        return Path(config.health.status_file)
    db = config.database.path
    shards = config.bot.shard_ids
    tag = ".shards-" + "-".join(str(s) for s in shards) if shards else ""
    return db.with_name(f"{db.stem}{tag}.status.json")


@dataclass(frozen=True)
class BotStatus:
    """One snapshot of the running bot, as written to the status file."""

    connected: bool
    latency_ms: float | None
    shard_ids: list[int] | None  # None: one unsharded connection
    shard_count: int | None
    guilds: int
    pid: int
    hostname: str
    started_at: str
    updated_at: str
    interval_seconds: float
    stopped: bool = False  # written once, when the bot shuts down cleanly
    format: int = STATUS_FORMAT
    # The index (KnowledgeBase.sync_state): the change feed's last change it
    # applied, from which copy of the database, and its last successful sync.
    index_seq: int | None = None
    index_generation: str | None = None
    index_synced_at: str | None = None

    def age_seconds(self, now: datetime | None = None) -> float:
        now = now or datetime.now(UTC)
        return (now - datetime.fromisoformat(self.updated_at)).total_seconds()

    def is_stale(self, now: datetime | None = None) -> bool:
        """Older than three missed writes (plus slack for a busy machine)."""
        return self.age_seconds(now) > 3 * self.interval_seconds + 10

    def sync_age_seconds(self) -> float | None:
        """How long before this status was written the index last synced."""
        if self.index_synced_at is None:
            return None
        updated = datetime.fromisoformat(self.updated_at)
        return max(0.0, (updated - datetime.fromisoformat(self.index_synced_at)).total_seconds())


class StatusFileError(Exception):
    """The status file is missing or not a status file."""


def write_status(path: Path, status: BotStatus) -> None:
    """Replace the status file atomically (write a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(status), handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_status(path: Path) -> BotStatus:
    """The last status the bot wrote. Raises StatusFileError when there is none."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StatusFileError(f"{path}: no status file (the bot has not started)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StatusFileError(f"{path}: cannot read the status file: {exc}") from None
    try:
        status = BotStatus(**raw)
        status.age_seconds()  # a valid timestamp
    except (TypeError, ValueError) as exc:
        raise StatusFileError(f"{path}: not a FactBot status file: {exc}") from None
    return status


def _finite_ms(seconds: float) -> float | None:
    return round(seconds * 1000, 1) if math.isfinite(seconds) else None


def snapshot(bot: discord.Client, *, started_at: str, interval_seconds: float) -> BotStatus:
    """The bot's connection state now: connected only when discord.py is ready
    and every gateway connection (one per shard) is open."""
    ready = bot.is_ready() and not bot.is_closed()
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    if isinstance(bot, discord.AutoShardedClient):
        shards = bot.shards
        connected = ready and bool(shards) and all(not s.is_closed() for s in shards.values())
        shard_ids = sorted(bot.shard_ids or shards)
        shard_count = bot.shard_count
    else:
        ws = bot.ws
        connected = ready and ws is not None and ws.open
    kb = getattr(bot, "kb", None)
    index = kb.sync_state() if kb is not None else None
    return BotStatus(
        connected=bool(connected),
        latency_ms=_finite_ms(bot.latency) if connected else None,
        shard_ids=shard_ids,
        shard_count=shard_count,
        guilds=len(bot.guilds),
        pid=os.getpid(),
        hostname=socket.gethostname(),
        started_at=started_at,
        updated_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        interval_seconds=interval_seconds,
        index_seq=index.applied_seq if index else None,
        index_generation=index.generation if index else None,
        index_synced_at=index.synced_at if index else None,
    )


class HealthReporter:
    """Keeps the status file of one running bot up to date.

    `start(bot)` (from setup_hook) writes "not connected yet" at once, so a
    status file left by an earlier run never passes for this one, and then
    rewrites the file every interval; `changed()` (from the connection events)
    rewrites it now; `stop()` (from close) writes the final "stopped".
    """

    def __init__(self, path: Path, interval_seconds: float = 15.0) -> None:
        self.path = path
        self.interval_seconds = interval_seconds
        self.started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        self._bot: discord.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._failing = False

    def start(self, bot: discord.Client) -> None:
        self._bot = bot
        self._write()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="factbot-health")

    def changed(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_seconds)
            self._wake.clear()
            self._write()

    def _write(self, *, stopped: bool = False) -> None:
        if self._bot is None:
            return
        status = snapshot(
            self._bot, started_at=self.started_at, interval_seconds=self.interval_seconds
        )
        if stopped:
            status = BotStatus(**{**asdict(status), "connected": False, "stopped": True})
        try:
            write_status(self.path, status)
        except OSError as exc:
            if not self._failing:  # once per failure spell, not every interval
                log.error("cannot write the status file %s: %s", self.path, exc)
            self._failing = True
            return
        if self._failing:
            log.info("writing the status file %s again", self.path)
        self._failing = False

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        if self._bot is not None:
            self._write(stopped=True)


# -- reading it: `python -m bot status` -------------------------------------


@dataclass(frozen=True)
class HealthReport:
    """The status file and the database, and what is wrong with them."""

    status_file: Path
    status: BotStatus | None
    database: DatabaseInfo | None
    database_path: Path | str  # the file, or the PostgreSQL URL without its password
    connected: bool = False  # the bot is running, its status fresh, and connected
    problems: list[str] = field(default_factory=list)
    checked_at: str = ""
    # The status of every other process that keeps its status file beside the
    # database (other shard ranges), to compare how far each index has caught up.
    others: list[BotStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


# A sync runs every database.sync_interval_ms; this long without one is a problem.
INDEX_SYNC_LATE_SECONDS = 30.0


def index_lag(status: BotStatus | None, db: DatabaseInfo | None) -> int | None:
    """How many changes in the database the process's index had not applied
    (counted from its last status); None when unknown. A process whose index
    came from another copy of the database (before a restore) is behind by
    every change."""
    if status is None or status.index_seq is None or db is None or db.latest_change is None:
        return None
    if status.index_generation != db.generation:
        return db.latest_change or 1
    return max(0, db.latest_change - status.index_seq)


def other_statuses(config: Config) -> list[BotStatus]:
    """The status files beside the database other than this config's own (the
    default names only: factbot.status.json, factbot.shards-*.status.json)."""
    if config.health.status_file:
        return []
    db, own = config.database.path, status_path(config)
    named = re.compile(rf"{re.escape(db.stem)}(\.shards-[0-9-]+)?\.status\.json")
    found = []
    for path in sorted(db.parent.glob(f"{db.stem}*.status.json")):
        if path != own and named.fullmatch(path.name):
            with contextlib.suppress(StatusFileError):
                found.append(read_status(path))
    return found


def _process_state(status: BotStatus, now: datetime | None = None) -> str:
    if status.stopped:
        return "stopped"
    if _process_gone(status):
        return "exited"
    return "not responding" if status.is_stale(now) else "running"


def _process_gone(status: BotStatus) -> bool:
    """True when the bot ran on this host (or in this container) and its
    process has exited. From another host or container, a pid says nothing."""
    if status.hostname != socket.gethostname():
        return False
    try:
        os.kill(status.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by another user
    return False


def check_health(config: Config, now: datetime | None = None) -> HealthReport:
    """Read the status file and the database; never raises for what it checks."""
    now = now or datetime.now(UTC)
    path = status_path(config)
    problems: list[str] = []
    status: BotStatus | None = None
    connected = False
    try:
        status = read_status(path)
    except StatusFileError as exc:
        problems.append(f"not running: {exc}")
    if status is not None:
        if status.stopped:
            problems.append(f"not running: the bot stopped at {status.updated_at}")
        elif _process_gone(status):
            problems.append(f"not running: process {status.pid} has exited")
        elif status.is_stale(now):
            problems.append(
                f"not responding: the status was last written {status.age_seconds(now):.0f} s ago"
            )
        elif not status.connected:
            problems.append("not connected to Discord")
        else:
            connected = True
        sync_age = status.sync_age_seconds()
        if not status.stopped and sync_age is not None and sync_age > INDEX_SYNC_LATE_SECONDS:
            problems.append(
                f"index out of date: it last picked up database changes {sync_age:.0f} s "
                "before the status was written (see the bot's log)"
            )
    db: DatabaseInfo | None = None
    try:
        db = database_info(config)
    except KnowledgeError as exc:
        problems.append(f"database unreadable: {exc}")
    else:
        if db.schema_state == "newer":
            problems.append(f"database written by a newer FactBot ({', '.join(db.unknown_steps)})")
    return HealthReport(
        status_file=path,
        status=status,
        database=db,
        database_path=db.path if db is not None else database_name(config),
        connected=connected,
        problems=problems,
        checked_at=now.isoformat(timespec="milliseconds"),
        others=other_statuses(config),
    )


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_report(report: HealthReport) -> str:
    """The human-readable report `python -m bot status` prints."""
    status, db = report.status, report.database
    lines = [f"FactBot: {'healthy' if report.healthy else 'UNHEALTHY'}"]
    lines += [f"  problem: {problem}" for problem in report.problems]
    if status is not None:
        latency = f"{status.latency_ms:.0f} ms" if status.latency_ms is not None else "unknown"
        if status.shard_ids is None:
            shards = "unsharded (one connection)"
        else:
            shards = f"{', '.join(map(str, status.shard_ids))} of {status.shard_count}"
        lines += [
            f"  connected:  {'yes' if report.connected else 'no'}",
            f"  latency:    {latency}",
            f"  shards:     {shards}",
            f"  servers:    {status.guilds}",
            f"  process:    {status.pid} on {status.hostname}, started {status.started_at}",
            f"  updated:    {status.updated_at} ({status.age_seconds():.0f} s ago)",
        ]
        lines += _index_lines(status, db)
    lines += _other_lines(report)
    lines.append(f"  status file: {report.status_file}")
    lines.append(f"  database:   {report.database_path}")
    if db is not None:
        wal = f" (+ {_size(db.wal_bytes)} write-ahead log)" if db.wal_bytes else ""
        schema = db.schema_version if db.schema_state == "current" else f"{db.schema_version} "
        if db.schema_state != "current":
            schema += f"({db.schema_state})"
        lines += [
            f"  size:       {_size(db.size_bytes)}{wal}",
            f"  facts:      {db.facts}",
            f"  schema:     {schema}",
        ]
    return "\n".join(lines)


def _index_lines(status: BotStatus, db: DatabaseInfo | None) -> list[str]:
    if status.index_seq is None:
        return []
    age = status.sync_age_seconds()
    synced = f"{age:.1f} s before the status update" if age is not None else "never"
    return [f"  index:      {_index_summary(status, db)}", f"  synced:     {synced}"]


def _index_summary(status: BotStatus, db: DatabaseInfo | None) -> str:
    """ "change 62 of 64 applied, 2 behind" """
    lag = index_lag(status, db)
    latest = f" of {db.latest_change}" if db is not None and db.latest_change is not None else ""
    if lag is None:
        behind = ""
    elif lag == 0:
        behind = ", up to date"
    else:
        behind = f", {lag} behind"
    if db is not None and db.generation and status.index_generation != db.generation:
        behind += " (loaded from another copy of the database: it reloads at its next sync)"
    return f"change {status.index_seq}{latest} applied{behind}"


def _other_lines(report: HealthReport) -> list[str]:
    if not report.others:
        return []
    lines = ["  other processes on this database:"]
    for other in report.others:
        shards = "unsharded" if other.shard_ids is None else f"shards {other.shard_ids}"
        state = _process_state(other)
        index = f": {_index_summary(other, report.database)}" if state == "running" else ""
        lines.append(f"    {shards}, process {other.pid} on {other.hostname} ({state}){index}")
    return lines


def report_json(report: HealthReport) -> dict[str, Any]:
    """The report as one JSON object (`python -m bot status --json`)."""
    status, db = report.status, report.database
    return {
        "healthy": report.healthy,
        "problems": report.problems,
        "checked_at": report.checked_at,
        "connected": report.connected,
        "latency_ms": status.latency_ms if status else None,
        "shard_ids": status.shard_ids if status else None,
        "shard_count": status.shard_count if status else None,
        "guilds": status.guilds if status else None,
        "pid": status.pid if status else None,
        "updated_at": status.updated_at if status else None,
        "index": {
            "applied_change": status.index_seq if status else None,
            "latest_change": db.latest_change if db else None,
            "behind": index_lag(status, db),
            "synced_at": status.index_synced_at if status else None,
            "sync_age_seconds": status.sync_age_seconds() if status else None,
        },
        "other_processes": [
            {
                "shard_ids": other.shard_ids,
                "pid": other.pid,
                "hostname": other.hostname,
                "state": _process_state(other),
                "applied_change": other.index_seq,
                "behind": index_lag(other, db),
                "sync_age_seconds": other.sync_age_seconds(),
            }
            for other in report.others
        ],
        "status_file": str(report.status_file),
        "database": {
            "path": str(report.database_path),
            "readable": db is not None,
            "size_bytes": db.size_bytes if db else None,
            "wal_bytes": db.wal_bytes if db else None,
            "facts": db.facts if db else None,
            "schema_version": db.schema_version if db else None,
            "schema_state": db.schema_state if db else None,
        },
    }


def status_command(config: Config, *, as_json: bool = False) -> int:
    """Print the report; 0 when healthy, else 1 (what a HEALTHCHECK expects)."""
    report = check_health(config)
    if as_json:
        print(json.dumps(report_json(report)))
    else:
        print(format_report(report))
    return 0 if report.healthy else 1
