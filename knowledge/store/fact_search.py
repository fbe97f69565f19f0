"""Finding facts among a million without reading them all, on SQLite: the
full-text index `fact_search` (SQLite FTS5, migration 0007) over each fact's text and its id,
questions and keywords, and `fact_search_words`, how many facts use each word.

The write primitives in knowledge.store.facts keep the index in step
(`index_for_search`, in the transaction of every change). Queries use the
rarest words first: a word in half the facts would make FTS5 score half the
facts, so the common ones only narrow what the rare ones found.

On PostgreSQL, PgFactSearch (pg_search.py) answers the same calls with
PostgreSQL's own full-text search, and there is no index table to keep.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .backend import Dialect, Tx, ids_param
from .connection import StoreConnection
from .migrations import SEARCH_ROWS

# A match reaching at most this many facts is ranked (bm25, about 4 µs a
# fact); a larger one is taken in storage order, as a scan would find it.
RANKED_MAX = 5000
MAX_WORDS = 12  # words of a query looked up
# Up to this many live facts in a server, id autocomplete finds a fragment
# anywhere in an id by reading every id; beyond, at the start of an id's words.
SCAN_IDS = 20_000
WORD = re.compile(r"[^\W_]+")
SCOPE = "f.deleted_at is null and (+f.guild_id is null or +f.guild_id is not distinct from ?)"


def search_words(text: str) -> list[str]:
    """The words of a text as the index holds them (lowercase, no accents), each once."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return list(dict.fromkeys(WORD.findall(plain)))


def children_text(dialect: Dialect) -> str:
    """SQL for fact `f`'s questions, then its keywords, each joined with spaces."""
    return (
        f"coalesce((select {dialect.joined('question', 'position')} from fact_questions q "
        "where q.fact_id = f.id), '') || ' ' || "
        f"coalesce((select {dialect.joined('keyword', 'position')} from fact_keywords k "
        "where k.fact_id = f.id), '')"
    )


def index_for_search(tx: Tx, fact_ids: Iterable[str]) -> None:
    """Inside a write: make the search rows of these facts what is stored now
    (SQLite's FTS5 table; PostgreSQL searches the facts themselves)."""
    if tx.dialect.name != "sqlite":
        return
    ids = ids_param(fact_ids)
    tx.execute(
        "delete from fact_search where rowid in "
        "(select rowid from facts where id in (select value from json_each(?)))",
        [ids],
    )
    tx.execute(
        f"insert into fact_search (rowid, text, extra) {SEARCH_ROWS} "
        "from facts f where f.id in (select value from json_each(?))",
        [ids],
    )


