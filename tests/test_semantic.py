"""Closeness in meaning from static word vectors (knowledge/retrieval/semantic.py),
on an invented concert club's FAQ: it offers a fact that shares no word with
the question, and never asserts one."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.config import RetrievalConfig
from knowledge.errors import FactFileError
from knowledge.models import Status
from knowledge.retrieval import semantic
from knowledge.retrieval.normalize import Lexicon, Normalizer
from knowledge.retrieval.retriever import FactScorer, Retriever
from knowledge.retrieval.semantic import WordVectors, default_vectors, lifted
from tests.factories import admin_fact

GUILD, OTHER = 77, 78


def club_facts(guild_id: int = GUILD):
    return [
        admin_fact(
            "rehearsal",
            "Choir rehearsals are on Tuesday evenings in the church hall.",
            questions=["when does the choir rehearse?"],
            guild_id=guild_id,
        ),
        admin_fact(
            "parking",
            "Cars can be left in the supermarket car park after 6pm.",
            questions=["where can I park?"],
            guild_id=guild_id,
        ),
        admin_fact(
            "refreshments",
            "Tea, coffee and biscuits are served after every concert.",
            questions=["are there refreshments?"],
            guild_id=guild_id,
        ),
        admin_fact(
            "tickets",
            "Concert tickets cost £12, or £8 for students.",
            questions=["how much are tickets?"],
            guild_id=guild_id,
        ),
    ]


@pytest.fixture
def club() -> Retriever:
    retriever = Retriever(Normalizer(Lexicon()), RetrievalConfig())
    retriever.load(club_facts())
    return retriever


def test_words_of_one_topic_are_closer_than_unrelated_words():
    words = default_vectors()
    snack = words.text_vector(["snack"], lambda _: 3.0)
    biscuit = float(snack @ words.text_vector(["biscuit"], lambda _: 3.0))
    choir = float(snack @ words.text_vector(["choir"], lambda _: 3.0))
    assert biscuit > 0.5 > choir


def test_a_question_sharing_no_word_with_a_fact_is_offered_that_fact(club):
    answer = club.ask("any snacks or drinks?", guild_id=GUILD)
    assert answer.status is Status.SUGGEST
    assert answer.suggestions[0].fact_id == "refreshments"


def test_closeness_in_meaning_never_asserts_a_fact(club):
    for question in ("any snacks or drinks?", "what do seats cost for the show?"):
        assert club.ask(question, guild_id=GUILD).status is not Status.ANSWER


def test_a_lift_stops_under_the_ceiling_and_keeps_higher_scores():
    assert float(lifted(40.0, 30.0, 61.99)) == pytest.approx(61.99)
    assert float(lifted(30.0, 10.0, 61.99)) == pytest.approx(40.0)
    assert float(lifted(80.0, 10.0, 61.99)) == pytest.approx(80.0)
    assert lifted(np.array([40.0, 80.0]), np.array([30.0, 5.0]), 61.99).tolist() == [61.99, 80.0]


def test_the_exhaustive_scan_scores_closeness_as_the_index_does(club):
    question = "any snacks or drinks?"
    scorer = FactScorer(club, GUILD)
    best = max(scorer(question, club.analyse(f)) for f in club.facts())
    assert club.ranked_ids(question, GUILD)[0][1] == pytest.approx(best)


def test_another_servers_close_facts_are_not_offered():
    retriever = Retriever(Normalizer(Lexicon()), RetrievalConfig())
    retriever.load(club_facts(OTHER))
    assert retriever.ask("any snacks or drinks?", guild_id=GUILD).status is Status.UNKNOWN


def test_a_removed_fact_is_no_longer_offered(club):
    club.remove("refreshments")
    answer = club.ask("any snacks or drinks?", guild_id=GUILD)
    assert "refreshments" not in {s.fact_id for s in answer.suggestions}


def test_a_malformed_vectors_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not a table")
    with pytest.raises(FactFileError, match=r"vectors\.npz"):
        WordVectors.load(path)


def test_a_scope_too_large_to_scan_still_lifts_facts_sharing_words(monkeypatch):
    monkeypatch.setattr(semantic, "SCAN_LIMIT", 2)
    retriever = Retriever(Normalizer(Lexicon()), RetrievalConfig())
    retriever.load(club_facts())
    assert not retriever._semantic.scans(GUILD)
    answer = retriever.ask("any snacks or drinks?", guild_id=GUILD)  # shares "drink" (tea)
    assert answer.status is Status.SUGGEST
    assert answer.suggestions[0].fact_id == "refreshments"
    index = retriever._semantic
    everything = index.closeness(["snack", "drink"], GUILD, len(retriever))
    some = index.closeness(["snack", "drink"], GUILD, len(retriever), np.array([2]))
    assert some[2] == everything[2] > 0.8
    assert some[[0, 1, 3]].tolist() == [0.0, 0.0, 0.0]
