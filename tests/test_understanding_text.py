"""Reading a chat message: Discord syntax, chat-speak, numbers and dates,
sentences and clauses, small talk. Pure functions over the real data tables."""

from __future__ import annotations

import pytest

from knowledge.understanding.chat_speak import expand_chat_speak
from knowledge.understanding.clauses import looks_like_question, split_clauses
from knowledge.understanding.discord_syntax import strip_discord_syntax
from knowledge.understanding.numbers import normalise_numbers
from knowledge.understanding.pipeline import asks_something, clean_message
from knowledge.understanding.small_talk import small_talk, strip_opener


@pytest.mark.parametrize(
    "message",
    [
        "<@123> how big is GREE?",
        "<@!123> <@&456> how big is GREE? <#789>",
        "@everyone how big is GREE?",
        "@every\u200bone how big is GREE?",  # zero-width space inside
        "＠еveryone how big is GREE?",  # full-width at sign, Cyrillic е
        "@here how big is GREE? <:pog:112233445566> <a:dance:1>",
        "how big is **GREE**? https://example.com/x?y=1",
        "how big is [GREE](https://evil.example/) ? <https://example.com>",
        "> how big is __GREE__? 🤔👍🏽",
        "||how big is `GREE`?|| </ask:123456>",
    ],
)
def test_discord_syntax_leaves_only_the_question(message):
    assert strip_discord_syntax(message).replace(" ?", "?") == "how big is GREE?"


def test_masked_link_inside_a_sentence_keeps_its_words_and_drops_its_address():
    assert strip_discord_syntax("see [the report](https://x.example/a) please") == (
        "see the report please"
    )


def test_masked_link_before_or_after_the_question_is_only_a_label():
    assert strip_discord_syntax("[see here](https://x.example/a) how big is GREE?") == (
        "how big is GREE?"
    )
    assert strip_discord_syntax("how big is GREE? [source](<https://x.example/a>)") == (
        "how big is GREE?"
    )


def test_line_breaks_survive_so_sentences_can_be_split():
    assert strip_discord_syntax("hi\n\n- when did LinkedIn launch?") == (
        "hi\nwhen did LinkedIn launch?"
    )


@pytest.mark.parametrize(
    ("chat", "plain"),
    [
        ("wat r ppl saying abt jp rn", "what are people saying about japan right now"),
        ("when did mixi n twitter team up", "when did mixi and twitter team up"),
        ("wat % bought deals acc to mediba", "what percent bought deals according to mediba"),
        ("y did u say that", "why did you say that"),
        ("new yrs food", "new year's food"),
        ("when does the club usually meet", "when does the club meet"),
    ],
)
def test_chat_speak_is_spelled_out(chat, plain):
    assert expand_chat_speak(chat) == plain


def test_chat_speak_leaves_abbreviations_and_compounds_inside_words_alone():
    assert expand_chat_speak("the u.s. co-founder runs nasa") == "the u.s. co-founder runs nasa"
    assert expand_chat_speak("7 % of them") == "7% of them"


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("twenty million users", "20 million users"),
        ("eleven million", "11 million"),
        ("twenty-five people", "25 people"),
        ("one hundred and fifty thousand", "150,000"),
        ("ninety accounts", "90 accounts"),
        ("seven percent", "7 percent"),
        ("a quarter of them", "25% of them"),
        ("upwards of 20 million", "over 20 million"),
        ("more than 5", "over 5"),
        ("¥20k deals", "20,000 yen deals"),
        ("11m users", "11 million users"),
        ("right after 3/11", "right after march 11"),
        ("on 11th of march", "on march 11"),
        ("in dec 2011", "in december 2011"),
        ("back in '11", "back in 2011"),
    ],
)
def test_numbers_and_dates_read_as_facts_write_them(words, digits):
    assert " ".join(normalise_numbers(words).split()) == digits


def test_small_numbers_said_alone_stay_words():
    assert normalise_numbers("two of the largest, the second one") == (
        "two of the largest, the second one"
    )


def test_a_full_stop_after_an_abbreviation_does_not_end_the_sentence():
    assert [c.text for c in split_clauses("what was the no. 2 product in the u.s. in 2011?")] == [
        "what was the no. 2 product in the u.s. in 2011?"
    ]


def test_a_message_splits_into_statements_and_questions():
    clauses = split_clauses(
        "my friend swears fb never beat mixi. when did fb pull ahead? and who owns mobage"
    )
    assert [(c.text, c.is_question) for c in clauses] == [
        ("my friend swears fb never beat mixi.", False),
        ("when did fb pull ahead?", True),
        ("and who owns mobage", True),
    ]


def test_two_questions_joined_by_and_are_split():
    assert [c.text for c in split_clauses("who owns mobage and when did linkedin launch")] == [
        "who owns mobage",
        "when did linkedin launch",
    ]


def test_names_joined_by_and_stay_in_one_question():
    assert len(split_clauses("when did mixi and twitter team up")) == 1


@pytest.mark.parametrize(
    "text", ["how big is gree", "GREE users?", "and twitter", "Does anyone know when"]
)
def test_questions_look_like_questions(text):
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text", ["good morning everyone", "lol", "   ", "i like gree", "and then we went home"]
)
def test_statements_do_not_look_like_questions(text):
    assert not looks_like_question(text)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hey", "greeting"),
        ("yo whats up bot", "greeting"),
        ("gm everyone", "greeting"),
        ("thanks!!", "thanks"),
        ("ty that helped a lot", "thanks"),
        ("what can u do", "capabilities"),
        ("who made you?", "identity"),
        ("r u a real person?", "identity"),
        ("wait ur a bot?? thats cool", "identity"),
        ("good bot", "praise"),
        ("lol ok", "acknowledgement"),
        ("ok bye", "farewell"),
        ("ty!! see u saturday", "thanks"),
        ("oops my bad", "acknowledgement"),
        ("thanks so much, you rock", "thanks"),
    ],
)
def test_small_talk_is_recognised(message, kind):
    found = small_talk(clean_message(message))
    assert found is not None and found.kind == kind and found.reply


@pytest.mark.parametrize(
    "message",
    ["who made mixi?", "thanks, how big is gree?", "what can gree do", "hey when did x launch"],
)
def test_a_question_is_never_small_talk(message):
    assert small_talk(clean_message(message)) is None


def test_openers_are_stripped_but_follow_up_words_are_kept():
    assert strip_opener("hey quick q, when did LinkedIn launch?") == "when did LinkedIn launch?"
    assert strip_opener("so how many users") == "how many users"
    assert strip_opener("and mixi?") == "and mixi?"
    assert strip_opener("hey") == "hey"  # nothing would be left


def test_auto_answer_reads_only_questions():
    assert asks_something("<@1> hey how big is gree?")
    assert not asks_something("thanks!! good bot")
    assert not asks_something("i had ramen for lunch")