class FactSearch(StoreConnection):
    """Candidate facts for /fact search and the near-duplicate check."""

    def scope_has_more_than(self, guild_id: int | None, count: int) -> bool:
        """True when more than `count` live facts are visible in the server."""
        rows = self.read(
            f"select count(*) n from (select 1 from facts f where {SCOPE} limit ?) found",
            [guild_id, count + 1],
        )
        return bool(rows[0]["n"] > count)

    def fact_ids_like(
        self, fragment: str, guild_id: int | None, *, removed: bool, limit: int
    ) -> list[str]:
        """Ids of live (or removed) facts visible in the server: those starting
        with `fragment` first, in order, then others containing it. Among more
        than SCAN_IDS live facts, "containing" means at the start of one of the
        id's words (found through the search index), so no query reads them all."""
        scope = (
            f"f.deleted_at is {'not ' if removed else ''}null "
            + SCOPE[len("f.deleted_at is null ") :]
        )
        found = self._ids_starting(fragment, scope, guild_id, limit, removed=removed)
        words = WORD.findall(fragment)
        if len(found) >= limit or not words:
            return found
        more = self._ids_containing(
            fragment, words, scope, guild_id, limit + len(found), removed=removed
        )
        return found + [i for i in more if i not in found][: limit - len(found)]

    # The order ids are listed in (PostgreSQL: as SQLite compares text).
    ID_ORDER = "id"

    def _ids_where(
        self, condition: str, params: list[object], scope: str, guild_id: int | None, limit: int
    ) -> list[str]:
        """Ids of the facts in `scope` that meet `condition`, in id order."""
        return [
            r["id"]
            for r in self.read(
                f"select id from facts f where {condition} and {scope} "
                f"order by {self.ID_ORDER} limit ?",
                [*params, guild_id, limit],
            )
        ]

    def _ids_starting(
        self, fragment: str, scope: str, guild_id: int | None, limit: int, *, removed: bool
    ) -> list[str]:
        plus = "+" if removed else ""  # removed facts: read from their small index, not every id
        return self._ids_where(
            f"{plus}id >= ? and {plus}id < ?",
            [fragment, fragment + "\U0010ffff"],
            scope,
            guild_id,
            limit,
        )

    def _scans_ids(self, guild_id: int | None, *, removed: bool) -> bool:
        """Whether "containing" reads every id in scope (few enough of them, or
        removed ones) rather than the start of their words in the search index."""
        return removed or not self.scope_has_more_than(guild_id, SCAN_IDS)

    def _ids_containing(
        self,
        fragment: str,
        words: list[str],
        scope: str,
        guild_id: int | None,
        limit: int,
        *,
        removed: bool,
    ) -> list[str]:
        if self._scans_ids(guild_id, removed=removed):
            return self._ids_where(
                self.dialect.contains("f.id", "?"), [fragment], scope, guild_id, limit
            )
        match = "extra : (" + " ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*']) + ")"
        rows = self.read(
            "select f.id from fact_search s join facts f on f.rowid = s.rowid "
            f"where fact_search match ? and {scope} limit 500",
            [match, guild_id],
        )
        return sorted(r["id"] for r in rows if fragment in r["id"])

    def search_fact_ids(self, query: str, guild_id: int | None, *, limit: int) -> list[str]:
        """Live facts visible in the server that have every word of the query
        (the last one may start a word) in their text, id, questions or
        keywords, best first; then, to fill `limit`, those with any of its
        rarer words."""
        words = search_words(query)[:MAX_WORDS]
        if not words:
            return []
        # The last word may be the start of one (the query is typed left to
        # right); a short one stays whole, as it starts too many words.
        terms = {w: f'"{w}"' for w in words}
        if len(words[-1]) >= 3:
            terms[words[-1]] += "*"
        counts = self._word_counts(words[:-1]) | self._word_counts(
            words[-1:], prefix=terms[words[-1]].endswith("*")
        )
        found = self._match(" ".join(terms.values()), guild_id, limit)
        if len(found) < limit and len(words) > 1:
            rare = [w for w in words if 0 < counts[w] <= RANKED_MAX] or [
                min(words, key=counts.__getitem__)
            ]
            for fact_id in self._match(" OR ".join(terms[w] for w in rare), guild_id, limit):
                if fact_id not in found:
                    found[fact_id] = ""
                if len(found) >= limit:
                    break
        return list(found)

    def similar_texts(self, text: str, guild_id: int | None, *, budget: int) -> dict[str, str]:
        """id -> text of live facts in the server whose text shares the rarest
        words of `text`: as many of them as together reach at most `budget`
        facts (at least the rarest one)."""
        counts = {w: n for w, n in self._word_counts(search_words(text)).items() if n}
        chosen: list[str] = []
        reached = 0
        for word in sorted(counts, key=counts.__getitem__):
            if chosen and reached + counts[word] > budget:
                break
            chosen.append(word)
            reached += counts[word]
        if not chosen:
            return {}
        match = "text : (" + " OR ".join(f'"{w}"' for w in chosen) + ")"
        rows = self.read(
            "select f.id, f.text from fact_search s join facts f on f.rowid = s.rowid "
            f"where fact_search match ? and {SCOPE} "
            f"{'order by s.rank ' if reached > budget else ''}limit ?",
            [match, guild_id, budget],
        )
        return {r["id"]: r["text"] for r in rows}

    def _match(self, match: str, guild_id: int | None, limit: int) -> dict[str, str]:
        """The first `limit` facts in scope the FTS5 query matches: best first
        when it matches few enough to rank, else in storage order."""
        reached = self.read(
            "select count(*) n from (select 1 from fact_search where fact_search match ? limit ?)",
            [match, RANKED_MAX + 1],
        )[0]["n"]
        ranked = reached <= RANKED_MAX
        rows = self.read(
            "select f.id from fact_search s join facts f on f.rowid = s.rowid "
            f"where fact_search match ? and {SCOPE} {'order by s.rank ' if ranked else ''}limit ?",
            [match, guild_id, limit],
        )
        return {r["id"]: "" for r in rows}

    def _word_counts(self, words: list[str], *, prefix: bool = False) -> dict[str, int]:
        """How many facts use each word (with prefix=True: words starting with
        it, summed over at most 200 of them, an upper bound)."""
        counts = {}
        for word in words:
            if prefix:
                rows = self.read(
                    "select coalesce(sum(doc), 0) n from (select doc from fact_search_words "
                    "where term >= ? and term < ? limit 200)",
                    [word, word + "\U0010ffff"],
                )
            else:
                rows = self.read("select doc n from fact_search_words where term = ?", [word])
            counts[word] = int(rows[0]["n"]) if rows else 0
        return counts
