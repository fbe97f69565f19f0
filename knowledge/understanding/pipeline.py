"""From a raw chat message to what FactBot says: the one path every way of
asking uses (mention, reply, auto-answer, /ask, the context menu, the console
and `python -m knowledge ask`).

1. Discord syntax out; chat-speak, numbers and dates normalised.
2. Small talk answered as small talk.
3. The message split into clauses; each question asked, follow-ups read
   against the same person's previous question (or the sentence before).
4. The answers merged into one (at most `max_facts` facts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from functools import lru_cache

from ..models import Answer, Fact, Response, ResponseKind, ScoredFact, Status, Suggestion
from .chat_speak import expand_chat_speak
from .clauses import Clause, split_clauses
from .conversation import ConversationMemory, Speaker, Turn
from .discord_syntax import strip_discord_syntax, strip_mentions
from .followup import Rewrite, Vocabulary, asks_only_when, is_follow_up, refers_back, rewrites
from .numbers import normalise_numbers
from .small_talk import KIND_PRIORITY, is_reaction, reaction, small_talk, strip_opener

MAX_QUESTIONS = 3  # an embed shows at most three facts
STATEMENT_CONTEXT = 2  # sentences before a question that may explain its "it"
_HAS_WORD = re.compile(r"[^\W_]")
_RANK = {Status.ANSWER: 2, Status.SUGGEST: 1, Status.UNKNOWN: 0}
_OTHER_ONE = re.compile(r"\b(?:other|another)\b", re.IGNORECASE)
_CONNECTIVE = re.compile(r"^(?:and|also|plus|or)\s+", re.IGNORECASE)  # "· and when..." reads badly


@lru_cache(maxsize=4096)
def clean_message(message: str) -> str:
    """The message's words as plain English: Discord syntax removed,
    chat-speak, numbers and dates normalised. (Remembered: a message is read
    by the size check, the auto-answer check and the pipeline.)"""
    return normalise_numbers(expand_chat_speak(strip_discord_syntax(message)))


def asks_something(message: str) -> bool:
    """True when some clause of the message reads as a question and is not
    small talk: what auto-answer channels answer."""
    return any(
        c.is_question and not small_talk(c.text) for c in split_clauses(clean_message(message))
    )


@dataclass(frozen=True)
class _Part:
    answer: Answer
    searched: str  # the question as it was searched (a follow-up, rewritten)
    asked: str  # the question in the person's own words
    context_question: str = ""

    def shown(self) -> Answer:
        """The answer titled with the person's words; a "did you mean" keeps
        the searched question, which a pick asks again."""
        if self.answer.status is Status.SUGGEST:
            return self.answer
        return replace(self.answer, question=self.asked)


@dataclass(frozen=True)
class Responder:
    """Reads messages and answers them with `ask` (one question in, one Answer out)."""

    ask: Callable[[str], Answer]
    vocabulary: Vocabulary
    memory: ConversationMemory
    _: KW_ONLY
    known: Callable[[str], bool] = lambda word: True
    max_facts: int = 3

    def respond(
        self,
        message: str,
        speaker: Speaker,
        *,
        replying: bool = False,
        questions_only: bool = False,
    ) -> Response:
        """What to say. `replying`: the message replies to FactBot (its context
        lasts longer). `questions_only`: say nothing unless a clause reads as a
        question (auto-answer channels)."""
        if is_reaction(strip_mentions(message)):  # "👍", ":)", "<3"
            nod = reaction()
            return Response(ResponseKind.SMALL_TALK, small_talk=nod.reply, small_talk_kind=nod.kind)
        text = clean_message(message)
        clauses = [c for c in split_clauses(text) if _HAS_WORD.search(c.text)]
        if not clauses:
            return Response(ResponseKind.NOTHING)
        talk = [small_talk(c.text) for c in clauses]
        if all(talk):
            kinds = [t.kind for t in talk if t]
            kind = min(kinds, key=KIND_PRIORITY.index)
            reply = next(t.reply for t in talk if t and t.kind == kind)
            return Response(ResponseKind.SMALL_TALK, small_talk=reply, small_talk_kind=kind)
        clauses = [c for c, t in zip(clauses, talk, strict=True) if not t]
        asked = [i for i, c in enumerate(clauses) if c.is_question]
        if not asked:
            if questions_only:
                return Response(ResponseKind.NOTHING)
            clauses = [Clause(" ".join(c.text for c in clauses), True)]
            asked = [0]
        remembered = self.memory.recall(speaker, replying=replying)
        parts: list[_Part] = []
        for i in asked[:MAX_QUESTIONS]:
            parts.append(self._ask_clause(clauses, i, parts[-1] if parts else None, remembered))
        last = parts[-1]
        self.memory.remember(speaker, last.searched, _facts_of(last.answer))
        used = next((p.context_question for p in parts if p.context_question), "")
        return Response(
            ResponseKind.ANSWER,
            answer=self._merge(parts),
            context_question=used,
            questions=tuple(p.searched for p in parts),
        )

    def _ask_clause(
        self, clauses: list[Clause], i: int, before: _Part | None, remembered: Turn | None
    ) -> _Part:
        """Ask clause i; a follow-up is read against the clause before it in
        the message (a question or the sentences leading up to it), or else
        the speaker's remembered turn."""
        question = strip_opener(clauses[i].text)
        alone = _Part(self.ask(question), question, question)
        follow_up = is_follow_up(question, self.vocabulary, self.known)
        previous = clauses[i - 1] if i else None
        context, shown = remembered, remembered.question if remembered else ""
        if previous is not None and previous.is_question and before is not None:
            context, shown = Turn(before.searched, _facts_of(before.answer), 0.0), ""
        elif previous is not None:
            statements = [c.text for c in clauses[:i] if not c.is_question][-STATEMENT_CONTEXT:]
            context, shown = self._statement_turn(statements), ""
        if context is None or not (follow_up or context is not remembered):
            return alone
        ask = self.ask
        if context.facts and _OTHER_ONE.search(question):  # "what about the other room?"
            said = context.facts[0].id

            def ask(text: str) -> Answer:
                return _excluding(self.ask(text), said)

            alone = _Part(ask(question), question, question)
        prefer_context = follow_up or refers_back(question)
        best: _Part | None = None
        for rewrite in rewrites(question, context.question, context.facts, self.vocabulary):
            part = _Part(ask(rewrite.question), rewrite.question, question, shown)
            if part.answer.status is Status.ANSWER:
                if self._fits(part, rewrite, context, question):
                    best = part  # the most literal reading that answers
                    break
                part = replace(part, answer=_offered(part.answer))
            if best is None or _beats(part, best):
                best = part
        if best is None:
            return alone
        if asks_only_when(question):  # "and last year?" means nothing alone
            return best
        if prefer_context and _RANK[best.answer.status] >= _RANK[alone.answer.status]:
            return best
        if best.answer.status is Status.ANSWER and alone.answer.status is not Status.ANSWER:
            return best
        return alone

    def _fits(self, part: _Part, rewrite: Rewrite, context: Turn, question: str) -> bool:
        """Whether a rewrite's answer fits the follow-up. A swap ("and mixi?")
        must be answered about the new name and no longer the old one; the
        earlier answer again only fits a follow-up that adds nothing, or whose
        own words that fact has ("when was that report?", not "what pushed its
        growth?")."""
        if not part.answer.facts:
            return True
        fact = part.answer.facts[0].fact
        words = set(self.vocabulary.content_tokens(" ".join((fact.text, *fact.keywords))))
        if context.facts and fact.id == context.facts[0].id:
            asked = set(self.vocabulary.content_tokens(context.question))
            own = {
                t
                for t in self.vocabulary.content_tokens(question)
                if t not in asked and not self.vocabulary.is_generic(t)
            }
            written = " ".join((fact.text, *fact.keywords)).casefold()
            if own and not any(t in words or t in written for t in own):
                return False
        if not rewrite.adds:
            return True
        adds = set(self.vocabulary.content_tokens(rewrite.adds))
        drops = set(self.vocabulary.content_tokens(rewrite.drops)) - adds
        return adds <= words and not drops & words

    def _statement_turn(self, statements: list[str]) -> Turn:
        """The sentences before a question, as the context of its "it"; only
        words the fact base knows, so chatter does not dilute the question."""
        words = [w for s in statements for w in s.split() if self.known(w.strip(".,!?;:"))]
        return Turn(" ".join(words), (), 0.0)

    def _merge(self, parts: list[_Part]) -> Answer:
        answered = [p.shown() for p in parts if p.answer.status is Status.ANSWER]
        if not answered:
            offered = [p.shown() for p in parts if p.answer.status is Status.SUGGEST]
            return (offered or [parts[0].shown()])[0]
        if len(answered) == 1:
            return answered[0]
        firsts = [a.facts[0] for a in answered]
        rest = [sf for a in answered for sf in a.facts[1:]]
        chosen: dict[str, ScoredFact] = {}
        for scored in [*firsts, *rest]:
            if len(chosen) < self.max_facts:
                chosen.setdefault(scored.fact.id, scored)
        return Answer(
            question=" · ".join(_CONNECTIVE.sub("", a.question) for a in answered),
            status=Status.ANSWER,
            confidence=min(a.confidence for a in answered),
            facts=tuple(chosen.values()),
            latency_ms=sum(a.latency_ms for a in answered),
        )


