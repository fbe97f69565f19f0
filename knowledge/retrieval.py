"""Find the facts that answer a question, or say honestly that none does.

Two stages. Candidates come from an inverted index over normalised tokens,
with typos caught by matching each question word against the vocabulary with
rapidfuzz. Each candidate is then scored on how much of the question it covers
(words weighted by rarity, so an unmatched rare word such as "founded" or "CEO"
pulls the score down) and on how close the question is to one of the fact's
phrasings (rapidfuzz token ratios). The score is the confidence.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .config import RetrievalConfig
from .errors import FactNotFoundError, InvalidQuestionError
from .models import Answer, Fact, ScoredFact, Source, Status, Suggestion
from .normalize import Normalizer, QuestionType, fold, question_type
from .store import citation_for

# Weight given to a question word the fact base has never seen, relative to the
# rarest word it has: such a word is a sign the question is about something else.
UNKNOWN_WORD_WEIGHT = 0.9
# Words in scripts we do not split (Japanese runs) count for less.
UNSPLIT_WORD_WEIGHT = 0.15
# Typos: one edit (OSA: insert, delete, substitute, transpose) from 4 letters,
# two from 8, as search engines' "auto" fuzziness does.
TYPO_SIMILARITY = {1: 0.9, 2: 0.8}
PREFIX_MIN = 5  # a shared prefix this long counts as the same word stem
PREFIX_SIMILARITY = 0.85
DESCRIPTION_SIMILARITY = 0.8  # a word that describes an entity the fact names
GENERIC_WORD_WEIGHT = 0.4  # an everyday word ("time", "day") counts for less
COVERAGE_WEIGHT = 0.7  # the rest is phrasing similarity
MIN_ANSWER_COVERAGE = 0.6  # below this share of the question, never assert a fact
TOPIC_MARGIN_FACTOR = 2.5  # "tell me about X" shows more of what is known about X

# A quantity, not a year or a day of the month.
_QUANTITY = re.compile(
    r"(?<!march )(?<!\d)(?!(?:19|20)\d\d(?!\d))\d+(?:[.,]\d+)?(?!\d)|%"
    r"|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|billion|half|quarter|double|twice|"
    r"percent)\b"
)
_TIMEISH = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|\d{4}|year|month|quarter|new year|hours?|days?|week)\b"
)


@dataclass(slots=True)
class _Candidate:
    score: float
    indexed: _Indexed
    phrasing_index: int  # which phrasing matched best: 0 the text, i the i-th question
    coverage: float
    assertable: bool  # enough evidence to state this fact outright


@dataclass(slots=True)
class _Indexed:
    fact: Fact
    tokens: frozenset[str]  # the fact's own words
    described: frozenset[str]  # words describing the entities it names
    phrasings: tuple[str, ...]  # normalised content strings: text, then questions
    display_questions: tuple[str, ...]
    has_number: bool
    has_time: bool


class Retriever:
    """An in-memory index over live facts; cheap to update one fact at a time."""

    def __init__(
        self,
        normalizer: Normalizer,
        config: RetrievalConfig,
        sources: dict[str, Source] | None = None,
    ) -> None:
        self.normalizer = normalizer
        self.config = config
        self.sources = dict(sources or {})
        self._facts: dict[str, _Indexed] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._vocab: list[str] = []
        self._vocab_dirty = True

    # -- index maintenance ----------------------------------------------
    def load(self, facts: Iterable[Fact]) -> None:
        """Replace the whole index."""
        self._facts.clear()
        self._postings.clear()
        for fact in facts:
            self.upsert(fact)

    def upsert(self, fact: Fact) -> None:
        """Add a fact, or replace the indexed version of it."""
        if fact.id in self._facts:
            self.remove(fact.id)
        norm = self.normalizer
        phrasings = tuple(" ".join(norm.content_tokens(p)) for p in (fact.text, *fact.questions))
        tokens = set(" ".join(phrasings).split())
        for keyword in fact.keywords:
            tokens.update(norm.content_tokens(keyword))
        described: set[str] = set()
        for token in tokens:
            if norm.is_entity(token):
                described |= norm.description_tokens(token)
        folded_text = fold(fact.text)
        indexed = _Indexed(
            fact=fact,
            tokens=frozenset(tokens),
            described=frozenset(described - tokens),
            phrasings=phrasings,
            display_questions=fact.questions,
            has_number=bool(_QUANTITY.search(folded_text)),
            has_time=bool(_TIMEISH.search(folded_text)),
        )
        self._facts[fact.id] = indexed
        for token in indexed.tokens | indexed.described:
            if token not in self._postings:
                self._vocab_dirty = True
            self._postings[token].add(fact.id)

    def remove(self, fact_id: str) -> None:
        indexed = self._facts.pop(fact_id, None)
        if indexed is None:
            return
        for token in indexed.tokens | indexed.described:
            ids = self._postings.get(token)
            if ids is not None:
                ids.discard(fact_id)
                if not ids:
                    del self._postings[token]
                    self._vocab_dirty = True

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, fact_id: str) -> bool:
        return fact_id in self._facts

    # -- asking ----------------------------------------------------------
    def check_question(self, question: str) -> str:
        """The question, stripped; raises InvalidQuestionError if unusable."""
        if not isinstance(question, str) or not fold(question).strip():
            raise InvalidQuestionError("Please ask a question: the message was empty.")
        question = question.strip()
        limit = self.config.max_question_chars
        if len(question) > limit:
            raise InvalidQuestionError(
                f"That question is {len(question):,} characters long; "
                f"please keep it under {limit:,}."
            )
        return question

    def ask(self, question: str, guild_id: int | None = None) -> Answer:
        """Answer one question for one server (None: curated facts only).

        Raises InvalidQuestionError for an empty or over-long question. A
        question with nothing searchable is a normal `unknown` answer.
        """
        started = time.perf_counter()
        question = self.check_question(question)
        answer = self._decide(question, *self._rank(question, guild_id))
        latency = (time.perf_counter() - started) * 1000
        return Answer(
            question=answer.question,
            status=answer.status,
            confidence=answer.confidence,
            facts=answer.facts,
            suggestions=answer.suggestions,
            latency_ms=latency,
            notes=answer.notes,
        )

    def _rank(self, question: str, guild_id: int | None) -> tuple[list[_Candidate], bool]:
        """Candidates visible in this server, best first, and whether the
        question only names things ("tell me about DeNA"): a topic question."""
        tokens = self.normalizer.content_tokens(question)
        if not tokens or not self._facts:
            return [], False
        n_facts = len(self._facts)
        max_idf = math.log(1 + n_facts)
        weights: dict[str, float] = {}
        expansions: dict[str, dict[str, float]] = {}
        for token in tokens:
            expansion = self._expand(token)
            expansions[token] = expansion
            if expansion:
                best = max(expansion, key=lambda v: (expansion[v], -len(self._postings[v])))
                weights[token] = math.log(1 + n_facts / len(self._postings[best]))
            elif token.isascii():
                weights[token] = max_idf * UNKNOWN_WORD_WEIGHT
            else:
                weights[token] = max_idf * UNSPLIT_WORD_WEIGHT
            if self.normalizer.is_generic(token):
                weights[token] *= GENERIC_WORD_WEIGHT
        total_weight = sum(weights.values())

        matched: dict[str, dict[str, float]] = defaultdict(dict)
        for token, expansion in expansions.items():
            for vocab_token, similarity in expansion.items():
                for fact_id in self._postings[vocab_token]:
                    if vocab_token not in self._facts[fact_id].tokens:
                        similarity_here = similarity * DESCRIPTION_SIMILARITY
                    else:
                        similarity_here = similarity
                    seen = matched[fact_id]
                    if similarity_here > seen.get(token, 0.0):
                        seen[token] = similarity_here

        entity_tokens = {
            token
            for token, expansion in expansions.items()
            if any(self.normalizer.is_entity(v) for v in expansion)
        }
        qtype = question_type(question)
        query_string = " ".join(tokens)
        candidates = []
        for fact_id, hits in matched.items():
            indexed = self._facts[fact_id]
            if indexed.fact.guild_id is not None and indexed.fact.guild_id != guild_id:
                continue
            coverage = sum(weights[t] * s for t, s in hits.items()) / total_weight
            best = process.extractOne(query_string, indexed.phrasings, scorer=_phrasing_similarity)
            similarity, phrasing_index = (best[1], best[2]) if best else (0.0, 0)
            score = 100 * COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * similarity
            score += _type_adjustment(qtype, indexed)
            # Everyday words alone say nothing, and one plain word is too
            # little to go on, though one name is enough.
            telling = [t for t in hits if not self.normalizer.is_generic(t)]
            if not telling or (len(telling) == 1 and telling[0] not in entity_tokens):
                continue
            # A "how many" question is only answered by a fact with a quantity.
            assertable = coverage >= MIN_ANSWER_COVERAGE and (
                qtype is not QuestionType.NUMBER or indexed.has_number
            )
            candidates.append(
                _Candidate(
                    max(0.0, min(100.0, score)), indexed, phrasing_index, coverage, assertable
                )
            )
        candidates.sort(key=lambda c: (-c.score, c.indexed.fact.id))
        return candidates, len(entity_tokens) == len(tokens)

    def _expand(self, token: str) -> dict[str, float]:
        """Vocabulary words this question word may stand for, with similarity."""
        found = {token: 1.0} if token in self._postings else {}
        if len(token) < 4 or not token.isascii() or token[0].isdigit():
            return found
        max_edits = 2 if len(token) >= 8 else 1
        for vocab_token, edits, _ in process.extract(
            token, self._vocabulary(), scorer=OSA.distance, score_cutoff=max_edits, limit=8
        ):
            if vocab_token != token and len(vocab_token) >= 4 and not vocab_token[0].isdigit():
                found.setdefault(vocab_token, TYPO_SIMILARITY[int(edits)])
        if len(token) >= PREFIX_MIN:
            for vocab_token in self._vocabulary():
                if (
                    len(vocab_token) >= PREFIX_MIN
                    and vocab_token != token
                    and (vocab_token.startswith(token) or token.startswith(vocab_token))
                ):
                    found[vocab_token] = max(found.get(vocab_token, 0.0), PREFIX_SIMILARITY)
        return found

    def _vocabulary(self) -> list[str]:
        if self._vocab_dirty:
            self._vocab = sorted(self._postings)
            self._vocab_dirty = False
        return self._vocab

    def _decide(self, question: str, ranked: list[_Candidate], topic: bool) -> Answer:
        cfg = self.config
        if not ranked:
            return Answer(question=question, status=Status.UNKNOWN, confidence=0.0)
        top = ranked[0]
        if top.score >= cfg.answer_threshold and top.assertable:
            margin = cfg.related_margin * (TOPIC_MARGIN_FACTOR if topic else 1)
            floor = max(cfg.answer_threshold, top.score - margin)
            chosen = [c for c in ranked[: cfg.max_facts] if c.score >= floor and c.assertable]
            return Answer(
                question=question,
                status=Status.ANSWER,
                confidence=top.score,
                facts=tuple(
                    ScoredFact(c.indexed.fact, c.score, citation_for(c.indexed.fact, self.sources))
                    for c in chosen
                ),
            )
        if top.score >= cfg.suggest_threshold:
            suggestions = tuple(
                Suggestion(
                    question=_suggestion_text(c.indexed, c.phrasing_index),
                    fact_id=c.indexed.fact.id,
                    score=c.score,
                )
                for c in ranked[: cfg.max_suggestions]
                if c.score >= cfg.suggest_threshold
            )
            return Answer(
                question=question,
                status=Status.SUGGEST,
                confidence=top.score,
                suggestions=suggestions,
            )
        return Answer(question=question, status=Status.UNKNOWN, confidence=top.score)

    def answer_with(self, fact_id: str, question: str, guild_id: int | None = None) -> Answer:
        """The answer for a chosen "did you mean" fact.

        Raises FactNotFoundError if the fact is gone or not visible here.
        """
        indexed = self._facts.get(fact_id)
        if indexed is None or indexed.fact.guild_id not in (None, guild_id):
            raise FactNotFoundError(f"no fact with id {fact_id!r}")
        scored = ScoredFact(indexed.fact, 100.0, citation_for(indexed.fact, self.sources))
        return Answer(question=question, status=Status.ANSWER, confidence=100.0, facts=(scored,))

    def explain(self, question: str, guild_id: int | None = None, limit: int = 5) -> list[str]:
        """Debug lines: the top candidates with their scores."""
        question = self.check_question(question)
        return [
            f"{c.score:5.1f} cov={c.coverage:.2f}{'' if c.assertable else ' (weak)'} "
            f"{c.indexed.fact.id}: {c.indexed.phrasings[c.phrasing_index]}"
            for c in self._rank(question, guild_id)[0][:limit]
        ]


def _phrasing_similarity(a: str, b: str, **kwargs: object) -> float:
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def _type_adjustment(qtype: QuestionType, indexed: _Indexed) -> float:
    if qtype is QuestionType.NUMBER:
        return 3.0 if indexed.has_number else -5.0
    if qtype is QuestionType.TIME:
        return 3.0 if indexed.has_time else -5.0
    return 0.0


def _suggestion_text(indexed: _Indexed, phrasing_index: int) -> str:
    """A question to offer: the closest of the fact's phrasings when it reads as a
    question, else its first (main) question, else the fact text itself."""
    questions = indexed.display_questions
    if phrasing_index >= 1 and questions[phrasing_index - 1].rstrip().endswith("?"):
        return questions[phrasing_index - 1]
    if questions:
        return questions[0]
    text = indexed.fact.text
    return text if len(text) <= 90 else text[:89].rstrip() + "…"
