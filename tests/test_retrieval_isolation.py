"""Isolation between servers: one server's facts never change how another
server's questions are scored (word weights, vocabulary, typo matches)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.generate import Generator
from knowledge.config import RetrievalConfig
from knowledge.models import Answer, Fact, Status
from knowledge.retrieval.normalize import Normalizer
from knowledge.retrieval.retriever import Retriever
from tests.factories import admin_fact
from tests.test_retrieval_index import retriever_for

REPO = Path(__file__).resolve().parent.parent
BIG_SERVER, QUIET_SERVER = 1001, 1002
ARTICLE_QUESTIONS = [
    json.loads(line)["q"]
    for name in ("article_questions.jsonl", "article_questions_2.jsonl")
    for line in (REPO / "tests" / "data" / name).read_text().splitlines()
]
# Near misses the article does not answer, which a server once answered
# confidently only because another server held 100,000 facts.
NEAR_MISSES = [
    "Who founded Facebook?",
    "What is GREE's revenue?",
    "who is the ceo of mixi",
    "How many users did LinkedIn have in Korea?",
    "When did Twitter launch in China?",
]


def outcome(answer: Answer) -> tuple:
    """Everything an answer says, for comparing two answers exactly."""
    return (
        answer.status,
        answer.confidence,
        tuple((sf.fact.id, sf.score) for sf in answer.facts),
        tuple((s.fact_id, s.question, s.score) for s in answer.suggestions),
    )


@pytest.fixture(scope="module")
def admin_pack() -> list[Fact]:
    """100,000 admin facts in one server (the benchmarks' synthetic facts)."""
    return [
        replace(f, id=f"big-{i}", origin="admin", guild_id=BIG_SERVER)
        for i, f in enumerate(Generator(20260101).synthetic(100_000))
    ]


def test_a_server_answers_alike_with_and_without_100k_facts_in_another(curated, admin_pack):
    alone = retriever_for(curated, curated.facts)
    crowded = retriever_for(curated, [*curated.facts, *admin_pack])
    # The big server's own questions too: elsewhere they must find what they
    # found before (nothing of the big server's).
    own_questions = [f.questions[0] for f in admin_pack[::10_000] if f.questions]
    questions = [*ARTICLE_QUESTIONS, *NEAR_MISSES, *own_questions]
    for guild_id in (None, QUIET_SERVER):
        for question in questions:
            before = outcome(alone.ask(question, guild_id=guild_id))
            after = outcome(crowded.ask(question, guild_id=guild_id))
            assert after == before, (guild_id, question)
    # The near misses stay declined, and the big server does answer its own.
    for question in NEAR_MISSES:
        assert crowded.ask(question, guild_id=QUIET_SERVER).status is not Status.ANSWER, question
    answered = [crowded.ask(q, guild_id=BIG_SERVER) for q in own_questions]
    assert sum(a.status is Status.ANSWER for a in answered) >= len(own_questions) // 2
    assert all(sf.fact.guild_id in (None, BIG_SERVER) for a in answered for sf in a.facts)


def faq_fact(fact_id: str, guild_id: int, text: str, *questions: str) -> Fact:
    """A server's own FAQ entry."""
    return admin_fact(
        fact_id, text, questions=questions, guild_id=guild_id, citation_note="server FAQ"
    )


CHESS, HIKING = 2001, 2002
# The same questions, meaning different things in each server.
MEETUP = ("Where is the club meetup?", "When is the club meetup?")
FEE = ("How much is the club fee?",)
CAPTAIN = ("Who is the club captain?",)
CONFUSABLE = [
    faq_fact("chess-meetup", CHESS, "The club meetup is at the Central Library on Fridays at 7pm.", *MEETUP),
    faq_fact("chess-club-fee", CHESS, "Club membership costs a fee of 20 dollars a year.", *FEE),
    faq_fact("chess-captain", CHESS, "Dana Whitfield is the club captain and runs the ladder.", *CAPTAIN),
    faq_fact("hike-meetup", HIKING, "The club meetup is at the Ridge Trail car park on Sundays at 8am.", *MEETUP),
    faq_fact("hike-club-fee", HIKING, "The club membership fee is nothing; the bus to the trail costs 5 dollars.", *FEE),
    faq_fact("hike-captain", HIKING, "Omar Haddad is the club captain and carries the first aid kit.", *CAPTAIN),
]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "chess", "hiking"),
    [
        ("Where is the club meetup?", "chess-meetup", "hike-meetup"),
        ("when's the club meetup", "chess-meetup", "hike-meetup"),
        ("how much is the club membership fee", "chess-club-fee", "hike-club-fee"),
        ("who is the club captain?", "chess-captain", "hike-captain"),
    ],
)
def test_two_servers_with_confusable_facts_each_get_their_own(curated, question, chess, hiking):
    retriever = retriever_for(curated, [*curated.facts, *CONFUSABLE])
    for guild_id, expected in ((CHESS, chess), (HIKING, hiking)):
        answer = retriever.ask(question, guild_id=guild_id)
        assert answer.status is Status.ANSWER, (guild_id, question)
        assert [sf.fact.id for sf in answer.facts] == [expected], (guild_id, question)
    assert retriever.ask(question, guild_id=3003).status is Status.UNKNOWN


