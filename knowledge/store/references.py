"""The tables facts refer to: the sources they cite and the word aliases."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Citation, Fact, Source
from .backend import Tx
from .changes import ALIASES, LEXICON, SOURCES, record_change
from .connection import StoreConnection
from .records import citation_for, source_from_row, source_to_row


class References(StoreConnection):
    """Reads the sources and aliases tables."""

    def sources(self) -> dict[str, Source]:
        return {
            row["id"]: source_from_row(row)
            for row in self.read("select * from sources order by id")
        }

    def aliases(self) -> dict[str, str]:
        return {r["alias"]: r["canonical"] for r in self.read("select * from aliases")}

    def lexicon_entries(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """The curated lexicon the build wrote, as in its files: kind
        ("description", "synonym", "filler") -> canonical -> phrases."""
        found: dict[str, dict[str, list[str]]] = {}
        for r in self.read("select * from lexicon_entries order by kind, canonical, position"):
            found.setdefault(r["kind"], {}).setdefault(r["canonical"], []).append(r["phrase"])
        return {k: {c: tuple(p) for c, p in v.items()} for k, v in found.items()}

    def citation(self, fact: Fact, sources: dict[str, Source] | None = None) -> Citation:
        sources = self.sources() if sources is None else sources
        return citation_for(fact, sources)


def upsert_sources(tx: Tx, sources: Iterable[Source]) -> None:
    """Add or replace sources, inside a write (FactStore.write); unchanged
    sources are left alone."""
    current = {r["id"]: r for r in tx.query("select * from sources")}
    changed = [row for row in map(source_to_row, sources) if current.get(row["id"]) != row]
    for row in changed:
        tx.upsert("sources", row, pk=("id",))
    if changed:
        record_change(tx, SOURCES)


def replace_aliases(tx: Tx, aliases: dict[str, str]) -> None:
    """Make the alias table hold exactly `aliases`, inside a write; unchanged
    aliases are left alone."""
    current = {r["alias"]: r["canonical"] for r in tx.query("select * from aliases")}
    if current != aliases:
        tx.execute("delete from aliases")
        tx.executemany(
            "insert into aliases (alias, canonical) values (?, ?)", sorted(aliases.items())
        )
        record_change(tx, ALIASES)


def replace_lexicon_entries(tx: Tx, rows: list[dict[str, object]]) -> None:
    """Make lexicon_entries hold exactly `rows`, inside a write; tell the other
    processes when they changed."""
    columns = ("kind", "canonical", "position", "phrase")
    current = {tuple(r[c] for c in columns) for r in tx.query("select * from lexicon_entries")}
    wanted = {tuple(r[c] for c in columns) for r in rows}
    if current != wanted:
        tx.execute("delete from lexicon_entries")
        tx.executemany(
            "insert into lexicon_entries (kind, canonical, position, phrase) values (?, ?, ?, ?)",
            [tuple(r[c] for c in columns) for r in rows],
        )
        record_change(tx, LEXICON)
