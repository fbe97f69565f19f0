"""Small typed values passed between the knowledge package and its callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """A document facts are drawn from."""

    id: str
    title: str
    publisher: str
    date: str
    url: str
    paragraphs: tuple[str, ...] = ()
    attribution: str = ""


@dataclass(frozen=True, slots=True)
class Fact:
    """One atomic, cited claim."""

    id: str
    text: str
    source_id: str | None
    paragraph: int | None
    quote: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    origin: str = "curated"  # "curated" or "admin"
    guild_id: int | None = None  # None: visible in every server
    citation_note: str = ""  # free-text citation for facts from outside a source


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a fact comes from, ready to show a reader."""

    source_title: str
    publisher: str
    date: str
    paragraph: int | None
    quote: str
    url: str


class Status(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ScoredFact:
    fact: Fact
    score: float
    citation: Citation


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A "did you mean" choice: a question the fact answers, and the fact."""

    question: str
    fact_id: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The outcome of asking one question."""

    question: str
    status: Status
    confidence: float
    facts: tuple[ScoredFact, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    latency_ms: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The CLI's `--json` shape."""
        return {
            "question": self.question,
            "status": self.status.value,
            "confidence": round(self.confidence, 1),
            "facts": [
                {
                    "id": sf.fact.id,
                    "text": sf.fact.text,
                    "source": sf.citation.source_title,
                    "publisher": sf.citation.publisher,
                    "date": sf.citation.date,
                    "paragraph": sf.citation.paragraph,
                    "quote": sf.citation.quote,
                    "url": sf.citation.url,
                    "score": round(sf.score, 1),
                }
                for sf in self.facts
            ],
            "suggestions": [
                {"question": s.question, "fact_id": s.fact_id, "score": round(s.score, 1)}
                for s in self.suggestions
            ],
        }


class ResponseKind(StrEnum):
    ANSWER = "answer"  # an Answer (answer, did-you-mean or unknown)
    SMALL_TALK = "small_talk"  # a friendly reply that states no fact
    NOTHING = "nothing"  # no words left to read (only mentions, links or emoji)


@dataclass(frozen=True, slots=True)
class Response:
    """What to say to one message: the questions it asked, answered together
    (at most max_facts facts), or a small-talk reply."""

    kind: ResponseKind
    answer: Answer | None = None
    small_talk: str = ""  # the reply text, for SMALL_TALK
    small_talk_kind: str = ""
    example: str = ""  # an example question the server's facts answer, for SMALL_TALK
    context_question: str = ""  # the earlier question a follow-up was read against
    questions: tuple[str, ...] = ()  # the questions found, as searched
    question_id: int | None = None  # the question-log row, for feedback
