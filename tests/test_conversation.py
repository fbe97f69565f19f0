"""Answering whole messages through KnowledgeBase.respond over the real
article fact base: several questions at once, follow-ups in context (per
person and channel, expiring), small talk, and Discord syntax."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.config import ConversationConfig, load_config
from knowledge.curation.form import FormFields
from knowledge.errors import ConfigError, InvalidQuestionError
from knowledge.models import ResponseKind, Status
from knowledge.understanding.conversation import ConversationMemory, Speaker
from tests.factories import knowledge_base_with

EXAMPLES = itertools.count()  # numbers the people of hypothesis examples
GUILD, OTHER_GUILD = 1_100_000_000_004_194_305, 42
CHANNEL, OTHER_CHANNEL = 10, 11
ALICE, BOB = 1, 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    kb = knowledge_base_with(
        tmp_path_factory.mktemp("conversation") / "factbot.db",
        FormFields(
            text="The Fact Club meets every Thursday at the Riverside library.",
            questions="Where does the Fact Club meet?",
            keywords="fact club",
            source="Club calendar",
        ),
        GUILD,
    )
    yield kb
    kb.close()


@pytest.fixture
def clock(kb):
    """A fresh conversation memory for each test, on a clock the test moves."""
    clock = Clock()
    kb.conversations = ConversationMemory(
        followup_seconds=300, reply_seconds=3600, max_speakers=100, clock=clock
    )
    return clock


def ask(kb, message, user=ALICE, channel=CHANNEL, **extra):
    return kb.respond(message, guild_id=GUILD, channel_id=channel, user_id=user, log=False, **extra)


def fact_ids(response):
    assert response.answer is not None
    return [sf.fact.id for sf in response.answer.facts]


def test_two_questions_in_one_message_get_both_answers(kb, clock):
    response = ask(kb, "hey quick q. how big is GREE? and when did LinkedIn launch in Japan?")
    ids = fact_ids(response)
    assert "gree-mobage-town-over-20-million-users-each" in ids
    assert "linkedin-launched-japan-october-2011" in ids
    assert len(ids) <= 3 and response.answer.status is Status.ANSWER
    assert response.answer.question == "how big is GREE? · when did LinkedIn launch in Japan?"


def test_a_question_inside_a_longer_message_is_found(kb, clock):
    response = ask(
        kb, "my cousin keeps talking about this lol. who owns mobage town? thx in advance"
    )
    assert fact_ids(response)[0] == "dena-parent-of-mobage-town"


def test_a_follow_up_is_read_against_the_same_persons_last_question(kb, clock):
    ask(kb, "how many users did facebook have in japan according to nielsen?")
    response = ask(kb, "and mixi?")
    assert fact_ids(response)[0] == "nielsen-mixi-8-4-million-active-users"
    assert response.context_question.startswith("how many users did facebook")


def test_a_follow_up_that_refers_back_uses_the_answer_before(kb, clock):
    ask(kb, "who owns mobage town?")
    response = ask(kb, "where has it been buying companies?")
    assert fact_ids(response)[0] == "dena-international-acquisitions"


def test_a_follow_up_from_someone_else_does_not_use_the_first_persons_context(kb, clock):
    ask(kb, "how many users did facebook have in japan according to nielsen?", user=ALICE)
    response = ask(kb, "and mixi?", user=BOB)
    assert response.context_question == ""
    assert response.questions == ("and mixi?",)


def test_context_stays_in_its_channel(kb, clock):
    ask(kb, "how many users did facebook have in japan according to nielsen?")
    assert ask(kb, "and mixi?", channel=OTHER_CHANNEL).context_question == ""


def test_context_expires_unless_the_message_replies_to_the_bot(kb, clock):
    ask(kb, "how many users did facebook have in japan according to nielsen?")
    clock.now += 301
    assert ask(kb, "and mixi?").context_question == ""
    ask(kb, "how many users did facebook have in japan according to nielsen?")
    clock.now += 301
    assert ask(kb, "and mixi?", replying=True).context_question != ""


def test_a_fragment_about_something_unknown_stands_alone(kb, clock):
    ask(kb, "how many users did facebook have in japan according to nielsen?")
    response = ask(kb, "and instagram?")
    assert response.context_question == ""
    assert response.answer.status is not Status.ANSWER


def test_a_full_question_after_another_stands_alone(kb, clock):
    ask(kb, "when did linkedin launch in japan?")
    response = ask(kb, "how big is GREE?")
    assert response.context_question == ""
    assert fact_ids(response)[0] == "gree-mobage-town-over-20-million-users-each"


@pytest.mark.parametrize(
    "message",
    [
        "thanks!!",
        "hi",
        "good bot",
        "what can u do",
        "lol ok",
        "👍",
        "<@1> :)",
        "<:pog:12> <3",
        "xD",
        "who built this bot?",  # the bot named in the third person is "you"
        "who made factbot",
        "good job factbot",  # but its name stays a filler word
        "ok factbot",
        "are you a real person or a bot?",
    ],
)
def test_small_talk_gets_a_friendly_reply_that_states_no_fact(kb, clock, message):
    response = ask(kb, message)
    assert response.kind is ResponseKind.SMALL_TALK
    assert response.answer is None and response.small_talk
    assert "don't know" not in response.small_talk.casefold()


def test_small_talk_shows_an_example_from_the_servers_own_facts(kb, clock):
    assert ask(kb, "hello").example == "Where does the Fact Club meet?"
    other = kb.respond("hello", guild_id=OTHER_GUILD, channel_id=1, user_id=ALICE, log=False)
    curated = {q for f in kb.retriever.facts() if f.guild_id is None for q in f.questions[:1]}
    assert other.example in curated


def test_auto_answer_channels_get_nothing_for_small_talk(kb, clock):
    assert ask(kb, "thanks!!", questions_only=True).kind is ResponseKind.NOTHING
    assert ask(kb, "i had ramen today", questions_only=True).kind is ResponseKind.NOTHING


def test_a_message_of_only_mentions_and_links_has_nothing_to_answer(kb, clock):
    assert ask(kb, "<@123> <https://example.com> **").kind is ResponseKind.NOTHING
    assert ask(kb, "<@123> @everyone").kind is ResponseKind.NOTHING


def test_answers_are_logged_with_the_persons_words(kb, clock):
    response = kb.respond("<@99> wat about **GREE** users?", guild_id=GUILD, user_id=3)
    row = kb.store.logged_question(response.question_id)
    assert "<@99>" not in row["question"] and "**" not in row["question"]


QUESTIONS = [
    "How big is GREE?",
    "When did LinkedIn launch in Japan?",
    "Who owns Mobage Town?",
    "Where does the Fact Club meet?",
    "What did Groupon sell for New Year's?",
    "Who founded Facebook?",
    "whats the capital of australia",
]
LABELS = ["[see](https://example.com)", "[here](<https://example.com/a>)"]
SYNTAX = st.sampled_from(
    [
        "<@123456789>",
        "<@!42>",
        "<@&77>",
        "<#88>",
        "@everyone",
        "@here",
        "@every\u200bone",
        "<:blob:123456>",
        "<a:party:99>",
        "https://example.com/page",
        "<https://example.com>",
        "🎉",
        "**",
        "||",
        "`",
    ]
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    before=st.lists(st.one_of(SYNTAX, st.sampled_from(LABELS)), max_size=3),
    after=st.lists(SYNTAX, max_size=3),
)
def test_discord_syntax_around_a_question_never_changes_its_answer(kb, data, before, after):
    """Any question (these, and every phrasing of every fact) asked with mentions,
    emoji, links and markup around it gets the answer it gets without them."""
    phrasings = sorted({q for f in kb.retriever.facts() for q in f.questions})
    question = data.draw(st.sampled_from(QUESTIONS) | st.sampled_from(phrasings))
    # New people each time: no earlier example's question is their context
    # ("How many users does mixi say it has?" would be read as a follow-up).
    example = next(EXAMPLES)
    plain = kb.respond(question, guild_id=GUILD, user_id=f"plain-{example}", log=False).answer
    words = question.split(" ")
    at = data.draw(st.integers(0, len(words)))
    inside = data.draw(st.lists(SYNTAX.filter(lambda s: s not in ("**", "||", "`")), max_size=2))
    question = " ".join([*words[:at], *inside, *words[at:]])
    wrapped = " ".join([*before, question, *after])
    answer = kb.respond(wrapped, guild_id=GUILD, user_id=f"wrapped-{example}", log=False).answer
    assert answer.status is plain.status
    assert [sf.fact.id for sf in answer.facts] == [sf.fact.id for sf in plain.facts]


def test_conversation_memory_is_bounded_and_forgets_the_least_recent():
    memory = ConversationMemory(followup_seconds=60, reply_seconds=60, max_speakers=2)
    speakers = [Speaker(1, 1, user) for user in range(3)]
    for speaker in speakers:
        memory.remember(speaker, "q", ())
    assert len(memory) == 2
    assert memory.recall(speakers[0]) is None and memory.recall(speakers[2]) is not None


def test_nobody_has_context_without_a_user():
    memory = ConversationMemory(followup_seconds=60, reply_seconds=60, max_speakers=2)
    memory.remember(Speaker(1, 1, None), "q", ())
    assert len(memory) == 0


def test_conversation_keys_are_checked(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[conversation]\nfollowup_seconds = 600\nreply_followup_seconds = 60\n")
    with pytest.raises(ConfigError, match=r"conversation\.reply_followup_seconds"):
        load_config(path, environ={})
    path.write_text("[conversation]\nfollowup_seconds = 120\n")
    assert load_config(path, environ={}).conversation == replace(
        ConversationConfig(), followup_seconds=120.0
    )


def test_a_long_link_does_not_make_a_short_question_too_long(kb, clock):
    message = f"how big is GREE? https://example.com/{'x' * 600}"
    assert fact_ids(ask(kb, message))[0] == "gree-mobage-town-over-20-million-users-each"


def test_a_long_question_is_still_refused_politely(kb, clock):
    with pytest.raises(InvalidQuestionError, match="characters long"):
        ask(kb, "how big is GREE " * 40)


TROUBLE = st.sampled_from(
    ["<@1>", "@everyone", "\u200b", "**", "?", ".", "\n", "and ", "it ", "what about ", "3/11", "%"]
)
MESSAGES = st.lists(st.one_of(st.text(max_size=30), TROUBLE), max_size=25).map("".join)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=MESSAGES, second=MESSAGES, replying=st.booleans(), auto=st.booleans())
def test_any_two_messages_get_a_response_or_a_polite_refusal(kb, first, second, replying, auto):
    for message in (first, second):
        try:
            response = ask(kb, message, user="fuzz", replying=replying, questions_only=auto)
        except InvalidQuestionError:
            continue
        assert response.kind in ResponseKind
        if response.kind is ResponseKind.ANSWER:
            assert response.answer is not None and len(response.answer.facts) <= 3
        if response.kind is ResponseKind.SMALL_TALK:
            assert response.small_talk and not auto
