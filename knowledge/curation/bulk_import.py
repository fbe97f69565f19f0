"""Importing a large file of facts from the terminal (`python -m knowledge fact
import FILE`): the `/fact export` JSON, or JSON Lines (one fact object a line).

Two passes over the file. The first checks every record with the validator
every path uses (Curator's `plan_record`, hence `parse_fact`) and writes
nothing: the dry run. The second (with apply=True) reads the file again and
writes it in batches, each one transaction that plans its records against the
database as it is inside that transaction, writes them through the one write
path, announces them to running bots with one change-feed row, and raises the
import's `written` count in the journal (knowledge.store.imports). JSON Lines
are read a line at a time, never whole.

Stopped part-way (killed, a full disk), an import leaves whole batches and a
journal row that says how far it got; running the same file again writes what
is missing (what was written reads as unchanged) and marks it finished. A
record without an id gets one made from its text and server, so running a
file again never adds its facts twice. No index is built here: a running bot
reindexes the written facts from the change feed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError
from ..models import Fact, Source
from ..store import FactStore, utc_now
from ..store.facts import import_facts, stored_facts
from ..store.imports import note_written
from .curator import (
    InvalidFactError,
    NotAllowedError,
    check_record_id,
    id_stem,
    parse_import_json,
    plan_record,
)

BATCH_FACTS = 2000  # records planned and written per transaction
LISTED_REJECTIONS = 50  # rejections named in the report; the rest are counted
_HEAD_BYTES = 1 << 20  # read to tell JSON from JSON Lines

# phase ("checking" or "writing"), done, total: bytes read while checking,
# facts written while writing.
Progress = Callable[[str, int, int], None]


@dataclass
class BulkImportReport:
    """What an import found (the dry run) or did (applied)."""

    file_format: str  # "json" or "jsonl"
    records: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)  # (where, why), the first ones
    applied: bool = False
    written: int = 0  # facts added or changed by the batches written
    import_id: int | None = None  # its journal row, once writing started

    def summary(self) -> str:
        lines = [
            f"{self.added} to add, {self.changed} to change, "
            f"{self.unchanged} unchanged, {self.rejected} rejected "
            f"({self.records:,} records, {'JSON Lines' if self.file_format == 'jsonl' else 'JSON'})."
        ]
        lines += [f"  rejected {where}: {why}" for where, why in self.rejections]
        if self.rejected > len(self.rejections):
            lines.append(f"  … and {self.rejected - len(self.rejections):,} more rejected")
        return "\n".join(lines)


class ImportInterruptedError(KnowledgeError):
    """Writing stopped part-way; the message says how far it got and what to do."""


def bulk_import(
    store: FactStore,
    path: Path,
    *,
    guild_id: int | None,
    actor: str,
    apply: bool = False,
    progress: Progress | None = None,
    batch_facts: int = BATCH_FACTS,
) -> BulkImportReport:
    """Check every record of the file and, with apply=True, write the valid
    ones in batches (see the module docstring). The terminal acts as the bot
    owner: curated facts may be changed, and `guild_id` (or each record's
    `guild_id`) names the server a new fact belongs to.

    Raises InvalidFactError when the file as a whole is unusable (unreadable,
    not JSON, wrong shape), and ImportInterruptedError when writing stops
    part-way (the batches written stay, and the journal says so)."""
    source = _FactFile(path, guild_id)
    sources = store.sources()
    report = BulkImportReport(source.file_format)
    planner = _Planner(sources, guild_id)
    for chunk in source.chunks(batch_facts, progress, "checking"):
        found = store.stored_facts([fact_id for _, _, fact_id in chunk if fact_id])
        added, changed = planner.plan(chunk, found, report)
        report.added += len(added)
        report.changed += len(changed)
    checked = source.fingerprint()
    if not apply or not (report.added or report.changed):
        return report

    to_write = report.added + report.changed
    import_id = store.start_import(path.name, source.digest, guild_id, actor, to_write)
    report.import_id = import_id
    written = BulkImportReport(source.file_format)  # what the writing pass finds
    planner = _Planner(sources, guild_id)
    try:
        if progress:
            progress("writing", 0, to_write)
        for chunk in source.chunks(batch_facts, None, "writing"):
            if source.fingerprint()[:2] != checked[:2]:
                raise KnowledgeError("the file changed while it was being imported")
            with store.write() as db:
                found = stored_facts(db, [fact_id for _, _, fact_id in chunk if fact_id])
                added, changed = planner.plan(chunk, found, written)
                import_facts(db, added, changed, actor=actor, now=utc_now())
                note_written(db, import_id, len(added) + len(changed))
            written.added += len(added)
            written.changed += len(changed)
            report.written += len(added) + len(changed)
            if progress:
                progress("writing", min(report.written, to_write), to_write)
        if source.digest != checked[2]:
            raise KnowledgeError("the file changed while it was being imported")
        store.finish_import(import_id, source.digest)
    except (KnowledgeError, OSError) as exc:
        raise ImportInterruptedError(
            f"the import stopped after writing {report.written:,} of {to_write:,} facts "
            f"({exc}); what was written is kept; run the same import again to finish it"
        ) from exc
    written.applied = True
    written.written, written.import_id = report.written, import_id
    return written


def unfinished_import_notes(store: FactStore) -> list[str]:
    """A line for each import that stopped before it finished (or is running)."""
    return [
        f"An import of {record.file} (started {record.started_at}) has written "
        f"{record.written:,} of {record.to_write:,} facts, the last at {record.updated_at}, "
        "and has not finished: if it is not still running, run the same file again "
        "to finish it."
        for record in store.unfinished_imports()
    ]


# A record as read: where it is ("line 3" / "#3", with its id once known),
# the parsed object (or an _Unreadable), and its id (made up when it has none).
_Entry = tuple[str, Any, str | None]


@dataclass(frozen=True)
class _Unreadable:
    reason: str


class _Planner:
    """Plans records a chunk at a time, remembering the ids already seen."""

    def __init__(self, sources: Mapping[str, Source], guild_id: int | None) -> None:
        self.sources = sources
        self.guild_id = guild_id
        self.seen: dict[str, str] = {}  # fact id -> where it was first

    def plan(
        self,
        chunk: list[_Entry],
        found: Mapping[str, tuple[Fact, str]],
        report: BulkImportReport,
    ) -> tuple[list[Fact], list[Fact]]:
        added: list[Fact] = []
        changed: list[Fact] = []
        for where, record, fact_id in chunk:
            report.records += 1
            try:
                if isinstance(record, _Unreadable):
                    raise InvalidFactError(record.reason)
                if fact_id is None:
                    raise InvalidFactError("not an object")
                if fact_id in self.seen:
                    raise InvalidFactError(
                        f"the id {fact_id} appears twice in the file (also {self.seen[fact_id]})"
                        if record.get("id")
                        else f"the same text as {self.seen[fact_id]}"
                    )
                self.seen[fact_id] = where
                existing = found.get(fact_id)
                kind, fact = plan_record(
                    {**record, "id": fact_id},
                    existing[0] if existing else None,
                    self.sources,
                    guild_id=self.guild_id,
                    is_owner=True,
                    new_id=str,  # never called: every record has its id by now
                )
            except (InvalidFactError, NotAllowedError) as exc:
                report.rejected += 1
                if len(report.rejections) < LISTED_REJECTIONS:
                    report.rejections.append((where, str(exc)))
                continue
            if kind == "unchanged":
                report.unchanged += 1
            else:
                (added if kind == "added" else changed).append(fact)
        return added, changed


class _FactFile:
    """The records of a JSON or JSON Lines file, read in chunks, with the
    digest of the bytes read so far."""

    def __init__(self, path: Path, guild_id: int | None) -> None:
        self.path = path
        self.guild_id = guild_id  # the server of records that name none
        try:
            with path.open("rb") as file:
                head = file.read(_HEAD_BYTES)
        except OSError as exc:
            raise InvalidFactError(f"{path}: cannot read: {exc.strerror or exc}") from None
        self.file_format = _format_of(path, head)
        self.digest = ""

    def fingerprint(self) -> tuple[int, int, str]:
        """Size, modification time and digest of the last complete read."""
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise InvalidFactError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        return stat.st_size, stat.st_mtime_ns, self.digest

    def chunks(self, size: int, progress: Progress | None, phase: str) -> Iterator[list[_Entry]]:
        entries = self._jsonl() if self.file_format == "jsonl" else self._json()
        total = max(1, self.fingerprint()[0])
        chunk: list[_Entry] = []
        for entry, done in entries:
            chunk.append(entry)
            if len(chunk) >= size:
                yield chunk
                chunk = []
                if progress:
                    progress(phase, done, total)
        if chunk:
            yield chunk
            if progress:
                progress(phase, total, total)

    def _entry(self, where: str, record: Any, *, by_id: bool) -> _Entry:
        """Where the record is, the record, and its id (None: not an object)."""
        if isinstance(record, _Unreadable) or not isinstance(record, Mapping):
            return where, record, None
        try:
            fact_id = check_record_id(record)
        except InvalidFactError as exc:
            return where, _Unreadable(str(exc)), None
        if fact_id is not None:
            label = fact_id[:80] if by_id else f"{where} ({fact_id[:80]})"
            return label, record, fact_id
        server = self.guild_id if self.guild_id is not None else record.get("guild_id")
        return where, record, _stable_id(record.get("text"), server)

    def _json(self) -> Iterator[tuple[_Entry, int]]:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise InvalidFactError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        self.digest = hashlib.sha256(data).hexdigest()
        records = parse_import_json(data)
        for number, record in enumerate(records, start=1):
            yield self._entry(f"#{number}", record, by_id=True), len(data) * number // len(records)

    def _jsonl(self) -> Iterator[tuple[_Entry, int]]:
        digest = hashlib.sha256()
        done = 0
        try:
            with self.path.open("rb") as file:
                for number, line in enumerate(file, start=1):
                    digest.update(line)
                    done += len(line)
                    if number == 1:
                        line = line.removeprefix(b"\xef\xbb\xbf")
                    if line.strip():
                        yield self._entry(f"line {number}", _parse_line(line), by_id=False), done
        except OSError as exc:
            raise InvalidFactError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        self.digest = digest.hexdigest()


def _format_of(path: Path, head: bytes) -> str:
    """ "jsonl" for a .jsonl/.ndjson file or one whose first line is a whole
    object that is not an export; "json" otherwise."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"{"):
        return "json"
    try:
        first = json.loads(text.split(b"\n", 1)[0])
    except ValueError:
        return "json"  # an object over several lines (or longer than the head)
    return (
        "json" if isinstance(first, dict) and ("facts" in first or "format" in first) else "jsonl"
    )


def _parse_line(line: bytes) -> Any:
    try:
        record = parse_import_json(line, whole_file=False)
    except InvalidFactError as exc:
        return _Unreadable(str(exc).replace("the file", "the line"))
    return record


def _stable_id(text: Any, server: Any) -> str:
    """The id of a record without one: its first words and a digest of its text
    and server, the same every time the file is read."""
    text = text if isinstance(text, str) else ""
    digest = hashlib.sha256(f"{server}\n{text}".encode("utf-8", "replace")).hexdigest()
    return f"{id_stem(text)}-{digest[:10]}"