def _offered(answer: Answer) -> Answer:
    """An answer that does not fit, offered as "did you mean" instead."""
    return replace(
        answer,
        status=Status.SUGGEST,
        facts=(),
        suggestions=tuple(
            Suggestion(
                sf.fact.questions[0] if sf.fact.questions else sf.fact.text, sf.fact.id, sf.score
            )
            for sf in answer.facts
        ),
    )


def _excluding(answer: Answer, fact_id: str) -> Answer:
    """The answer without one fact (the one said before "the other one"):
    the next fact stated, or offered, or nothing."""
    if answer.status is Status.ANSWER:
        facts = tuple(sf for sf in answer.facts if sf.fact.id != fact_id)
        if len(facts) == len(answer.facts):
            return answer
        if facts:
            return replace(answer, facts=facts, confidence=facts[0].score)
        return replace(answer, status=Status.UNKNOWN, facts=())
    kept = tuple(s for s in answer.suggestions if s.fact_id != fact_id)
    if len(kept) == len(answer.suggestions):
        return answer
    if kept:
        return replace(answer, suggestions=kept, confidence=kept[0].score)
    return replace(answer, status=Status.UNKNOWN, suggestions=())


def _beats(part: _Part, other: _Part) -> bool:
    a, b = part.answer, other.answer
    return (_RANK[a.status], a.confidence) > (_RANK[b.status], b.confidence)


def _facts_of(answer: Answer) -> tuple[Fact, ...]:
    return tuple(sf.fact for sf in answer.facts)
