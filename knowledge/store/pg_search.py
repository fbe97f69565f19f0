"""Finding facts on PostgreSQL: the calls FactSearch answers on SQLite with its
FTS5 index, answered with PostgreSQL's full-text search.

A fact's document is `to_tsvector('simple', ...)` of its text, id, questions
and keywords, computed as it is searched (there is no index table to keep in
step); the near-duplicate check reads the text alone, through the GIN index
`facts_text_search`. The 'simple' configuration lowercases words and keeps
them whole (no stemming, no stop words); unlike SQLite's index it keeps
accents, so "cafe" does not find "café". Id autocomplete is `starts_with` and
`strpos` over the ids. Fine at curation sizes (tens of thousands of facts); a
search over a million would read them all.
"""

from __future__ import annotations

from .fact_search import MAX_WORDS, SCOPE, FactSearch, children_text, search_words
from .fact_store import FactStore
from .postgres import POSTGRES

_DOCUMENT = "to_tsvector('simple', f.text || ' ' || f.id || ' ' || " + children_text(POSTGRES) + ")"
_TEXT = "to_tsvector('simple', f.text)"  # the expression facts_text_search indexes


class PgFactSearch(FactSearch):
    """Candidate facts for /fact search and the near-duplicate check (PostgreSQL)."""

    ID_ORDER = 'id collate "C"'  # as SQLite orders them

    def _ids_starting(
        self, fragment: str, scope: str, guild_id: int | None, limit: int, *, removed: bool
    ) -> list[str]:
        return self._ids_where("starts_with(f.id, ?)", [fragment], scope, guild_id, limit)

    def _scans_ids(self, guild_id: int | None, *, removed: bool) -> bool:
        return True  # there is no word index of ids to read instead

    def search_fact_ids(self, query: str, guild_id: int | None, *, limit: int) -> list[str]:
        """Live facts visible in the server that have every word of the query
        (the last one may start a word) in their text, id, questions or
        keywords, best first; then, to fill `limit`, those with any of them."""
        words = search_words(query)[:MAX_WORDS]
        if not words:
            return []
        terms = list(words)
        if len(words[-1]) >= 3:  # a short last word stays whole: it starts too many
            terms[-1] += ":*"
        found = dict.fromkeys(self._ranked(" & ".join(terms), _DOCUMENT, guild_id, limit))
        if len(found) < limit and len(words) > 1:
            for fact_id in self._ranked(" | ".join(terms), _DOCUMENT, guild_id, limit):
                found.setdefault(fact_id)
                if len(found) >= limit:
                    break
        return list(found)

    def similar_texts(self, text: str, guild_id: int | None, *, budget: int) -> dict[str, str]:
        """id -> text of live facts in the server whose text shares words of
        `text`, those sharing the most first, at most `budget` of them."""
        words = search_words(text)
        if not words:
            return {}
        rows = self.read(
            "select f.id, f.text from facts f, to_tsquery('simple', ?) q "
            f"where {_TEXT} @@ q and {SCOPE} order by ts_rank({_TEXT}, q) desc, f.id limit ?",
            [" | ".join(words), guild_id, budget],
        )
        return {r["id"]: r["text"] for r in rows}

    def _ranked(self, tsquery: str, document: str, guild_id: int | None, limit: int) -> list[str]:
        """The first `limit` facts in scope the query matches, best first."""
        rows = self.read(
            "select f.id from facts f, to_tsquery('simple', ?) q "
            f"where {document} @@ q and {SCOPE} order by ts_rank({document}, q) desc, "
            "f.row_order limit ?",
            [tsquery, guild_id, limit],
        )
        return [r["id"] for r in rows]


class PostgresFactStore(PgFactSearch, FactStore):
    """A FactStore on PostgreSQL: fact search by PostgreSQL's full-text search."""
