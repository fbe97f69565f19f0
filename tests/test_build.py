"""Building the fact base from the repo's files: verified, atomic, idempotent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.curation.build import build, load_curated
from knowledge.errors import CitationError, FactFileError
from knowledge.store import FactStore
from knowledge.store.pg_copy import COPIED_TABLES
from tests.factories import admin_fact

BOTH_BACKENDS = True
FACTS_FILE = "facts/japan-times-2012-01-04-social-media.toml"


def dump(store: FactStore) -> list[str]:
    """Everything in the database: SQLite's full dump (the search index too), or
    on PostgreSQL every table's rows."""
    if store.path is not None:
        return list(store.db.conn.iterdump())
    return [
        f"{table}: {sorted(map(repr, store.read(f'select * from {table}')))}"
        for table in COPIED_TABLES
    ]


def edit(root: Path, old: str, new: str, count: int = 1) -> None:
    path = root / FACTS_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in the facts file"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_curated_facts_cover_the_article_with_verified_quotes():
    data = load_curated()
    assert 40 <= len(data.facts) <= 80
    paragraphs = {fact.paragraph for fact in data.facts}
    assert paragraphs == set(range(1, 9))
    source = data.sources["japan-times-2012-01-04-social-media"]
    for fact in data.facts:
        assert fact.quote in source.paragraphs[fact.paragraph - 1]
        assert len(fact.questions) >= 3, fact.id
        assert fact.keywords, fact.id


def test_subscription_appeal_is_not_a_fact_paragraph():
    source = load_curated().sources["japan-times-2012-01-04-social-media"]
    assert len(source.paragraphs) == 8
    assert not any("subscribing" in p for p in source.paragraphs)


def test_wrong_quote_stops_the_build_naming_file_and_fact(curated_root, store):
    edit(curated_root, "with some 11 million users", "with some 12 million users")
    with pytest.raises(CitationError) as caught:
        build(store, curated_root)
    message = str(caught.value)
    assert "japan-times-2012-01-04-social-media.toml" in message
    assert "facebook-passes-mixi-nielsen" in message


def test_quote_in_the_wrong_paragraph_is_rejected(curated_root, store):
    edit(
        curated_root,
        'id = "facebook-passes-mixi-nielsen"\nparagraph = 2',
        'id = "facebook-passes-mixi-nielsen"\nparagraph = 3',
    )
    with pytest.raises(CitationError, match="paragraph 3"):
        build(store, curated_root)


def test_straight_quotes_match_the_articles_curly_ones(curated_root, store):
    edit(curated_root, "“The Social Network,”", '\\"The Social Network,\\"')
    build(store, curated_root)
    fact = store.get_fact("social-network-movie-spurred-facebook-growth")
    assert "“The Social Network,”" in fact.quote  # stored as the source has it


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'source = "japan-times-2012-01-04-social-media"',
            'source = "no-such-source"',
            "unknown source",
        ),
        (
            'id = "phones-went-down-march-11"',
            'id = "social-media-came-of-age-japan-2011"',
            "duplicate id",
        ),
        (
            'text = "Phones went down in Japan',
            'texts = "Phones went down in Japan',
            "unknown field 'texts'",
        ),
        (
            'text = "Phones went down in Japan',
            'text = 5\n# "Phones went down in Japan',
            "text must be text, not a number",
        ),
        ('[[facts]]\nid = "phones-went-down-march-11"', '[[facts]\nid = "x"', "not valid TOML"),
    ],
)
def test_malformed_fact_file_names_the_problem(curated_root, store, old, new, expected):
    edit(curated_root, old, new)
    with pytest.raises(FactFileError, match=expected) as caught:
        build(store, curated_root)
    assert "japan-times-2012-01-04-social-media.toml" in str(caught.value)


def test_broken_file_leaves_the_database_exactly_as_it_was(curated_root, store):
    build(store, curated_root)
    before = dump(store)
    edit(curated_root, 'text = "Phones went down', 'text = "Phones went down for good')
    edit(curated_root, "with some 11 million users", "with some 99 million users")
    with pytest.raises(CitationError):
        build(store, curated_root)
    assert dump(store) == before


def test_rebuild_is_idempotent(curated_root, store):
    first = build(store, curated_root)
    assert len(first.added) == len(load_curated(curated_root).facts)
    snapshot = dump(store)
    second = build(store, curated_root)
    assert not second.changed
    assert second.unchanged == len(first.added)
    assert dump(store) == snapshot


def test_edited_fact_is_updated_and_audited(curated_root, store):
    build(store, curated_root)
    edit(curated_root, 'text = "Phones went down in Japan', 'text = "Telephones went down in Japan')
    report = build(store, curated_root)
    assert report.updated == ("phones-went-down-march-11",)
    assert store.get_fact("phones-went-down-march-11").text.startswith("Telephones")
    actions = [entry["action"] for entry in store.audit_entries("phones-went-down-march-11")]
    assert actions == ["create", "update"]


def test_admin_facts_survive_a_rebuild(curated_root, store):
    build(store, curated_root)
    meetup = admin_fact(
        "server-meetup",
        "The server meetup is on Fridays.",
        questions=("When is the meetup?",),
        keywords=("meetup",),
        guild_id=42,
        citation_note="Pinned post in #events",
    )
    store.add_fact(meetup, actor="admin:1")
    build(store, curated_root)
    assert store.get_fact("server-meetup") == meetup
    assert store.fact_counts(42)["admin"] == 1


def test_fact_removed_from_the_file_is_retired_then_restored(curated_root, store):
    build(store, curated_root)
    path = curated_root / FACTS_FILE
    original = path.read_text(encoding="utf-8")
    without = re.sub(
        r'\[\[facts\]\]\nid = "phones-went-down-march-11".*?(?=\n\[\[facts\]\])',
        "",
        original,
        flags=re.S,
    )
    assert without != original
    path.write_text(without, encoding="utf-8")

    report = build(store, curated_root)
    assert report.retired == ("phones-went-down-march-11",)
    assert all(f.id != "phones-went-down-march-11" for f in store.live_facts())
    assert store.get_fact("phones-went-down-march-11", include_deleted=True)

    path.write_text(original, encoding="utf-8")
    report = build(store, curated_root)
    assert report.restored == ("phones-went-down-march-11",)
    actions = [e["action"] for e in store.audit_entries("phones-went-down-march-11")]
    assert actions == ["create", "retire", "restore"]
