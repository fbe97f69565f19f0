"""Test data built the same way everywhere: admin facts, and fact bases holding them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from knowledge.config import Config
from knowledge.curation.build import build
from knowledge.curation.curator import Curator
from knowledge.curation.form import FormFields, draft_from_form
from knowledge.models import Fact
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore


def admin_fact(
    fact_id: str,
    text: str,
    *,
    questions: Iterable[str] = (),
    keywords: Iterable[str] = (),
    guild_id: int | None = None,
    citation_note: str = "",
    quote: str = "",
) -> Fact:
    """A fact an admin added (in `guild_id`'s server), cited by a note, not a source."""
    return Fact(
        id=fact_id,
        text=text,
        source_id=None,
        paragraph=None,
        quote=quote,
        questions=tuple(questions),
        keywords=tuple(keywords),
        origin="admin",
        guild_id=guild_id,
        citation_note=citation_note,
    )


def knowledge_base_with(path: Path, fields: FormFields, guild_id: int) -> KnowledgeBase:
    """A KnowledgeBase over the article's facts, built in a real SQLite file at
    `path`, plus one fact an admin of `guild_id` added with the /fact add form."""
    store = FactStore.open(path)
    build(store)
    kb = KnowledgeBase(store, Config())
    Curator(kb).add(
        draft_from_form(fields, shown=FormFields(), base=None, source_ids=kb.retriever.sources),
        guild_id=guild_id,
        actor="test",
    )
    return kb
