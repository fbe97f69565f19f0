"""Curation beyond 20,000 facts in a server: /fact search, the near-duplicate
check and id autocomplete read candidates from the full-text index instead of
every fact, and /fact list counts no further than it shows. The limits are
lowered here so a small real fact base takes the same path as a million."""

from __future__ import annotations

import json

import pytest

from bot.cogs.facts._embeds import PER_PAGE, fact_pages
from knowledge.curation import curator as curator_module
from knowledge.curation.build import build
from knowledge.curation.bulk_import import bulk_import
from knowledge.curation.curator import Curator, FactDraft
from knowledge.store import FactStore, fact_search
from knowledge.store import facts as fact_table
from knowledge.store.migrations import SEARCH_ROWS

GUILD, OTHER = 111, 222
BOTH_BACKENDS = True  # PostgreSQL answers the same calls with its own full-text search


@pytest.fixture
def curator(kb, monkeypatch):
    monkeypatch.setattr(curator_module, "SCAN_MAX_FACTS", 0)
    monkeypatch.setattr(fact_search, "SCAN_IDS", 0)
    return Curator(kb)


def draft(text: str, *questions: str, keywords: tuple[str, ...] = ()) -> FactDraft:
    return FactDraft(text=text, questions=questions, keywords=keywords, citation="Club rules")


def add(curator: Curator, text: str, *questions: str, guild: int = GUILD, **kw) -> str:
    return curator.add(draft(text, *questions, **kw), guild_id=guild, actor="admin:1").id


def index_matches_the_facts(store: FactStore) -> None:
    indexed = store.read("select rowid, text, extra from fact_search order by rowid")
    stored = store.read(f"{SEARCH_ROWS} from facts f order by f.rowid")
    assert [tuple(r.values()) for r in indexed] == [tuple(r.values()) for r in stored]


def test_search_finds_every_word_first_then_any_rare_one(curator):
    both = add(curator, "The Zorblat chess club meets in the Quillon hall.")
    one = add(curator, "Zorblat pancakes are served on Sundays.")
    add(curator, "The chess club has forty members.")
    found = [f.id for f in curator.search("zorblat quillon", GUILD)]
    assert found[:2] == [both, one]


def test_search_reads_ids_questions_keywords_and_the_start_of_the_last_word(curator):
    fact = add(
        curator, "Meetings are on Fridays.", "When do the Zorblats meet?", keywords=("moot",)
    )
    assert [f.id for f in curator.search("zorblats", GUILD)] == [fact]
    assert [f.id for f in curator.search("moot", GUILD)] == [fact]
    assert [f.id for f in curator.search("zorbl", GUILD)] == [fact]
    assert [f.id for f in curator.search(fact.split("-")[0], GUILD)][:1] == [fact]


def test_search_keeps_to_the_server_and_to_live_facts(curator):
    fact = add(curator, "The Zorblat trophy is kept in the office.")
    add(curator, "The Zorblat banner hangs in the hall.", guild=OTHER)
    assert [f.id for f in curator.search("zorblat", GUILD)] == [fact]
    curator.remove(fact, guild_id=GUILD, actor="admin:1", is_owner=False)
    assert curator.search("zorblat", GUILD) == []
    assert curator.search("facebook mixi", GUILD)  # the curated facts, seen everywhere


def test_an_edit_changes_what_search_finds(curator, kb):
    fact = add(curator, "The trophy is kept in the Zorblat office.")  # not in its id
    curator.edit(
        fact,
        draft("The trophy is kept in the Quillon office."),
        guild_id=GUILD,
        actor="admin:1",
        is_owner=False,
    )
    assert curator.search("zorblat", GUILD) == []
    assert [f.id for f in curator.search("quillon", GUILD)] == [fact]
    entry = kb.store.audit_entries(fact)[0]["id"]
    curator.rollback(fact, entry, guild_id=GUILD, actor="admin:1", is_owner=False)
    assert [f.id for f in curator.search("zorblat", GUILD)] == [fact]


