"""The add/edit form's fields: lists go through the form and back exactly, an edit
changes only what the admin changed, and a fact that can't be shown whole is refused."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.curation.curator import Curator, FactDraft
from knowledge.curation.fact_files import clean_text
from knowledge.curation.form import (
    FormFields,
    FormTooLongError,
    decode_lines,
    draft_from_form,
    encode_lines,
    form_fields,
)
from knowledge.models import Fact
from knowledge.store import fact_to_record

GUILD = 111
TRICKY = st.sampled_from(["\\", "\n", "\r", ",", ";", "\t", " ", "\u2028", "\u2029", "n"])
ITEM = st.text(st.one_of(TRICKY, st.characters()), min_size=1, max_size=60).map(clean_text)
ITEMS = st.lists(ITEM.filter(bool), unique=True, max_size=20)


def fact(**changes) -> Fact:
    values = dict(
        id="club-city",
        text="The Fact Club meets in Tokyo.",
        source_id=None,
        paragraph=None,
        quote="",
        questions=("Where does the club meet?", "Which city hosts\nthe club?"),
        keywords=("Tokyo, Japan", "C:\\club\\new"),
        origin="admin",
        guild_id=GUILD,
        citation_note="https://example.org/calendar Club calendar",
    )
    return Fact(**(values | changes))


@given(items=ITEMS)
def test_any_list_of_questions_or_keywords_comes_back_exactly(items):
    assert decode_lines(encode_lines(items)) == tuple(items)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(questions=ITEMS.map(lambda q: q[:10]), keywords=ITEMS)
def test_a_fact_through_the_form_unchanged_or_retyped_is_the_same_fact(kb, questions, keywords):
    curator = Curator(kb)
    stored = curator.validate(
        FactDraft.from_fact(fact(questions=tuple(questions), keywords=tuple(keywords))),
        guild_id=GUILD,
        fact_id="club-city",
    )
    shown = form_fields(stored)
    sources = kb.retriever.sources
    unchanged = draft_from_form(shown, shown=shown, base=stored, source_ids=sources)
    # Every field typed afresh (as in an add form) decodes to the same values.
    retyped = draft_from_form(shown, shown=FormFields(), base=None, source_ids=sources)
    for draft in (unchanged, retyped):
        again = curator.validate(draft, guild_id=GUILD, fact_id="club-city")
        assert fact_to_record(again) == fact_to_record(stored)


def test_an_edit_takes_only_the_fields_the_admin_changed():
    base = fact()
    shown = form_fields(base)
    # A client that trims or rewraps an untouched field changes nothing.
    submitted = dataclasses.replace(
        shown, text="The Fact Club meets in Osaka.", questions=shown.questions + "\n"
    )
    draft = draft_from_form(submitted, shown=shown, base=base, source_ids=[])
    assert draft == dataclasses.replace(
        FactDraft.from_fact(base), text="The Fact Club meets in Osaka."
    )


def test_keywords_are_one_per_line_so_commas_stay_inside_one():
    shown = form_fields(fact())
    assert shown.keywords == "Tokyo, Japan\nC:\\\\club\\\\new"
    assert shown.questions == "Where does the club meet?\nWhich city hosts\\nthe club?"
    assert decode_lines("Tokyo, Japan\n\n  Kyoto  \nC:\\path") == (
        "Tokyo, Japan",
        "  Kyoto  ",
        "C:\\path",
    )


def test_a_fact_whose_lists_do_not_fit_is_refused_not_cut():
    many = tuple(f"{n:02d} " + "q" * 197 for n in range(20))  # curated facts may have 20
    with pytest.raises(FormTooLongError, match=r"questions take 4,019 characters.*/fact export"):
        form_fields(fact(questions=many, origin="curated", guild_id=None))


def test_the_review_queue_question_comes_first_in_an_add_form():
    assert form_fields(question="who won\nthe quiz?").questions == "who won\\nthe quiz?"
