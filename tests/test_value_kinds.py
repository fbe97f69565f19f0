"""Kinds of value a fact states, and the general abbreviations every server's
facts and questions share: a server's own FAQ answered in its members' words."""

from __future__ import annotations

import pytest

from knowledge.models import Status
from knowledge.retrieval.normalize import Normalizer, QuestionType, question_type
from knowledge.retrieval.value_kinds import (
    currency_markers,
    days_in_ranges,
    kind_token,
    value_kinds,
)
from knowledge.understanding.chat_speak import expand_chat_speak
from tests.factories import admin_fact
from tests.test_retrieval_index import retriever_for

SERVER = 4242


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Extra lockers are £5 a month each.", {"price"}),
        ("The DLC was released for USD 9.99.", {"price"}),
        ("Entry is free for members.", {"price"}),
        ("Open Tuesday to Friday 18:00–22:00.", {"clock", "until"}),
        ("The ride leaves at 6:30pm.", {"clock"}),
        ("We meet at 12 Alder Street, see #events.", {"place"}),
        ("Mail hello@example.org or call +44 20 7946 0958.", {"link"}),
        ("Members must be 16+ to join.", {"age"}),
        ("Big projects can stay for up to 14 days.", {"length"}),
        ("Be kind to each other.", set()),
    ],
)
def test_value_kinds_are_read_from_the_text(text, kinds):
    assert value_kinds(text) == {kind_token(k) for k in kinds}


def test_day_ranges_cover_the_days_between():
    assert days_in_ranges("Open Tuesday to Friday") == [
        "tuesday", "wednesday", "thursday", "friday",
    ]  # fmt: skip
    assert days_in_ranges("Fri-Mon only") == ["friday", "saturday", "sunday", "monday"]
    assert days_in_ranges("Open Tuesday and Friday") == []


def test_currencies_are_markers():
    assert currency_markers("costs $24.99 or 20 euros") == {"cusd", "ceur"}
    assert currency_markers("costs 25") == set()


# id, text, the admin's one phrasing
MAKERSPACE = [
    ("lockers", "Extra lockers in the Locker Room are £5 a month each, two per member.",
     "Can I rent a locker?"),
    ("storage", "Every member gets one free crate on the shelves in the back corridor.",
     "Where can I store my stuff?"),
    ("weekday-hours", "Staffed weekday hours are Tuesday to Friday 18:00–22:00.",
     "What are the weekday hours?"),
    ("weekend-hours", "Weekend staffed hours are Saturday 10:00–18:00 and Sunday 12:00–17:00.",
     "What are the weekend hours?"),
    ("recording", "Recording voice chats is not allowed unless everyone agrees first.",
     "Can I record voice chat?"),
    ("deluxe", "The Deluxe Edition costs $24.99 on Steam.", "How much is the deluxe edition?"),
    ("social", "The Christmas social is on 13 December at 7pm at the Crown.",
     "When is the christmas party?"),
    ("founded", "Foundry Lane was founded in 2019 by Ana Ruiz and Tom Bell.",
     "Who started the space?"),
]  # fmt: skip


def server_with(curated, rows):
    """A retriever over the article and one server's facts (id, text, phrasing)."""
    facts = [admin_fact(i, text, questions=[q], guild_id=SERVER) for i, text, q in rows]
    return retriever_for(curated, [*curated.facts, *facts])


@pytest.fixture
def makerspace(curated):
    return server_with(curated, MAKERSPACE)


def answered(retriever, question):
    answer = retriever.ask(question, SERVER)
    return [f.fact.id for f in answer.facts] if answer.status is Status.ANSWER else answer.status


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("locker price?", "lockers"),  # a price, though the fact never says "price"
        ("when do you open on sat", "weekend-hours"),  # "sat" is Saturday
        ("what time are you open on wed", "weekday-hours"),  # inside "Tuesday to Friday"
        ("can i record the vc", "recording"),  # "vc" is voice chat
    ],
)
def test_a_members_words_reach_the_admins_fact(makerspace, question, fact_id):
    assert answered(makerspace, question)[0] == fact_id


@pytest.mark.parametrize(
    "question",
    [
        "How much does the Deluxe Edition cost in euros?",  # stated in dollars only
        "What time does the Christmas social finish?",  # only when it starts
    ],
)
def test_a_fact_without_what_is_asked_is_not_stated(makerspace, question):
    assert makerspace.ask(question, SERVER).status is not Status.ANSWER