@pytest.mark.sqlite_only  # PostgreSQL has no index table to keep in step
def test_every_write_path_keeps_the_index_in_step(curator, kb, tmp_path):
    fact = add(curator, "The Zorblat trophy is kept in the office.", "Where is the trophy?")
    curator.edit(fact, draft("Moved."), guild_id=GUILD, actor="a", is_owner=False)
    path = tmp_path / "club.jsonl"
    records = [
        {"id": f"club-{n}", "text": f"Club rule {n}.", "citation": "Rules"} for n in range(5)
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    bulk_import(kb.store, path, guild_id=GUILD, actor="t", apply=True, batch_facts=2)
    records[0]["text"] = "Club rule zero, changed."
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    bulk_import(kb.store, path, guild_id=GUILD, actor="t", apply=True)
    plan = curator.plan_import(
        json.dumps({"facts": [{**records[1], "text": "Rule one, changed."}]}).encode(),
        guild_id=GUILD,
        is_owner=False,
    )
    curator.apply_import(plan, actor="t")
    build(kb.store)
    index_matches_the_facts(kb.store)
    assert [f.id for f in curator.search("changed zero", GUILD)][:1] == ["club-0"]


def test_an_older_database_gets_its_index_when_it_is_upgraded(db_path):
    store = FactStore.open(db_path)
    build(store)
    with store.write() as db:
        db.execute("delete from fact_search")
        db.execute("delete from _sqlite_migrations where name = '0007_fact_search'")
        for table in ("fact_search_words", "fact_search"):
            db.execute(f"drop table {table}")
        for index in ("facts_live_by_update", "facts_removed_by_update"):
            db.execute(f"drop index {index}")
    store.close()
    store = FactStore.open(db_path)
    try:
        assert store.schema_version == "0007_fact_search"
        index_matches_the_facts(store)
        assert store.read("select count(*) n from fact_search")[0]["n"] == 59
    finally:
        store.close()


def test_near_duplicates_come_from_facts_sharing_the_rarest_words(curator):
    fact = add(curator, "The Zorblat chess club meets every Friday in the Quillon hall.")
    add(curator, "The chess club meets every Friday.", guild=OTHER)
    found = curator.near_duplicates(
        "The Zorblat chess club meets every Friday in Quillon hall", GUILD
    )
    assert [f.id for f, _ in found] == [fact]
    assert curator.near_duplicates("Pancakes are served on Sundays in the canteen.", GUILD) == []
    article = curator.near_duplicates("Facebook had some 11 million users in Japan in 2011", GUILD)
    assert article and article[0][0].id == "facebook-passes-mixi-nielsen"
    assert (
        curator.near_duplicates(
            "The Zorblat chess club meets every Friday in the Quillon hall.", GUILD, exclude=fact
        )
        == []
    )


def test_autocomplete_puts_ids_that_start_with_the_text_first(curator):
    first = add(curator, "Zorblat rules are posted weekly.")
    second = add(curator, "The Zorblat cup is in March.")
    assert curator.fact_ids("zorblat", GUILD) == [first, second]
    assert curator.fact_ids("facebook-passes", GUILD) == ["facebook-passes-mixi-nielsen"]
    assert curator.fact_ids("zorblat", OTHER) == []
    curator.remove(first, guild_id=GUILD, actor="a", is_owner=False)
    assert curator.fact_ids("blat-rules", GUILD, removed=True) == [first]  # removed: any part


def test_a_long_list_is_counted_only_as_far_as_it_is_shown(curator, monkeypatch):
    monkeypatch.setattr(fact_table, "LIST_COUNT_MAX", 30)
    monkeypatch.setattr("bot.cogs.facts._embeds.LIST_COUNT_MAX", 30)
    facts, total = curator.list_page(GUILD, per_page=10)
    assert len(facts) == 10 and total == 31
    pages = -(-30 // PER_PAGE)
    footer = fact_pages("Facts", facts, total, 0).footer.text
    assert footer == f"Page 1 of {pages}+ · 30+ fact(s)"
    removed, count = curator.list_page(GUILD, removed=True)
    assert removed == [] and count == 0
