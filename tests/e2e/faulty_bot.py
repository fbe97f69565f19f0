"""`python -m tests.e2e.faulty_bot`: the real bot, with bugs planted on triggers.

The end-to-end fault tests run the bot through this wrapper instead of
`python -m bot`. It replaces a few project functions (never discord.py's) with
versions that raise RuntimeError when they see a trigger, then runs
`bot.__main__.main()` unchanged. Production code has no test hooks.

Triggers:
- asking (`KnowledgeBase.respond`, the bot's one door for questions, and
  `Retriever.ask`): a message or question containing BOOM;
- the did-you-mean button (`KnowledgeBase.answer_suggestion`) and the vote buttons
  (`FactStore.record_vote`): the user UNLUCKY;
- `/fact show` (`Curator.show`): the fact id "boom";
- the `/fact add` form (`Curator.validate`): a fact text containing BOOM;
- `/stats` (`KnowledgeBase.usage_stats`): the server FAULTY_GUILD; and, not a
  fault, `/stats scope:all` takes SLOW_STATS_SECONDS longer than usual;
- not a fault either: a message containing SLOW is answered SLOW_ASK_SECONDS late
  (as if SLOW were not there).

`FACTBOT_TEST_HEARTBEAT_TIMEOUT` (seconds), when set, is passed to discord.py as
its documented `heartbeat_timeout` client option (default 60 s), so a test can
see the bot give up on a silent gateway without waiting a minute.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

BOOM = "kaboomzz"  # a plain word: message cleaning keeps it inside a question
SLOW = "slowpokezz"
SLOW_ASK_SECONDS = 2.5  # past Discord's 3-second window with the time already spent
UNLUCKY = 1_080_000_000_000_000_666
FAULTY_GUILD = 1_100_000_000_000_000_001  # the default world's "Other Server"
FAULT = "injected fault"
SLOW_STATS_SECONDS = 2.0


def _raise(where: str) -> None:
    raise RuntimeError(f"{FAULT} in {where}")


def plant_faults() -> None:
    from bot import app
    from knowledge.curation.curator import Curator
    from knowledge.retrieval.retriever import Retriever
    from knowledge.service import KnowledgeBase
    from knowledge.store import FactStore

    ask = Retriever.ask

    def faulty_ask(self: Retriever, question: str, *args: Any, **kwargs: Any) -> Any:
        if BOOM in question:
            _raise("retrieval")
        return ask(self, question, *args, **kwargs)

    respond = KnowledgeBase.respond

    def faulty_respond(self: KnowledgeBase, message: str, *args: Any, **kwargs: Any) -> Any:
        # BOOM is markup ("__boom__") a message is read without: check it as sent.
        if isinstance(message, str) and BOOM in message:
            _raise("retrieval")
        if isinstance(message, str) and SLOW in message:
            time.sleep(SLOW_ASK_SECONDS)
            message = message.replace(SLOW, "")
        return respond(self, message, *args, **kwargs)

    answer_suggestion = KnowledgeBase.answer_suggestion

    def faulty_answer_suggestion(self: KnowledgeBase, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("user_id") == UNLUCKY:
            _raise("the did-you-mean button")
        return answer_suggestion(self, *args, **kwargs)

    record_vote = FactStore.record_vote

    def faulty_record_vote(
        self: FactStore, question_id: int, user_id: Any, *a: Any, **k: Any
    ) -> Any:
        if user_id == UNLUCKY:
            _raise("the vote button")
        return record_vote(self, question_id, user_id, *a, **k)

    show = Curator.show

    def faulty_show(self: Curator, fact_id: str, *args: Any, **kwargs: Any) -> Any:
        if fact_id == "boom":
            _raise("/fact show")
        return show(self, fact_id, *args, **kwargs)

    validate = Curator.validate

    def faulty_validate(self: Curator, draft: Any, *args: Any, **kwargs: Any) -> Any:
        if BOOM in draft.text:
            _raise("the fact form")
        return validate(self, draft, *args, **kwargs)

    usage_stats = KnowledgeBase.usage_stats

    def faulty_usage_stats(self: KnowledgeBase, guild_id: int | None) -> Any:
        if guild_id == FAULTY_GUILD:
            _raise("/stats")
        if guild_id is None:
            time.sleep(SLOW_STATS_SECONDS)
        return usage_stats(self, guild_id)

    Retriever.ask = faulty_ask  # type: ignore[method-assign]
    KnowledgeBase.respond = faulty_respond  # type: ignore[method-assign]
    KnowledgeBase.answer_suggestion = faulty_answer_suggestion  # type: ignore[method-assign]
    FactStore.record_vote = faulty_record_vote  # type: ignore[method-assign]
    Curator.show = faulty_show  # type: ignore[method-assign]
    Curator.validate = faulty_validate  # type: ignore[method-assign]
    KnowledgeBase.usage_stats = faulty_usage_stats  # type: ignore[method-assign]

    if timeout := os.environ.get("FACTBOT_TEST_HEARTBEAT_TIMEOUT"):
        init = app.FactBot.__init__

        def init_with_heartbeat_timeout(self: Any, *args: Any, **options: Any) -> None:
            options.setdefault("heartbeat_timeout", float(timeout))
            init(self, *args, **options)

        app.FactBot.__init__ = init_with_heartbeat_timeout  # type: ignore[method-assign]


if __name__ == "__main__":
    plant_faults()
    from bot.__main__ import main

    sys.exit(main())
