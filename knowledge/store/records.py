"""Turning facts into rows and records and back, and citations from facts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from typing import Any

from ..models import Citation, Fact, Source
from .backend import Tx


def fact_to_record(fact: Fact) -> dict[str, Any]:
    """The fact as a plain record, in the curated-file format (every field of
    Fact, in order; built directly, as `asdict` costs 30 times more)."""
    record = {name: getattr(fact, name) for name in _FACT_FIELDS}
    record["questions"] = list(fact.questions)
    record["keywords"] = list(fact.keywords)
    return record


_FACT_FIELDS = tuple(f.name for f in fields(Fact))


def fact_from_record(record: dict[str, Any]) -> Fact:
    """The inverse of fact_to_record (e.g. a version kept in the audit log)."""
    return fact_from_row(record, tuple(record["questions"]), tuple(record["keywords"]))


def record_hash(record: dict[str, Any]) -> str:
    """A stable digest of a fact record."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fact_columns(fact: Fact) -> dict[str, Any]:
    """The fact's own columns in the facts table, in the table's order
    (questions and keywords live apart)."""
    return {name: getattr(fact, name) for name in _FACT_COLUMNS}


_FACT_COLUMNS = (
    "id",
    "text",
    "source_id",
    "paragraph",
    "quote",
    "citation_note",
    "origin",
    "guild_id",
)


def fact_from_row(
    row: dict[str, Any], questions: tuple[str, ...], keywords: tuple[str, ...]
) -> Fact:
    """A Fact from a facts-table row and its questions and keywords."""
    return Fact(
        id=row["id"],
        text=row["text"],
        source_id=row["source_id"],
        paragraph=row["paragraph"],
        quote=row["quote"] or "",
        questions=questions,
        keywords=keywords,
        origin=row["origin"],
        guild_id=row["guild_id"],
        citation_note=row["citation_note"] or "",
    )


def source_to_row(source: Source) -> dict[str, Any]:
    """A Source as a sources-table row (paragraphs as JSON)."""
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "date": source.date,
        "url": source.url,
        "attribution": source.attribution,
        "paragraphs": json.dumps(list(source.paragraphs), ensure_ascii=False),
    }


def source_from_row(row: dict[str, Any]) -> Source:
    """The inverse of source_to_row."""
    return Source(
        id=row["id"],
        title=row["title"],
        publisher=row["publisher"],
        date=row["date"],
        url=row["url"],
        paragraphs=tuple(json.loads(row["paragraphs"] or "[]")),
        attribution=row["attribution"] or "",
    )


def insert_audit_row(
    tx: Tx,
    now: str,
    actor: str,
    action: str,
    fact_id: str | None,
    guild_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """One audit-log row: who, when, what, and the record before and after."""
    tx.insert(
        "audit_log",
        {
            "at": now,
            "actor": actor,
            "action": action,
            "fact_id": fact_id,
            "guild_id": guild_id,
            "before": json.dumps(before, ensure_ascii=False) if before else None,
            "after": json.dumps(after, ensure_ascii=False) if after else None,
        },
    )


def citation_for(fact: Fact, sources: dict[str, Source]) -> Citation:
    """How the fact is cited: its source's title, date and link, or, for an
    admin fact without a source, its citation note (and the first link in it)."""
    source = sources.get(fact.source_id) if fact.source_id else None
    if source is None:
        return Citation(
            source_title=fact.citation_note or "Added by a server admin",
            publisher="",
            date="",
            paragraph=None,
            quote=fact.quote,
            url=_first_url(fact.citation_note),
        )
    return Citation(
        source_title=source.title,
        publisher=source.publisher,
        date=source.date,
        paragraph=fact.paragraph,
        quote=fact.quote,
        url=source.url,
    )


def _first_url(text: str) -> str:
    for word in text.split():
        if word.startswith(("https://", "http://")):
            return word
    return ""
