"""The fact base as the rest of FactBot uses it: ask, and record what was asked.

`KnowledgeBase` ties the store and the retriever together. It is synchronous;
the bot calls it through asyncio.to_thread.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .curation.build import runtime_lexicon
from .errors import FactNotFoundError, StoreError
from .models import Answer, Fact
from .retrieval.normalize import Normalizer
from .retrieval.retriever import Retriever
from .store import FactStore, LoggedQuestion

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


logger = logging.getLogger("factbot.knowledge")


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    question_id: int | None  # the question-log row, for feedback; None if not logged


class KnowledgeBase:
    """Answers questions from a FactStore through an in-memory Retriever."""

    def __init__(self, store: FactStore, config: Config) -> None:
        self.store = store
        self.config = config
        self._lock = threading.Lock()
        self.retriever = self._new_retriever()

    @classmethod
    def open(cls, config: Config, *, create: bool = False) -> KnowledgeBase:
        """Open the store at the configured path and index its live facts.

        Raises StoreError (naming the file) if it is missing or unusable.
        """
        store = FactStore.open(
            Path(config.database.path),
            busy_timeout_ms=config.database.busy_timeout_ms,
            create=create,
        )
        return cls(store, config)

    def _new_retriever(self) -> Retriever:
        retriever = Retriever(
            Normalizer(runtime_lexicon(self.store)), self.config.retrieval, self.store.sources()
        )
        retriever.load(self.store.live_facts())
        return retriever

    def reload(self) -> None:
        """Re-read sources, aliases and facts (after a build)."""
        retriever = self._new_retriever()
        with self._lock:
            self.retriever = retriever

    def ask(
        self,
        question: str,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | str | None = None,
        via: str = "cli",
        log: bool = True,
    ) -> AskResult:
        """Answer a question and (unless log=False) record it in the question log.

        Raises InvalidQuestionError for empty or over-long questions.
        """
        if isinstance(question, str):  # lone surrogates cannot be stored in the log
            question = _LONE_SURROGATE.sub("\ufffd", question)
        with self._lock:
            answer = self.retriever.ask(question, guild_id=guild_id)
        question_id = None
        if log:
            try:
                question_id = self._log(answer, guild_id, channel_id, user_id, via)
            except StoreError:
                # The answer comes from memory: give it even when the log cannot be
                # written (disk full, lock held too long); it just gets no vote buttons.
                logger.exception("could not record the question in the question log")
        return AskResult(answer=answer, question_id=question_id)

    def _log(
        self,
        answer: Answer,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | str | None,
        via: str,
    ) -> int:
        return self.store.log_question(
            LoggedQuestion(
                question=answer.question,
                status=answer.status.value,
                confidence=answer.confidence,
                fact_ids=tuple(sf.fact.id for sf in answer.facts)
                or tuple(s.fact_id for s in answer.suggestions),
                scores=tuple(sf.score for sf in answer.facts)
                or tuple(s.score for s in answer.suggestions),
                latency_ms=answer.latency_ms,
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                via=via,
            )
        )

    def answer_suggestion(
        self,
        question_id: int,
        index: int,
        *,
        guild_id: int | None,
        channel_id: int | None = None,
        user_id: int | str | None = None,
        via: str = "pick",
    ) -> AskResult:
        """The answer for "did you mean" choice `index` of a logged question.

        Only choices offered in the same server can be picked. Raises
        FactNotFoundError if the question, the choice or the fact is gone.
        """
        row = self.store.logged_question(question_id)
        if row["status"] != "suggest" or row["guild_id"] != guild_id:
            raise FactNotFoundError("that choice is no longer available")
        if not 0 <= index < len(row["fact_ids"]):
            raise FactNotFoundError("that choice is no longer available")
        fact_id = row["fact_ids"][index]
        offered = self._offered_question(row, index)
        with self._lock:
            answer = self.retriever.answer_with(fact_id, offered, guild_id)
        return AskResult(answer, self._log(answer, guild_id, channel_id, user_id, via))

    def _offered_question(self, row: dict, index: int) -> str:
        """The "did you mean" question that was offered (asked again, as the log
        keeps fact ids only); the fact's first question if the choices changed."""
        fact_id = row["fact_ids"][index]
        with self._lock:
            again = self.retriever.ask(row["question"], guild_id=row["guild_id"]).suggestions
        if index < len(again) and again[index].fact_id == fact_id:
            return again[index].question
        questions = self.store.get_fact(fact_id).questions
        return questions[0] if questions else row["question"]

    def index(self, fact: Fact) -> None:
        """Add or replace a fact in the live index (after it was saved)."""
        with self._lock:
            self.retriever.upsert(fact)

    def unindex(self, fact_id: str) -> None:
        """Drop a fact from the live index (after it was removed)."""
        with self._lock:
            self.retriever.remove(fact_id)

    def close(self) -> None:
        self.store.close()
