"""KnowledgeBase: answering and recording what was asked."""

from __future__ import annotations

from knowledge.models import Status


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
