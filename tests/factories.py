"""Test data built the same way everywhere: facts admins add from Discord or the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from knowledge.models import Fact


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
