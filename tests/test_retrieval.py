"""Retrieval over the real curated facts: answer, suggest, or honestly unknown."""

from __future__ import annotations

import pytest

from knowledge.errors import InvalidQuestionError
from knowledge.models import Status
from knowledge.retrieval.normalize import Normalizer, QuestionType, question_type
from tests.factories import admin_fact

ARTICLE_URL = "https://www.japantimes.co.jp/life/2012/01/04/lifestyle/2011-trends-social-media-in-japan-comes-of-age/"


def ask(kb, question, guild_id=None):
    return kb.retriever.ask(question, guild_id=guild_id)


def shown_text(answer) -> str:
    return " ".join(sf.fact.text for sf in answer.facts).casefold()


def test_confident_answer_cites_title_paragraph_quote_and_link(kb):
    answer = ask(kb, "How many users did Facebook have in Japan?")
    assert answer.status is Status.ANSWER
    best = answer.facts[0]
    assert "11 million" in best.fact.text
    assert best.citation.source_title == "2011 trends: Social media in Japan comes of age"
    assert best.citation.publisher == "The Japan Times"
    assert best.citation.date == "2012-01-04"
    assert best.citation.paragraph == 2
    assert best.citation.quote in kb.store.sources()[best.fact.source_id].paragraphs[1]
    assert best.citation.url == ARTICLE_URL
    assert len(answer.facts) <= 3


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many users does mixxi have", "8.4 million"),  # typo
        ("how big is greee", "20 million"),  # typo
        ("when did linkdin come to japan", "october"),  # typo + paraphrase
        ("akb48 on google plus", "google+"),  # alias
        ("FB hit product ranking", "hit product"),  # alias
        ("フェイスブックのユーザー数", "facebook"),  # Japanese spelling
        ("ミクシィ twitter partnership", "november"),
        ("Which company owns Mobage Town?", "dena"),
        ("tsunami volunteers", "volunteer"),  # keywords
        ("yo!! which anime made twitter blow up lol", "laputa"),  # noise
    ],
)
def test_answers_typos_aliases_and_casual_questions(kb, question, expected):
    answer = ask(kb, question)
    assert answer.status is Status.ANSWER, kb.retriever.explain(question)
    assert expected in shown_text(answer)


@pytest.mark.parametrize(
    "question",
    [
        "What is the speed of light?",
        "How do I cook rice?",
        "What time is it?",
        "qwertyuiop",
        "Who painted the Mona Lisa?",
    ],
)
def test_out_of_scope_questions_are_not_answered(kb, question):
    answer = ask(kb, question)
    assert answer.status is Status.UNKNOWN, kb.retriever.explain(question)
    assert answer.facts == ()


@pytest.mark.parametrize(
    "question",
    [
        "Who is the CEO of Mixi?",
        "Who founded Facebook?",
        "What is GREE's revenue?",
        "How many users does LinkedIn have worldwide?",
    ],
)
def test_near_misses_never_assert_a_fact(kb, question):
    answer = ask(kb, question)
    assert answer.status is not Status.ANSWER, kb.retriever.explain(question)
    assert answer.facts == ()


def test_unsure_question_offers_did_you_mean_choices(kb):
    answer = ask(kb, "Who founded Facebook?")
    assert answer.status is Status.SUGGEST
    assert 1 <= len(answer.suggestions) <= 3
    fact_ids = [s.fact_id for s in answer.suggestions]
    assert len(set(fact_ids)) == len(fact_ids)
    for suggestion in answer.suggestions:
        fact = kb.store.get_fact(suggestion.fact_id)
        assert suggestion.question in fact.questions
        assert "facebook" in " ".join((fact.text, *fact.keywords, *fact.questions)).casefold()


def test_choosing_a_suggestion_gives_that_fact_with_citation(kb):
    suggestion = ask(kb, "Who founded Facebook?").suggestions[0]
    answer = kb.retriever.answer_with(suggestion.fact_id, suggestion.question)
    assert answer.status is Status.ANSWER
    assert answer.facts[0].fact.id == suggestion.fact_id
    assert answer.facts[0].citation.url == ARTICLE_URL