def test_a_server_scores_alike_whatever_another_server_holds(curated):
    """Word weights and typo matches count only the facts a server sees: the
    chess server's answers are the same with or without the hiking server."""
    chess_only = [f for f in CONFUSABLE if f.guild_id == CHESS]
    alone = retriever_for(curated, [*curated.facts, *chess_only])
    both = retriever_for(curated, [*curated.facts, *CONFUSABLE])
    for question in [
        "Where is the club meetup?",
        "wher is the clubb meetpu",  # typos: corrected from the chess server's words only
        "who carries the first aid kit",
        "is the bus to the trail free",
        "Who is Dana Whitfield?",
        *ARTICLE_QUESTIONS[:20],
    ]:
        assert outcome(both.ask(question, guild_id=CHESS)) == outcome(
            alone.ask(question, guild_id=CHESS)
        ), question


def test_a_word_only_another_server_uses_is_no_typo_candidate(curated):
    retriever = retriever_for(curated, [*curated.facts, *CONFUSABLE])
    assert "haddad" in retriever._expand("hadad", HIKING)
    assert "haddad" not in retriever._expand("hadad", CHESS)
    assert "haddad" not in retriever._expand("hadad", None)
    assert "haddad" in retriever.vocabulary(HIKING)
    assert "haddad" not in retriever.vocabulary(CHESS)


def test_incremental_updates_keep_servers_apart(curated):
    retriever = retriever_for(curated, curated.facts)
    for fact in CONFUSABLE:
        retriever.upsert(fact)
    fresh = retriever_for(curated, [*curated.facts, *CONFUSABLE])
    for question in (
        "Where is the club meetup?",
        "who is the club captain",
        "wher is the clubb meetpu",
    ):
        for guild_id in (CHESS, HIKING, None):
            assert (
                outcome(retriever.ask(question, guild_id=guild_id))[:3]
                == outcome(fresh.ask(question, guild_id=guild_id))[:3]
            )
    for fact in CONFUSABLE:
        if fact.guild_id == HIKING:
            retriever.remove(fact.id)
    assert "haddad" not in retriever.vocabulary(HIKING)
    assert retriever.ask("who is the club captain", guild_id=HIKING).status is Status.UNKNOWN
    assert (
        retriever.ask("who is the club captain", guild_id=CHESS).facts[0].fact.id == "chess-captain"
    )


# -- whose aliases, synonyms and descriptions apply --------------------------

FAQ = 3001
FAQ_FACTS = [
    faq_fact("screening", FAQ, "Movie night on Friday shows The Social Network in the club room.",
               "What is on movie night?"),
    faq_fact("page", FAQ, "Our social network page is run by Dana Lee.",
               "Who runs our social network page?"),
    faq_fact("venue", FAQ, "The meetup is at Riverside Community Hall on Fridays.",
               "Where is the meetup?"),
    faq_fact("rch-league", 3002, "RCH is the Royal Chess House league, played every Tuesday.",
               "What is RCH?"),
]  # fmt: skip


def test_the_articles_lexicon_does_not_rewrite_another_servers_facts(curated):
    retriever = retriever_for(curated, [*curated.facts, *FAQ_FACTS])
    screening = retriever.analyse(FAQ_FACTS[0])
    page = retriever.analyse(FAQ_FACTS[1])
    # The article's alias (the film), its synonyms (network -> site, run ->
    # company) and its descriptions of Facebook stay with the article's facts.
    assert {"social", "network"} <= screening.tokens and "thesocialnetwork" not in screening.tokens
    assert {"network", "run"} <= page.tokens and not {"site", "company"} & page.tokens
    assert not screening.described and not page.described
    film = next(f for f in curated.facts if "Social Network" in f.text)
    assert "thesocialnetwork" in retriever.analyse(film).tokens
    answer = retriever.ask("who runs the social network page?", guild_id=FAQ)
    assert [sf.fact.id for sf in answer.facts][:1] == ["page"]
    # The article's facts still read the server's questions with its lexicon.
    answer = retriever.ask("How many users did FB have in Japan?", guild_id=FAQ)
    assert answer.status is Status.ANSWER and answer.facts[0].fact.guild_id is None


def test_a_servers_aliases_apply_to_its_questions_and_facts_only(curated):
    aliases = {FAQ: {"rch": "Riverside Community Hall", "the blue site": "Facebook"}}
    facts = [*curated.facts, *FAQ_FACTS]
    plain = retriever_for(curated, facts)
    aliased = Retriever(
        Normalizer(curated.lexicon), RetrievalConfig(), curated.sources, server_aliases=aliases
    )
    aliased.load(facts)
    # In the server: its alias names its own fact, and the article's Facebook.
    assert aliased.ask("where is rch?", guild_id=FAQ).facts[0].fact.id == "venue"
    assert plain.ask("where is rch?", guild_id=FAQ).status is not Status.ANSWER
    blue = aliased.ask("how many users did the blue site have in japan", guild_id=FAQ)
    assert blue.status is Status.ANSWER and "Facebook" in blue.facts[0].fact.text
    # Another server (with its own RCH) and no server: as if the alias did not exist.
    questions = ["what is rch", "where is rch?", "how many users did the blue site have in japan",
                 *ARTICLE_QUESTIONS[:30]]  # fmt: skip
    for guild_id in (3002, None):
        for question in questions:
            before = outcome(plain.ask(question, guild_id=guild_id))
            assert outcome(aliased.ask(question, guild_id=guild_id)) == before, (guild_id, question)
    assert aliased.ask("what is rch", guild_id=3002).facts[0].fact.id == "rch-league"
