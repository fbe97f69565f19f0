"""Cold start: what changed in the fact base while the bot was stopped is
answered from the first question after it starts again."""

from __future__ import annotations

from knowledge.curation.curator import Curator, FactDraft
from knowledge.service import KnowledgeBase
from knowledge.store import FactStore

from .test_live_sync import GUILD, MEETUP, add_meetup, answered_ids, move_meetup_to_saturday


def test_changes_made_while_the_bot_was_stopped_are_answered_after_start(kb):
    config = kb.config
    kept = add_meetup(kb)
    gone = Curator(kb).add(
        FactDraft(
            text="The Fact Club board game night is on Tuesdays.",
            questions=("When is board game night?",),
            keywords=("board game night",),
            citation="https://example.org/rules Server rules, section 5",
        ),
        guild_id=GUILD,
        actor="admin:1",
    )
    assert answered_ids(kb)[0] == kept.id
    kb.close()  # the bot stops

    # Meanwhile, from the terminal (another process, its own connection):
    # one fact edited, one removed.
    offline = KnowledgeBase(FactStore.open(config.database.path), config)
    curator = Curator(offline)
    move_meetup_to_saturday(curator, kept.id)
    curator.remove(gone.id, guild_id=GUILD, actor="admin:1", is_owner=False)
    offline.close()

    restarted = KnowledgeBase.open(config)  # the bot starts again
    try:
        assert restarted.loaded_saved_index  # started from the file saved before the stop
        shown = restarted.ask(MEETUP, guild_id=GUILD, log=False).answer.facts[0].fact
        assert "Saturday" in shown.text
        assert gone.id not in answered_ids(restarted, "when is board game night?")
        assert gone.id not in restarted.retriever
        assert restarted.sync_state().applied_seq == restarted.store.feed_position().seq
    finally:
        restarted.close()
