"""Curating facts: what server admins and the bot owner do to the fact base.

Every operation takes the server it happens in (None: the command line, which
acts as the bot owner over every scope); those that change an existing fact
also say whether the caller is the bot owner. Curated facts are global and only
the owner may change them; admin facts belong to one server and are invisible
everywhere else. Changes reach the retriever at once, with no rebuild.

A change confirmed after a preview (an import's dry run, an edit form, a
confirm button) passes back the versions the preview saw, and is refused with
FactChangedError if any fact changed in between: it never overwrites what it
did not see.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process, utils

from ..errors import (
    AlreadyAppliedError,
    FactChangedError,
    FactFileError,
    FactNotFoundError,
    KnowledgeError,
    ScopeConflictError,
)
from ..models import Citation, Fact, Source
from ..retrieval.normalize import fold
from ..service import KnowledgeBase
from ..store import citation_for, fact_from_record, fact_to_record
from ..store.facts import LIST_COUNT_MAX as LIST_COUNT_MAX  # shown by /fact list
from .fact_files import ADMIN_LIMITS, CURATED_LIMITS, clean_text, parse_fact

_NEW_ID_TRIES = 5  # a random id already taken (about 1 in 16 million) is drawn again
DUPLICATE_SCORE = 85.0  # rapidfuzz token_set_ratio at which a new fact looks like a repeat
MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_FACTS = 2000
# Where a file over those limits goes instead (what the refusals say).
TERMINAL_IMPORT_HINT = (
    "Larger files load from the terminal: `python -m knowledge fact import FILE "
    "--guild SERVER_ID --apply` (JSON or JSON Lines, any number of facts)."
)
UNANSWERED_GROUP_SCORE = 85.0
# Up to this many facts in a server, search and the near-duplicate check read
# every one (typos found too; some 100 ms for 3,000 on a busy 2-core machine);
# beyond, the full-text index picks candidates.
SCAN_MAX_FACTS = 2000
DUPLICATE_CANDIDATES = 2000  # facts compared with a new one, beyond SCAN_MAX_FACTS


class NotAllowedError(KnowledgeError):
    """The caller may not make this change (e.g. a curated fact, not the owner)."""


class InvalidFactError(KnowledgeError):
    """A submitted fact breaks a rule; the message says which, for the user."""


@dataclass(frozen=True)
class FactDraft:
    """What an admin submits to add or edit a fact (plain values, unvalidated)."""

    text: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    source_id: str | None = None
    paragraph: int | None = None
    quote: str = ""
    citation: str = ""  # a free-text citation (URL and note) for facts from elsewhere

    @classmethod
    def from_fact(cls, fact: Fact) -> FactDraft:
        return cls(
            text=fact.text,
            questions=fact.questions,
            keywords=fact.keywords,
            source_id=fact.source_id,
            paragraph=fact.paragraph,
            quote=fact.quote,
            citation=fact.citation_note,
        )


@dataclass(frozen=True)
class FactDetails:
    fact: Fact
    citation: Citation
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str
    removed: bool
    votes_up: int
    votes_down: int


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: str
    actor: str
    action: str
    changes: tuple[str, ...]  # "text", "questions", ... what differs from before


@dataclass(frozen=True)
class UnansweredGroup:
    """Near-identical unanswered questions, with how often they were asked."""

    question: str  # the most recent wording
    count: int
    question_ids: tuple[int, ...]


@dataclass
class ImportPlan:
    """A dry run of an import: nothing is written until it is applied, and it
    applies only to the facts as they were when it was made (`versions`)."""

    added: list[Fact] = field(default_factory=list)
    changed: list[Fact] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (id or #n, reason)
    versions: dict[str, str | None] = field(default_factory=dict)  # of every fact it writes
    applied: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def summary(self) -> str:
        lines = [
            f"{len(self.added)} to add, {len(self.changed)} to change, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected."
        ]
        lines += [f"  rejected {what}: {why}" for what, why in self.rejected[:20]]
        if len(self.rejected) > 20:
            lines.append(f"  … and {len(self.rejected) - 20} more rejected")
        return "\n".join(lines)


class Curator:
    """Add, edit, remove, restore, review, export and import facts."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.store = kb.store

    # -- reading ---------------------------------------------------------
    def visible_fact(
        self, fact_id: str, guild_id: int | None, *, include_removed: bool = False
    ) -> Fact:
        """The fact if it exists in this scope; FactNotFoundError otherwise (a
        fact of another server is reported exactly like a missing one)."""
        fact = self.store.get_fact(fact_id, include_deleted=True)
        if guild_id is not None and fact.guild_id not in (None, guild_id):
            raise FactNotFoundError(f"no fact with id {fact_id!r}")
        if not include_removed and self.store.fact_meta(fact_id)["deleted_at"] is not None:
            raise FactNotFoundError(f"fact {fact_id!r} is removed; restore it first")
        return fact

    def show(self, fact_id: str, guild_id: int | None) -> FactDetails:
        fact = self.visible_fact(fact_id, guild_id, include_removed=True)
        meta = self.store.fact_meta(fact_id)
        up, down = self.store.fact_votes(fact_id)
        return FactDetails(
            fact=fact,
            citation=citation_for(fact, self.kb.retriever.sources),
            created_by=meta["created_by"] or "",
            created_at=meta["created_at"] or "",
            updated_by=meta["updated_by"] or "",
            updated_at=meta["updated_at"] or "",
            removed=meta["deleted_at"] is not None,
            votes_up=up,
            votes_down=down,
        )

    def list_page(
        self, guild_id: int | None, *, removed: bool = False, page: int = 0, per_page: int = 10
    ) -> tuple[list[Fact], int]:
        """A page of the server's facts, newest first, and how many there are
        (counted up to LIST_COUNT_MAX + 1: more reads as that)."""
        return self.store.facts_in_scope(
            guild_id, deleted=removed, limit=per_page, offset=page * per_page
        )

    def search(self, query: str, guild_id: int | None, *, limit: int = 50) -> list[Fact]:
        """Facts whose text, questions, keywords or id match the query, best first."""
        query = clean_text(query)
        if not query:
            return []
        if self.store.scope_has_more_than(guild_id, SCAN_MAX_FACTS):
            # Too many to read: the full-text index's facts with the query's
            # words, or words starting with them (no typos), best first.
            ids = self.store.search_fact_ids(query, guild_id, limit=limit)
        else:
            found = process.extract(
                query,
                self.store.fact_texts(guild_id, with_questions=True),
                scorer=fuzz.partial_token_set_ratio,
                processor=utils.default_process,
                score_cutoff=70,
                limit=limit,
            )
            ids = [key for _, _, key in found]
        return [self.store.get_fact(key) for key in ids]

    def fact_ids(
        self, prefix: str, guild_id: int | None, *, removed: bool = False, limit: int = 25
    ) -> list[str]:
        """Ids for autocomplete: those starting with `prefix` first, then those
        containing it (see FactStore.fact_ids_like), at most `limit`."""
        return self.store.fact_ids_like(
            fold(prefix).strip(), guild_id, removed=removed, limit=limit
        )

    def history(self, fact_id: str, guild_id: int | None) -> list[HistoryEntry]:
        self.visible_fact(fact_id, guild_id, include_removed=True)
        entries = []
        for row in self.store.audit_entries(fact_id):
            before = json.loads(row["before"]) if row["before"] else {}
            after = json.loads(row["after"]) if row["after"] else {}
            changes = tuple(
                k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)
            )
            entries.append(HistoryEntry(row["id"], row["at"], row["actor"], row["action"], changes))
        return entries

    # -- changing --------------------------------------------------------
    def validate(
        self,
        draft: FactDraft,
        *,
        guild_id: int | None,
        fact_id: str | None = None,
        origin: str = "admin",
    ) -> Fact:
        """The draft as a Fact, checked like the curated files are, with the admin
        limits. Raises InvalidFactError with a message for the user."""
        record = {
            "id": fact_id or self._new_id(draft.text),
            "text": draft.text,
            "questions": list(draft.questions),
            "keywords": list(draft.keywords),
            "source": draft.source_id or None,
            "paragraph": draft.paragraph,
            "quote": draft.quote,
            "citation": draft.citation,
        }
        return self.validate_record(record, guild_id=guild_id, origin=origin)

    def validate_record(
        self, record: Mapping[str, Any], *, guild_id: int | None, origin: str = "admin"
    ) -> Fact:
        """A fact record (as in a fact file or an export) checked by the one
        validator every path uses, `parse_fact`: a field of the wrong type is
        refused by name, never dropped. Raises InvalidFactError."""
        return validate_record(record, self.kb.retriever.sources, guild_id=guild_id, origin=origin)

    def near_duplicates(
        self, text: str, guild_id: int | None, *, exclude: str | None = None, limit: int = 3
    ) -> list[tuple[Fact, float]]:
        """Live facts in scope that say nearly the same thing, best first. Among
        more than SCAN_MAX_FACTS, those compared share the text's rarest words."""
        if self.store.scope_has_more_than(guild_id, SCAN_MAX_FACTS):
            texts = self.store.similar_texts(text, guild_id, budget=DUPLICATE_CANDIDATES)
        else:
            texts = self.store.fact_texts(guild_id)
        if exclude is not None:
            texts.pop(exclude, None)
        found = process.extract(
            text,
            texts,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=DUPLICATE_SCORE,
            limit=limit,
        )
        return [(self.store.get_fact(key), score) for _, score, key in found]

    def version(self, fact_id: str) -> str | None:
        """The fact's current version (None: no such fact), for a preview to pass
        back to the change it confirms."""
        return self.store.fact_versions([fact_id])[fact_id]

    def add(self, draft: FactDraft, *, guild_id: int | None, actor: str) -> Fact:
        """Save a new admin fact for this server (curated facts come from files,
        so being the bot owner makes no difference here)."""
        if guild_id is None:
            raise NotAllowedError("an admin fact needs a server (use --guild)")
        for _ in range(_NEW_ID_TRIES):
            fact = self.validate(draft, guild_id=guild_id)
            try:  # a new id, written only while no fact has it: never a replacement
                self.store.save_facts([fact], actor=actor, expected={fact.id: None})
            except (FactChangedError, ScopeConflictError):
                continue
            self.kb.index(fact)
            return fact
        raise KnowledgeError("could not find a free id for the new fact; nothing was written")

    def edit(
        self,
        fact_id: str,
        draft: FactDraft,
        *,
        guild_id: int | None,
        actor: str,
        is_owner: bool,
        expected: str | None = None,
    ) -> Fact:
        """Replace the fact with the draft. With `expected` (the version the
        admin's form was made from), raises FactChangedError if the fact has
        changed since, and writes nothing."""
        current = self.visible_fact(fact_id, guild_id)
        self._check_may_change(current, is_owner)
        fact = self.validate(
            draft, guild_id=current.guild_id, fact_id=fact_id, origin=current.origin
        )
        versions = {fact_id: expected} if expected is not None else None
        with _redo_hint("open the form again"):
            self.store.save_facts([fact], actor=actor, expected=versions)
        self.kb.index(fact)
        return fact

    def remove(
        self,
        fact_id: str,
        *,
        guild_id: int | None,
        actor: str,
        is_owner: bool,
        expected: str | None = None,
    ) -> Fact:
        """Remove (hide) the fact; with `expected`, only if it is still that version."""
        fact = self.visible_fact(fact_id, guild_id)
        self._check_may_change(fact, is_owner)
        with _redo_hint("run /fact remove again"):
            self.store.set_deleted(fact_id, deleted=True, actor=actor, expected=expected)
        self.kb.unindex(fact_id)
        return fact

    def restore(self, fact_id: str, *, guild_id: int | None, actor: str, is_owner: bool) -> Fact:
        fact = self.visible_fact(fact_id, guild_id, include_removed=True)
        self._check_may_change(fact, is_owner)
        if self.store.fact_meta(fact_id)["deleted_reason"] == "retired":
            raise NotAllowedError(
                f"{fact_id!r} was retired from the curated files; add it back there"
            )
        self.store.set_deleted(fact_id, deleted=False, actor=actor)
        self.kb.index(fact)
        return fact

    def rollback(
        self,
        fact_id: str,
        entry_id: int,
        *,
        guild_id: int | None,
        actor: str,
        is_owner: bool,
        expected: str | None = None,
    ) -> Fact:
        """Make the fact what it was right after history entry `entry_id`; with
        `expected`, only if it is still the version the history was shown for."""
        current = self.visible_fact(fact_id, guild_id, include_removed=True)
        self._check_may_change(current, is_owner)
        rows = [r for r in self.store.audit_entries(fact_id) if r["id"] == entry_id]
        if not rows or not rows[0]["after"]:
            raise FactNotFoundError(f"no version {entry_id} of {fact_id!r} to roll back to")
        fact = dataclasses.replace(
            fact_from_record(json.loads(rows[0]["after"])),
            id=fact_id,
            origin=current.origin,
            guild_id=current.guild_id,
        )
        versions = {fact_id: expected} if expected is not None else None
        with _redo_hint("open /fact history again"):
            self.store.save_facts([fact], actor=actor, action="rollback", expected=versions)
        if self.store.fact_meta(fact_id)["deleted_at"] is None:
            self.kb.index(fact)
        return fact

    # -- the review queue ------------------------------------------------
    def unanswered(self, guild_id: int | None, *, limit: int = 10) -> list[UnansweredGroup]:
        """Unanswered questions, near-duplicates grouped, most asked first."""
        groups: list[tuple[str, str, list[int]]] = []  # (key, latest wording, ids)
        for row in self.store.unanswered(guild_id):
            key = " ".join(self.kb.retriever.normalizer.content_tokens(row["question"])) or fold(
                row["question"]
            )
            best = process.extractOne(
                key,
                [g[0] for g in groups],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=UNANSWERED_GROUP_SCORE,
            )
            if best is None:
                groups.append((key, row["question"], [row["id"]]))
            else:
                groups[best[2]][2].append(row["id"])
        ranked = sorted(groups, key=lambda g: (-len(g[2]), -max(g[2])))
        return [UnansweredGroup(g[1], len(g[2]), tuple(g[2])) for g in ranked[:limit]]

    def dismiss(self, question_ids: Iterable[int], *, guild_id: int | None, actor: str) -> int:
        return self.store.mark_reviewed(question_ids, guild_id=guild_id, actor=actor)

    # -- export and import -------------------------------------------------
    def export(self, guild_id: int | None) -> str:
        """This scope's facts as JSON in the curated-file format. Curated facts
        carry "curated": true; admin facts are those of this server."""
        records = []
        for fact in self._scope_facts(guild_id, every_server=guild_id is None):
            record: dict[str, Any] = {
                "id": fact.id,
                "text": fact.text,
                "questions": list(fact.questions),
                "keywords": list(fact.keywords),
            }
            if fact.source_id:
                record |= {
                    "source": fact.source_id,
                    "paragraph": fact.paragraph,
                    "quote": fact.quote,
                }
            else:
                record |= {"citation": fact.citation_note, "quote": fact.quote}
            record["curated"] = fact.origin == "curated"
            if fact.origin == "admin" and guild_id is None:
                record["guild_id"] = fact.guild_id
            records.append(record)
        return json.dumps(
            {"format": "factbot-facts/1", "facts": records}, ensure_ascii=False, indent=2
        )

    def plan_import(self, data: bytes, *, guild_id: int | None, is_owner: bool) -> ImportPlan:
        """Validate every record; nothing is written. Raises InvalidFactError when
        the file as a whole is unusable (too big, not JSON, wrong shape, text
        that is not Unicode)."""
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidFactError(
                f"the file is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,}"
            )
        records = parse_import_json(data)
        if len(records) > MAX_IMPORT_FACTS:
            raise InvalidFactError(
                f"the file has {len(records):,} facts; the limit is {MAX_IMPORT_FACTS:,}. "
                + TERMINAL_IMPORT_HINT
            )
        plan = ImportPlan()
        seen: set[str] = set()
        for number, record in enumerate(records, start=1):
            label = f"#{number}"
            try:
                if not isinstance(record, Mapping):
                    raise InvalidFactError("not an object")
                label = str(record.get("id") or label)[:80]
                if label in seen:
                    raise InvalidFactError("the id appears twice in the file")
                seen.add(label)
                self._plan_record(plan, record, guild_id=guild_id, is_owner=is_owner)
            except (InvalidFactError, NotAllowedError, FactNotFoundError) as exc:
                plan.rejected.append((label, str(exc)))
        return plan

    def apply_import(self, plan: ImportPlan, *, actor: str) -> None:
        """Write a plan's additions and changes in one transaction, if every fact
        it writes is still as it was at the dry run. Raises FactChangedError if
        not, AlreadyAppliedError the second time, ScopeConflictError if a fact
        became another scope's; in each case nothing is written."""
        with plan._lock:
            if plan.applied:
                raise AlreadyAppliedError(
                    f"This import was already applied ({len(plan.added)} added, "
                    f"{len(plan.changed)} changed); nothing more was written."
                )
            with _redo_hint("run the import again"):
                self.store.save_facts(
                    [*plan.added, *plan.changed],
                    actor=actor,
                    action="import",
                    expected=plan.versions,
                )
            plan.applied = True
        for fact in [*plan.added, *plan.changed]:
            if self.store.fact_meta(fact.id)["deleted_at"] is None:
                self.kb.index(fact)

    def _plan_record(
        self, plan: ImportPlan, record: Mapping[str, Any], *, guild_id: int | None, is_owner: bool
    ) -> None:
        fact_id = check_record_id(record)
        version = self.store.fact_versions([fact_id])[fact_id] if fact_id else None
        existing = None
        if fact_id is not None and version is not None:
            existing = self.store.get_fact(fact_id, include_deleted=True)
        kind, fact = plan_record(
            record,
            existing,
            self.kb.retriever.sources,
            guild_id=guild_id,
            is_owner=is_owner,
            new_id=self._new_id,
        )
        if kind == "unchanged":
            plan.unchanged.append(fact.id)
            return
        (plan.added if kind == "added" else plan.changed).append(fact)
        plan.versions[fact.id] = version

    # -- helpers ---------------------------------------------------------
    def _scope_facts(self, guild_id: int | None, *, every_server: bool = False) -> list[Fact]:
        facts = self.store.live_facts()
        if every_server:
            return facts
        return [f for f in facts if f.guild_id in (None, guild_id)]

    @staticmethod
    def _check_may_change(fact: Fact, is_owner: bool) -> None:
        check_may_change(fact, is_owner)

    def _new_id(self, text: str) -> str:
        return f"{id_stem(text)}-{secrets.token_hex(3)}"