def test_topic_question_shows_up_to_three_related_facts(kb):
    answer = ask(kb, "Tell me about DeNA")
    assert answer.status is Status.ANSWER
    assert 2 <= len(answer.facts) <= 3
    assert all("dena" in sf.fact.text.casefold() for sf in answer.facts)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\u200b\u200d"])
def test_empty_questions_are_refused_with_a_message(kb, question):
    with pytest.raises(InvalidQuestionError, match="empty"):
        ask(kb, question)


def test_huge_question_is_refused_with_its_length(kb):
    with pytest.raises(InvalidQuestionError, match="10,000 characters"):
        ask(kb, "x" * 10_000)


@pytest.mark.parametrize(
    "question",
    [
        "🔥🔥🔥",
        "👋🏽 hi",
        "\u0000\u0007 control",
        "'; DROP TABLE facts; --",
        "SELECT * FROM facts WHERE 1=1",
        "\u202eRTL override",
        "Z̷͙̈a̸̰͠l̵̗̈g̷̣̈o̷͎̊",
    ],
)
def test_odd_input_gets_a_normal_outcome(kb, question):
    answer = ask(kb, question)
    assert answer.status in (Status.UNKNOWN, Status.SUGGEST)
    assert kb.store.fact_counts()["curated"] == len(kb.retriever)


def test_zero_width_characters_do_not_hide_words(kb):
    answer = ask(kb, "How many users did Face\u200bbook have in Ja\u200dpan?")
    assert answer.status is Status.ANSWER
    assert "11 million" in shown_text(answer)


def test_full_width_text_is_normalised(kb):
    answer = ask(kb, "ＧＲＥＥ　ｕｓｅｒｓ")
    assert answer.status is Status.ANSWER
    assert "20 million" in shown_text(answer)


def test_admin_fact_is_only_used_in_its_own_server(kb):
    fact = admin_fact(
        "meetup-day",
        "The FactBot fan meetup happens every Friday in the voice lounge.",
        questions=("When is the fan meetup?",),
        keywords=("meetup", "fan meetup"),
        guild_id=7,
        citation_note="Server rules",
    )
    kb.retriever.upsert(fact)
    assert ask(kb, "When is the fan meetup?", guild_id=7).facts[0].fact.id == "meetup-day"
    assert ask(kb, "When is the fan meetup?", guild_id=8).status is not Status.ANSWER
    assert ask(kb, "When is the fan meetup?").status is not Status.ANSWER
    kb.retriever.remove("meetup-day")
    assert ask(kb, "When is the fan meetup?", guild_id=7).status is not Status.ANSWER


def test_question_types_are_recognised():
    assert question_type("How many users does GREE have?") is QuestionType.NUMBER
    assert question_type("When did LinkedIn launch?") is QuestionType.TIME
    assert question_type("Who owns Mobage Town?") is QuestionType.PERSON
    assert question_type("Tell me about DeNA") is QuestionType.OTHER


def test_normaliser_folds_width_case_quotes_and_aliases():
    normalizer = Normalizer(
        __import__("knowledge.curation.build", fromlist=["load_curated"]).load_curated().lexicon
    )
    assert normalizer.content_tokens("What’s G+ doing with AKB?") == ["googleplus", "akb48"]
    assert normalizer.content_tokens("ＦＢ users") == ["facebook", "user"]
    assert normalizer.content_tokens("the") == []


def test_the_month_may_is_a_word_and_the_verb_is_not(kb):
    normalizer = kb.retriever.normalizer
    assert "may" in normalizer.content_tokens("What opens in May?")
    assert "may" in normalizer.content_tokens("The cafe opened May 2011.")
    assert "may" not in normalizer.content_tokens("May I ask what GREE is?")
    for month in ("May", "June"):
        kb.retriever.upsert(
            admin_fact(
                f"cafe-{month}",
                f"The repair cafe opens in {month} this year.",
                guild_id=7,
                citation_note="Server rules",
            )
        )
    answer = ask(kb, "what opens in may, the repair cafe?", guild_id=7)
    assert [sf.fact.id for sf in answer.facts][:1] == ["cafe-May"]
