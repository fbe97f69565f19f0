"""Read a follow-up ("and twitter?", "when was that?", "who owns it?") as a
whole question, using the question before it and what its answer said.

A follow-up is a message that starts by continuing ("and", "what about"), or
refers back ("it", "that", "they") with few words of its own, or has at most
one word of its own. It is rewritten into a few candidate questions; the
caller asks each and keeps the best answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..models import Fact

_CONTINUES = re.compile(
    r"^\W*(?:(?:and|also|so|ok|okay|but|then|or)\s+)?(?:what|how)\s+about\b"
    r"|^\W*(?:and|also|plus|or|same\s+for|what\s+of)\b",
    re.I,
)
# Words that stand for a thing named before ("who owns it?")...
_NAME_REFERENCES = frozenset(
    [
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "theirs",
        "he",
        "she",
        "him",
        "her",
        "his",
        "hers",
    ]
)
# ...for what was asked before ("when was that?"), or pick among what was said.
_OTHER_REFERENCES = frozenset(
    [
        "that",
        "this",
        "those",
        "these",
        "there",
        "then",
        "same",
        "else",
        "other",
        "another",
        "one",
        "ones",
        "former",
        "latter",
    ]
)
_REFERS_BACK = _NAME_REFERENCES | _OTHER_REFERENCES
_ORDINAL = re.compile(
    r"\b(?:the\s+)?(first|second|third|fourth|last|former|latter)(?:\s+one)?\b", re.I
)
_ORDINAL_INDEX = {
    "first": 0,
    "former": 0,
    "second": 1,
    "latter": -1,
    "third": 2,
    "fourth": 3,
    "last": -1,
}
_QUESTION_WORD = re.compile(
    r"^\W*(?:who|whom|whose|what|whats|what's|when|where|which|why|how|is|are|was|were|does|"
    r"do|did|can|could|will|would|has|have|had)\b",
    re.I,
)
_TIME_WORDS = re.compile(
    r"\b(?:in\s+|on\s+|during\s+|by\s+)?(?:(?:this|last|next|previous)\s+(?:year|season|month"
    r"|week|semester|term|time|spring|summer|autumn|fall|winter)|"
    r"(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|(?:19|20)\d\d|spring|summer|autumn|fall|winter)"
    r"(?:\s+\d{1,2})?(?:,?\s+(?:19|20)\d\d)?)\b",
    re.I,
)
_WORD = re.compile(r"[^\W_][\w'.+&-]*")
_PREPOSITION = re.compile(r"(for|in|on|at|with|from|during|by)\s+(.+)", re.IGNORECASE)
_ASKING_WORDS = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "what's",
        "whats",
        "when",
        "where",
        "which",
        "why",
        "how",
        "many",
        "much",
        "did",
        "does",
        "do",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
    ]
)
OWN_WORDS_LIMIT = 3  # a message that refers back with more words than this stands alone


class Vocabulary(Protocol):
    def content_tokens(self, text: str) -> list[str]: ...

    def is_entity(self, token: str) -> bool: ...

    def is_generic(self, token: str) -> bool: ...


@dataclass(frozen=True)
class Rewrite:
    """A candidate whole question, and for a swap, what it swapped: its answer
    should be about `adds` and no longer about `drops`."""

    question: str
    adds: str = ""
    drops: str = ""


def is_follow_up(
    question: str, vocabulary: Vocabulary, known: Callable[[str], bool] = lambda word: True
) -> bool:
    """True when the question only makes sense after an earlier one: a
    fragment that continues ("and twitter?", "what about in december?"), or
    a question that refers back ("who owns it?") with few words of its own.
    A fragment with a word the fact base does not know ("and instagram?")
    asks about something else: it stands alone."""
    own = [t for t in vocabulary.content_tokens(question) if t not in _REFERS_BACK]
    if refers_back(question):
        return len(own) <= OWN_WORDS_LIMIT
    rest = _CONTINUES.sub("", question).strip()
    starts_fragment = rest != question.strip() and rest and not _QUESTION_WORD.match(rest)
    if not (starts_fragment or len(own) <= 1):
        return False
    return all(known(w) for w in _content_words(question, vocabulary))


def asks_only_when(question: str) -> bool:
    """True for a fragment that only names a time ("and last year?", "what
    about in december?"): it continues the question before, never stands alone."""
    fragment = _CONTINUES.sub("", question).strip(" ?!.,")
    return fragment != question.strip(" ?!.,") and bool(_TIME_WORDS.fullmatch(fragment))


def refers_back(question: str) -> bool:
    """True when the question has a word that stands for something said before."""
    return bool({w.casefold().strip(".'") for w in _WORD.findall(question)} & _REFERS_BACK)


def rewrites(
    question: str, previous: str, facts: tuple[Fact, ...], vocabulary: Vocabulary
) -> list[Rewrite]:
    """Candidate whole questions for a follow-up, most literal first."""
    question = question.strip()
    fragment = _CONTINUES.sub("", question).strip(" ?!.,")
    if fragment and _CONTINUES.match(question) and not _QUESTION_WORD.match(fragment):
        return _substitutions(fragment, previous, vocabulary)
    core = question.rstrip(" ?!.")
    candidates = []
    if (ordinal := _ORDINAL.search(core)) and facts:
        names = _names_in(facts[0].text, vocabulary)
        index = _ORDINAL_INDEX[ordinal.group(1).casefold()]
        if -len(names) <= index < len(names):
            candidates.append(core[: ordinal.start()] + names[index] + core[ordinal.end() :])
    words = {w.casefold() for w in _WORD.findall(core)}
    if words & _NAME_REFERENCES:
        answered = _answer_names(facts, previous, vocabulary)
        asked = [w for w in _WORD.findall(previous) if _names_entity(w, vocabulary)]
        for name in dict.fromkeys([*answered[:2], *asked[:2]]):
            candidates.append(_replace_references(core, name))
    candidates.append(f"{core} {_topic_of(previous)}")
    return [Rewrite(c) for c in dict.fromkeys(c.strip() for c in candidates) if c]


def _topic_of(question: str) -> str:
    """A question without its question words: what it was about."""
    kept = [w for w in _WORD.findall(question) if w.casefold() not in _ASKING_WORDS]
    return " ".join(kept)


def _substitutions(fragment: str, previous: str, vocabulary: Vocabulary) -> list[Rewrite]:
    """ "and mixi?" after "how many users does facebook have?": the earlier
    question with a name (or its time, for "what about in december?") swapped
    for the new one; with the fragment added when nothing can be swapped."""
    previous = previous.rstrip(" ?!.")
    if _TIME_WORDS.fullmatch(fragment):
        if time_word := _TIME_WORDS.search(previous):
            swapped = _TIME_WORDS.sub(lambda _: fragment, previous, count=1)
            return [Rewrite(swapped, fragment, time_word[0])]
        return [Rewrite(f"{previous} {fragment}", fragment)]
    if (aligned := _PREPOSITION.match(fragment)) and (
        slot := re.search(rf"\b{aligned[1]}\s+({_WORD.pattern})", previous, re.IGNORECASE)
    ):  # "and for text?" after "how much xp for voice?": text for voice
        new = aligned[2]
        return [Rewrite(_swap(previous, slot[1], new), new, slot[1])]
    slots = [w for w in _WORD.findall(previous) if _names_entity(w, vocabulary)]
    if not slots:
        slots = _content_words(previous, vocabulary)
    found = [Rewrite(_swap(previous, s, fragment), fragment, s) for s in dict.fromkeys(slots)]
    return found or [Rewrite(f"{previous} {fragment}", fragment)]


def _swap(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?<![\w]){re.escape(word)}(?![\w])", lambda _: replacement, text, count=1)


def _names_entity(word: str, vocabulary: Vocabulary) -> bool:
    return any(vocabulary.is_entity(t) for t in vocabulary.content_tokens(word))


def _content_words(text: str, vocabulary: Vocabulary) -> list[str]:
    """The words of text that carry meaning, as written."""
    return [w for w in _WORD.findall(text) if vocabulary.content_tokens(w)]


def _names_in(text: str, vocabulary: Vocabulary) -> list[str]:
    """The names a text mentions, in order, each once."""
    seen: dict[tuple[str, ...], str] = {}
    for word in _WORD.findall(text):
        tokens = tuple(vocabulary.content_tokens(word))
        if tokens and all(vocabulary.is_entity(t) for t in tokens):
            seen.setdefault(tokens, word.strip(".,'()"))
    return list(seen.values())


def _answer_names(facts: tuple[Fact, ...], previous: str, vocabulary: Vocabulary) -> list[str]:
    """Names the earlier answer gave that the earlier question did not ask
    about ("DeNA" for "who owns Mobage Town?"): what "it" likely refers to."""
    if not facts:
        return []
    asked = set(vocabulary.content_tokens(previous))
    return [
        name
        for name in _names_in(facts[0].text, vocabulary)
        if not set(vocabulary.content_tokens(name)) & asked
    ]


def _replace_references(text: str, replacement: str) -> str:
    """The first word that refers back ("it", "they", "that") replaced."""
    for match in _WORD.finditer(text):
        if match.group(0).casefold() in _NAME_REFERENCES:
            return text[: match.start()] + replacement + text[match.end() :]
    return f"{text} {replacement}"