def validate_record(
    record: Mapping[str, Any],
    sources: Mapping[str, Source],
    *,
    guild_id: int | None,
    origin: str = "admin",
) -> Fact:
    """A fact record checked by `parse_fact` with the limits of its origin (see
    Curator.validate_record). Raises InvalidFactError."""
    try:
        return parse_fact(
            record,
            sources,
            where="fact",
            origin=origin,
            guild_id=guild_id if origin == "admin" else None,
            limits=ADMIN_LIMITS if origin == "admin" else CURATED_LIMITS,
        )
    except FactFileError as exc:
        raise InvalidFactError(str(exc).removeprefix("fact: ")) from None


def check_record_id(record: Mapping[str, Any]) -> str | None:
    """An import record's id (None: a new fact); InvalidFactError if it is not text."""
    fact_id = record.get("id")
    if fact_id is not None and not (isinstance(fact_id, str) and fact_id):
        raise InvalidFactError("id must be text (or left out, for a new fact)")
    return fact_id


def plan_record(
    record: Mapping[str, Any],
    existing: Fact | None,
    sources: Mapping[str, Source],
    *,
    guild_id: int | None,
    is_owner: bool,
    new_id: Callable[[str], str],
) -> tuple[str, Fact]:
    """What importing one record does: ("added" | "changed" | "unchanged", the
    fact). `existing` is the stored fact with the record's id (removed or not),
    `new_id` makes an id from a text for a record without one. Raises
    InvalidFactError or NotAllowedError when the record is refused."""
    fields = {k: v for k, v in record.items() if k not in _PLACEMENT_FIELDS}
    if existing is not None:
        if guild_id is not None and existing.guild_id not in (None, guild_id):
            raise NotAllowedError("that id belongs to a fact of another server")
        fact = validate_record(
            fields | {"id": existing.id},
            sources,
            guild_id=existing.guild_id,
            origin=existing.origin,
        )
        if fact_to_record(fact) == fact_to_record(existing):
            return "unchanged", existing
        check_may_change(existing, is_owner)
        return "changed", fact
    if record.get("curated"):
        raise NotAllowedError("curated facts come from the repo's files and can't be imported")
    target_guild = guild_id if guild_id is not None else record.get("guild_id")
    if not isinstance(target_guild, int) or isinstance(target_guild, bool):
        raise InvalidFactError("an admin fact needs a server (guild_id)")
    text = fields.get("text")
    fact_id = record.get("id") or new_id(text if isinstance(text, str) else "")
    return "added", validate_record(fields | {"id": fact_id}, sources, guild_id=target_guild)


