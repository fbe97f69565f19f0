"""KnowledgeBase: answering and recording what was asked."""

from __future__ import annotations

import pytest

from knowledge.errors import FactNotFoundError, StoreError
from knowledge.models import Status
from knowledge.service import KnowledgeBase, VoteResult


def test_answer_is_given_even_when_the_question_log_cannot_be_written(kb, caplog):
    kb.store.db.execute(
        "create trigger log_fails before insert on question_log "
        "begin select raise(fail, 'database or disk is full'); end"
    )
    result = kb.ask("How big is GREE?", guild_id=1, user_id=2, via="slash")
    assert result.answer.status is Status.ANSWER
    assert "20 million" in result.answer.facts[0].fact.text
    assert result.question_id is None  # so no vote buttons are offered
    assert "could not record the question" in caplog.text


def test_every_asked_question_is_logged_with_its_outcome(kb):
    first = kb.ask("How big is GREE?", guild_id=1, channel_id=3, user_id=2, via="mention")
    second = kb.ask("qwertyuiop", guild_id=1, user_id=2, via="slash")
    rows = kb.store.read(
        "select id, status, via, guild_id, channel_id from question_log order by id"
    )
    assert [(r["id"], r["status"], r["via"]) for r in rows] == [
        (first.question_id, "answer", "mention"),
        (second.question_id, "unknown", "slash"),
    ]
    assert rows[0]["channel_id"] == 3


def test_opening_with_create_builds_a_new_fact_base_from_the_packaged_files(config):
    kb = KnowledgeBase.open(config, create=True)
    try:
        assert kb.fact_counts()["curated"] == 59
        assert kb.ask("How big is GREE?").answer.status is Status.ANSWER
    finally:
        kb.close()


def test_opening_without_create_refuses_a_missing_fact_base(config):
    with pytest.raises(StoreError, match="not found"):
        KnowledgeBase.open(config)
    assert not config.database.path.exists()


def test_a_second_vote_replaces_the_first_and_the_counts_follow(kb):
    question_id = kb.ask("How big is GREE?", guild_id=1, user_id=2).question_id
    assert kb.vote(question_id, 2, True, guild_id=1) == VoteResult("added", 1, 0)
    assert kb.vote(question_id, 3, True, guild_id=1) == VoteResult("added", 2, 0)
    assert kb.vote(question_id, 2, False, guild_id=1) == VoteResult("changed", 1, 1)
    assert kb.vote(question_id, 2, False, guild_id=1) == VoteResult("unchanged", 1, 1)


def test_a_vote_on_an_answer_of_another_server_is_refused(kb):
    question_id = kb.ask("How big is GREE?", guild_id=1, user_id=2).question_id
    with pytest.raises(FactNotFoundError):
        kb.vote(question_id, 2, True, guild_id=9)


def test_server_settings_are_kept_per_server(kb):
    kb.set_auto_answer(1, 10, True, actor="t")
    kb.set_auto_answer(2, 20, True, actor="t")
    kb.set_auto_answer(1, 10, False, actor="t")
    kb.set_admin_role(1, 77, actor="t")
    assert kb.auto_answer_channels() == {20}
    assert kb.admin_roles() == {1: 77}


def test_sources_are_the_indexed_ones(kb):
    assert set(kb.sources) == set(kb.store.sources())
