"""The saved index: a process starts from the file beside the fact base when
it fits, answers exactly as a fresh build would, catches up with what changed
while it was down, and never uses a stale, damaged or foreign file."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.generate import Generator
from benchmarks.measure import run_import
from knowledge.config import Config, IndexConfig, index_path
from knowledge.curation.curator import Curator, FactDraft
from knowledge.retrieval import index_file
from knowledge.retrieval.evaluation import load_items
from knowledge.retrieval.index_file import (
    IndexFileError,
    IndexKey,
    fingerprint,
    read_index,
    write_index,
)
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

from .test_live_sync import GUILD, MEETUP, add_meetup, move_meetup_to_saturday

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = (
    REPO / "tests" / "data" / "article_questions.jsonl",
    REPO / "tests" / "data" / "blind" / "article_blind_a.jsonl",
)


def reopen(config: Config) -> KnowledgeBase:
    """A new process's KnowledgeBase on the same file."""
    return KnowledgeBase(FactStore.open(config.database.path), config)


def started_from_the_file(config: Config) -> bool:
    """Whether a new process's KnowledgeBase loaded the saved index."""
    kb = reopen(config)
    kb.close()
    return kb.loaded_saved_index


def fresh(config: Config) -> KnowledgeBase:
    """One that builds its index from the facts, never from a file."""
    return reopen(replace(config, index=IndexConfig(persist=False)))


def rankings(kb: KnowledgeBase, questions: list[str], guild_id: int | None = None) -> list:
    return [kb.retriever.ranked_ids(q, guild_id) for q in questions]


def article_questions() -> list[str]:
    return [item.question for path in QUESTION_FILES for item in load_items(path)]


@pytest.fixture
def saved(kb):
    """The fact base with its index saved by a first process, now stopped."""
    kb.close()
    path = index_path(kb.config)
    assert path is not None and path.exists()
    return kb.config


def test_a_built_index_is_saved_beside_the_fact_base(kb):
    position = kb.store.feed_position()
    kb.close()  # waits for the background write
    assert not kb.loaded_saved_index
    key, arrays = read_index(kb.config.database.path.with_name("factbot.index"))
    assert (key.generation, key.seq) == (position.generation, position.seq)
    assert len(arrays["facts.live"]) == len(kb.retriever)


def test_the_next_start_loads_it_and_answers_as_a_fresh_build(saved):
    questions = article_questions()
    loaded, built = reopen(saved), fresh(saved)
    try:
        assert loaded.loaded_saved_index and not built.loaded_saved_index
        assert len(loaded.retriever) == len(built.retriever) > 50
        assert rankings(loaded, questions) == rankings(built, questions)
        assert loaded.retriever.vocabulary() == built.retriever.vocabulary()
        asked = loaded.ask(questions[0], log=False).answer
        assert asked.facts == built.ask(questions[0], log=False).answer.facts
    finally:
        loaded.close()
        built.close()


def test_generated_facts_and_a_servers_own_rank_the_same_from_the_file(config):
    run_import(400, config.database.path, seed=7)
    first = reopen(config)
    curator = Curator(first)
    generated = list(Generator(8).synthetic(30))
    for fact in generated:
        curator.add(
            FactDraft(
                text=fact.text,
                questions=fact.questions,
                keywords=fact.keywords,
                citation="https://example.org/faq Server FAQ",
            ),
            guild_id=GUILD,
            actor="admin:1",
        )
    first.close()
    questions = [q.text for q in Generator(7).questions(400, 150)]
    questions += [q for f in generated for q in f.questions]
    second = reopen(config)  # from the file saved before the adds, caught up
    built = fresh(config)
    try:
        assert second.loaded_saved_index
        for guild_id in (None, GUILD):
            assert rankings(second, questions, guild_id) == rankings(built, questions, guild_id)
        assert len(second.retriever) == 430
    finally:
        second.close()
        built.close()


def test_a_change_made_while_stopped_is_caught_up_from_the_feed(saved):
    first = reopen(saved)
    kept = add_meetup(first)  # its index now differs from the file
    first.close()
    saved_key, _ = read_index(index_path(saved))  # type: ignore[arg-type]
    offline = fresh(saved)  # the terminal, while the bot is down
    move_meetup_to_saturday(Curator(offline), kept.id)
    assert saved_key.seq < offline.store.feed_position().seq
    offline.close()

    restarted = reopen(saved)
    try:
        assert restarted.loaded_saved_index
        shown = restarted.ask(MEETUP, guild_id=GUILD, log=False).answer.facts[0].fact
        assert shown.id == kept.id and "Saturday" in shown.text
        assert restarted.sync_state().applied_seq == restarted.store.feed_position().seq
    finally:
        restarted.close()


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip a byte in the arrays", "flip a byte in the header", "empty"],
)
def test_a_damaged_file_is_rebuilt_never_used(saved, damage, caplog):
    path = index_path(saved)
    assert path is not None
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip a byte in the arrays":
        data[len(data) * 2 // 3] ^= 0x40
    elif damage == "flip a byte in the header":
        data[30] ^= 0x01
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFileError):
        read_index(path)

    with caplog.at_level(logging.WARNING, logger="factbot.knowledge"):
        kb = reopen(saved)
    try:
        assert not kb.loaded_saved_index
        assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
        assert str(path) in caplog.records[0].message
        assert kb.ask("How many users did Facebook have in Japan?", log=False).answer.facts
    finally:
        kb.close()
    read_index(path)  # written anew
    assert started_from_the_file(saved)