def test_a_server_with_its_own_facts_gets_no_article_answer_without_its_names(makerspace):
    # The same words as an article fact's; only the question naming what it
    # is about gets it stated in this server.
    unnamed = makerspace.ask("what movie spurred the growth", SERVER)
    assert unnamed.status is not Status.ANSWER
    named = makerspace.ask("what movie spurred facebook's growth in japan", SERVER)
    assert named.status is Status.ANSWER
    assert named.facts[0].fact.guild_id is None
    curated_only = makerspace.ask("what movie spurred the growth")
    assert curated_only.status is Status.ANSWER


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("is there parkin for my car", ["park", "car"]),  # a dropped g
        ("do you fix e-bikes", ["fix", "ebik"]),  # a one-letter prefix
        ("mods and admins", ["moderator", "administrator"]),
        ("the vc on sat", ["voic", "saturday"]),
        ("Berlin cabin raisin", ["berlin", "cabin", "raisin"]),  # no g dropped there
        ("anyway is there something for beginners", ["beginner"]),  # discourse words
        ("hw due when", ["homework", "due"]),  # "hw" alone is homework
    ],
)
def test_everyday_spellings_read_as_the_words_they_stand_for(text, tokens):
    assert Normalizer().content_tokens(text) == tokens


def test_a_closed_compound_is_made_of_its_words():
    normalizer = Normalizer()
    assert normalizer.compound_parts("woodshop") == ("wood", "shop")
    assert normalizer.compound_parts("makerspac") == ("maker", "spac")
    assert normalizer.compound_parts("facebook") == ()  # a word the lexicon knows
    assert normalizer.compound_parts("thesocialnetwork") == ()


@pytest.mark.parametrize(
    ("message", "expanded"),
    [
        ("can my 12yo come in alone", "can my 12 years old come in alone"),
        ("how 2 report sum1", "how to report someone"),
        ("do i need nitro 4 anything here", "do i need nitro for anything here"),
        ("i have 4 kids", "i have 4 kids"),  # a number stays a number
        ("hw much is it", "how much is it"),  # "hw" before what follows "how"
        ("refund on switch hw", "refund on switch how"),  # or ending a message
        ("late penalty for hw?", "late penalty for hw?"),  # but not after "for"
    ],
)
def test_chat_speak_digits_and_ages(message, expanded):
    assert expand_chat_speak(message) == expanded


def test_a_misspelt_word_reaches_the_facts_of_its_related_words(makerspace):
    # "membrship" is one edit from "membership", which the lockers fact does
    # not use; its related word "member" it does.
    assert makerspace.ranked_ids("locker membrship price", SERVER)[0][0] == "lockers"


def test_a_compound_in_a_fact_is_found_by_its_words(curated):
    retriever = server_with(curated, [
        ("wood", "The woodshop induction costs £20 and runs on Tuesdays.",
         "How much is the woodshop induction?"),
        ("metal", "The metalshop induction costs £25 and runs on Thursdays.",
         "How much is the metalshop induction?"),
    ])  # fmt: skip
    answer = retriever.ask("wood shop induction cost?", SERVER)
    assert [f.fact.id for f in answer.facts] == ["wood"]


def test_one_telling_word_offers_a_servers_fact_but_not_for_an_unrelated_question(makerspace):
    # "bike" is in no fact here: "store" alone points at the storage fact
    offered = makerspace.ask("where do i store my bike", SERVER)
    assert offered.status in (Status.ANSWER, Status.SUGGEST)
    assert "storage" in [s.fact_id for s in offered.suggestions] + [
        f.fact.id for f in offered.facts
    ]
    assert makerspace.ask("What is the speed of light?", SERVER).status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("text", "ranks"),
    [
        ("what was the number one hit product", {"r1"}),
        ("named the no. 2 hit product", {"r2"}),
        ("who is #3 now", {"r3"}),
        ("no one knows", set()),
        ("a number of people", set()),
    ],
)
def test_ranks_are_markers(text, ranks):
    assert {m for m in Normalizer().markers(text) if m[0] == "r"} == ranks


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("what was the actual tweets per second number during laputa", QuestionType.NUMBER),
        ("whats the phone number", QuestionType.NUMBER),
        ("what is the number one product", QuestionType.OTHER),
    ],
)
def test_asking_for_the_number_asks_for_a_quantity(question, kind):
    assert question_type(question) is kind


def test_a_rank_asked_as_a_stored_phrasing_of_another_rank_is_not_stated(curated):
    # the article's fact is about no. 2; its own phrasings ask about the hit product
    retriever = retriever_for(curated, curated.facts)
    answer = retriever.ask("What was Nikkei Trendy's number one hit product of 2011?")
    assert answer.status is not Status.ANSWER
    assert retriever.ask("What was Nikkei Trendy's no. 2 hit product of 2011?").status is (
        Status.ANSWER
    )


def test_one_rare_word_pointing_at_one_fact_is_answered(curated):
    retriever = server_with(curated, [
        ("platforms", "The game is on Steam and PS5; there is no Xbox version.", "Which platforms?"),
        ("launch", "The game kicked off early access in March 2024.", "When did early access start?"),
        ("saves", "Cloud saves sync between Steam and PS5.", "Do saves sync?"),
    ])  # fmt: skip
    answer = retriever.ask("is it on xbox??", SERVER)
    assert answer.status is Status.ANSWER and answer.facts[0].fact.id == "platforms"
    # one everyday word ("off" of "kicked off") is offered at most
    assert retriever.ask("why was it off", SERVER).status is not Status.ANSWER
