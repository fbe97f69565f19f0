"""Follow-ups about a server's own facts, through KnowledgeBase.respond on a
real SQLite file: a swap keeps the earlier question's shape ("and for
text?"), and "the other one" is never the fact just given."""

from __future__ import annotations

import pytest

from knowledge.config import Config
from knowledge.curation.build import build
from knowledge.curation.curator import Curator
from knowledge.curation.form import FormFields, draft_from_form
from knowledge.models import Status
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

GUILD, CHANNEL, ALICE = 5_550_000_000_000_000_001, 10, 1
FAQ = [
    ("Voice chat earns 10 XP per minute, up to 300 XP a day.", "How much XP for voice?"),
    ("Text messages earn 15–25 XP each, once a minute.", "How much XP for text?"),
    ("Each of our 12 languages has a text channel and a voice channel.", "Which channels?"),
    ("Study Room 1 is a silent cam-on room for up to 10 people.", "What is Study Room 1?"),
    ("Study Room 2 is for homework help, up to 8 people.", "What is Study Room 2?"),
    ("Voice sessions run weekdays from 18:00 to 21:00 UTC.", "When are weekday sessions?"),
    ("Voice sessions run on weekends from 10:00 to 14:00 UTC.", "When are weekend sessions?"),
    (
        "This fall 284 students are in the class; last fall there were 241.",
        "How many students are in the class?",
    ),
    ("Last year's pass rate was 88%, and the average grade a B-.", "What was the pass rate?"),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    store = FactStore.open(tmp_path_factory.mktemp("followups") / "factbot.db")
    build(store)
    kb = KnowledgeBase(store, Config())
    for text, question in FAQ:
        fields = FormFields(text=text, questions=question, source="Server FAQ")
        draft = draft_from_form(
            fields, shown=FormFields(), base=None, source_ids=kb.retriever.sources
        )
        Curator(kb).add(draft, guild_id=GUILD, actor="test")
    yield kb
    kb.close()


def said(kb, *messages):
    """The texts of the facts FactBot states (or offers) for the last message."""
    for message in messages:
        response = kb.respond(message, guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, log=False)
    answer = response.answer
    assert answer is not None
    if answer.status is Status.ANSWER:
        return [sf.fact.text for sf in answer.facts]
    return [
        kb.retriever.answer_with(s.fact_id, "", GUILD).facts[0].fact.text
        for s in answer.suggestions
    ]


def test_a_swap_replaces_the_word_after_the_same_preposition(kb):
    texts = said(kb, "how much xp do you get for voice?", "and for text?")
    assert texts[0].startswith("Text messages")


def test_a_swap_keeps_the_time_word_it_replaces(kb):
    texts = said(kb, "when are the voice sessions on weekdays?", "and on weekends?")
    assert texts[0].startswith("Voice sessions run on weekends")


def test_the_other_one_is_not_the_fact_just_given(kb):
    first = said(kb, "what is study room 1 for?")
    assert first[0].startswith("Study Room 1")
    other = said(kb, "what is study room 1 for?", "what about the other room?")
    assert other and not other[0].startswith("Study Room 1")
    assert any(t.startswith("Study Room 2") for t in other)


def test_a_time_fragment_is_read_against_the_question_before(kb):
    # "and last year?" alone states the pass-rate fact (it says "last year");
    # read against the question before, it is about the class
    first = said(kb, "how many students are in the class this year")
    assert first[0].startswith("This fall 284 students")
    texts = said(kb, "how many students are in the class this year", "and last year?")
    assert texts and texts[0].startswith("This fall 284 students")