def test_a_file_made_with_other_code_or_lexicon_is_rebuilt(saved):
    path = index_path(saved)
    assert path is not None
    key, arrays = read_index(path)
    write_index(path, replace(key, fingerprint="0" * 32), dict(arrays))
    assert not started_from_the_file(saved)
    assert read_index(path)[0].fingerprint == key.fingerprint  # saved anew


def test_a_lexicon_changed_behind_the_feeds_back_is_not_reused(saved):
    # Written straight into the file: no row in the change feed says so.
    with sqlite3.connect(saved.database.path) as conn:
        conn.execute("update lexicon_entries set phrase = phrase || 'x' where rowid = 1")
    assert not started_from_the_file(saved)


def test_without_the_retrieval_code_to_hash_no_fingerprint_repeats(tmp_path, monkeypatch):
    monkeypatch.setattr(index_file, "_PACKAGE", tmp_path)  # e.g. only .pyc files installed
    assert fingerprint(b"lexicon") != fingerprint(b"lexicon")


def test_the_fingerprint_covers_the_retrieval_code_and_the_data(tmp_path, monkeypatch):
    package = tmp_path / "knowledge"
    for name in (
        "retrieval/retriever.py",
        "retrieval/normalize.py",
        "data/lexicon/vectors.npz",
        "models.py",
    ):
        target = package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((Path(index_file.__file__).parent.parent / name).read_bytes())
    monkeypatch.setattr(index_file, "_PACKAGE", package)
    before = fingerprint(b"lexicon")
    assert fingerprint(b"lexicon") == before
    assert fingerprint(b"lexicon 2") != before
    for name in ("retrieval/normalize.py", "data/lexicon/vectors.npz"):
        target = package / name
        original = target.read_bytes()
        target.write_bytes(original + b"\n")
        assert fingerprint(b"lexicon") != before, name
        target.write_bytes(original)
    assert fingerprint(b"lexicon") == before


def test_a_file_of_another_format_version_is_refused(saved, monkeypatch):
    monkeypatch.setattr(index_file, "FORMAT_VERSION", index_file.FORMAT_VERSION + 1)
    with pytest.raises(IndexFileError, match="format"):
        read_index(index_path(saved))  # type: ignore[arg-type]
    assert not started_from_the_file(saved)


def test_another_generation_is_rebuilt(saved):
    path = index_path(saved)
    assert path is not None
    key, arrays = read_index(path)
    write_index(path, replace(key, generation="restored"), dict(arrays))
    assert not started_from_the_file(saved)


def test_turned_off_nothing_is_saved(config):
    from knowledge.curation.build import build

    off = replace(config, index=IndexConfig(persist=False))
    store = FactStore.open(config.database.path)
    build(store)
    kb = KnowledgeBase(store, off)
    kb.close()
    assert index_path(off) is None
    assert not list(config.database.path.parent.glob("*.index"))


def test_the_file_goes_where_index_path_says(config, tmp_path):
    from knowledge.curation.build import build

    elsewhere = tmp_path / "cache" / "facts.index"
    elsewhere.parent.mkdir()
    placed = replace(config, index=IndexConfig(path=str(elsewhere)))
    store = FactStore.open(config.database.path)
    build(store)
    generation = store.feed_position().generation
    KnowledgeBase(store, placed).close()
    assert read_index(elsewhere)[0].generation == generation
    assert not list(config.database.path.parent.glob("*.index"))


def test_with_postgresql_configured_no_index_is_saved(config):
    pg = replace(config, database=replace(config.database, url="postgresql://u@h/db"))
    assert index_path(pg) is None


def test_written_files_carry_their_key(tmp_path):
    import numpy as np

    path = tmp_path / "x.index"
    key = IndexKey("g", 5, "f" * 32)
    write_index(path, key, {"a": np.arange(5, dtype=np.int32), "b": np.zeros((2, 3), np.float32)})
    found, arrays = read_index(path)
    assert found == key
    assert arrays["a"].tolist() == [0, 1, 2, 3, 4] and arrays["b"].shape == (2, 3)
    assert not list(tmp_path.glob(".*tmp"))


def test_a_restored_index_changes_as_a_built_one_does(config):
    """Edits, removals and additions to facts the file holds, and to ones added
    since, leave a restored index ranking as a built one changed the same way."""
    run_import(300, config.database.path, seed=11)
    reopen(config).close()  # builds and saves
    restored, built = reopen(config), fresh(config)
    try:
        assert restored.loaded_saved_index
        facts = list(built.retriever.facts())
        extra = list(Generator(12).synthetic(20))
        for kb in (restored, built):
            retriever = kb.retriever
            for fact in facts[100:110]:
                retriever.remove(fact.id)
            for fact in facts[110:120]:
                retriever.upsert(replace(fact, text=fact.text + " It was moved to Osaka in 2019."))
            for fact in extra:
                retriever.upsert(replace(fact, id=f"extra-{fact.id}"))
            retriever.remove(f"extra-{extra[0].id}")
        questions = [q for f in facts[95:125] + extra for q in f.questions]
        questions += [q.text for q in Generator(11).questions(300, 60)]
        assert rankings(restored, questions) == rankings(built, questions)
        assert len(restored.retriever) == len(built.retriever) == 300 - 10 + 19
        assert set(restored.retriever.facts()) == set(built.retriever.facts())
        assert facts[100].id not in restored.retriever and facts[110].id in restored.retriever
        for seed in ("hi", "hello there", "thanks", "lol"):
            assert restored.example_question(None, seed) == built.example_question(None, seed)
        edited = restored.retriever.answer_with(facts[110].id, "where?").facts[0].fact
        assert edited.text.endswith("Osaka in 2019.")
    finally:
        restored.close()
        built.close()