def check_may_change(fact: Fact, is_owner: bool) -> None:
    """Raises NotAllowedError when a curated fact would be changed by someone
    other than the bot owner."""
    if fact.origin == "curated" and not is_owner:
        raise NotAllowedError(
            "curated facts come from the article and only the bot owner can change them"
        )


def id_stem(text: str) -> str:
    """The readable start of a new fact's id: the text's first words."""
    words = re.findall(r"[a-z0-9]+", fold(text).encode("ascii", "ignore").decode())[:6]
    return "-".join(words)[:60].strip("-") or "fact"


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: a repeated key (two "text"s)
    would otherwise keep only the last, silently."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


_DECODER = json.JSONDecoder(object_pairs_hook=_object_once)  # made once: 40 µs a line saved

# Fields of an exported record that say where a fact belongs, not what it is.
_PLACEMENT_FIELDS = ("curated", "guild_id")


def parse_import_json(data: bytes, *, whole_file: bool = True) -> Any:
    """The records of an import file (its "facts" list, or a bare list), or
    with whole_file=False the one value of a JSON Lines line. Raises
    InvalidFactError when it is not JSON, not Unicode, has a key twice in one
    object, or (a whole file) has no list of facts."""
    try:
        parsed = _DECODER.decode(data.decode("utf-8-sig"))
        # "\ud800" escapes decode to lone surrogates, which SQLite cannot store
        # (only an escape can make one: the bytes were decoded strictly).
        if b"\\u" in data:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidFactError("the file holds text that is not valid Unicode") from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, numbers too long
        raise InvalidFactError(f"the file is not valid JSON: {exc}") from None
    if not whole_file:
        return parsed
    records = parsed.get("facts") if isinstance(parsed, dict) else parsed
    if not isinstance(records, list):
        raise InvalidFactError('the file needs a "facts" list (as /fact export writes it)')
    return records


@contextmanager
def _redo_hint(redo: str) -> Iterator[None]:
    """FactChangedError raised inside says what to do now: `redo`."""
    try:
        yield
    except FactChangedError as exc:
        raise FactChangedError(exc.fact_ids, redo) from None
