"""Split a message into sentences and clauses, and tell questions from
statements: "my friend says X. when did Y?" has one statement and one question."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    [
        "no",
        "nos",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "inc",
        "co",
        "ltd",
        "corp",
        "etc",
        "approx",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "a.m",
        "p.m",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "vol",
    ]
)
_SENTENCE_END = re.compile(r"(?<=[?!])[?!]*\s+|\n+|;\s+|(?<=\.)\s+")
_WH = r"who|whom|whose|what|what's|whats|when|where|which|why|how"
# "... and when did it launch": a second question joined by a conjunction.
_JOINED_QUESTION = re.compile(rf",?\s+(?:and|also|plus|but|or)\s+(?=(?:{_WH})\b)", re.I)
_QUESTION_START = re.compile(
    rf"^\W*(?:(?:and|also|so|but|or|then|plus)\s+)?(?:{_WH}|is|are|was|were|does|do|did|"
    r"can|could|will|would|has|have|had|should|isn't|aren't|wasn't|didn't|doesn't)\b",
    re.I,
)
FRAGMENT_WORDS = 4  # "and the other survey" continues a conversation; "and then we left" does not
_FRAGMENT_START = re.compile(r"^\W*(?:and|also|plus|or)\b", re.I)


@dataclass(frozen=True)
class Clause:
    text: str
    is_question: bool


def split_sentences(text: str) -> list[str]:
    """Sentences: split after ? and !, at line breaks and semicolons, and after
    a full stop that ends a word (not "no. 2" or "u.s.")."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()]
        if match.group(0).strip() == "" and before.endswith("."):
            last_word = before.rsplit(None, 1)[-1].rstrip(".").casefold() if before.strip() else ""
            following = text[match.end() : match.end() + 1]
            if last_word in _ABBREVIATIONS or len(last_word) <= 1 or following.isdigit():
                continue
        pieces.append(before)
        start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip(" .,;:!?-")]


def split_clauses(text: str) -> list[Clause]:
    """Sentences, with "X? and Y?"-style joined questions split apart."""
    found = []
    for sentence in split_sentences(text):
        parts = _JOINED_QUESTION.split(sentence)
        if len(parts) > 1 and not looks_like_question(parts[0]):
            parts = [sentence]  # "tell me when X and how Y": one request
        for part in parts:
            part = part.strip()
            if part:
                found.append(Clause(part, looks_like_question(part)))
    return found


def looks_like_question(text: str) -> bool:
    """A question mark, a question word first, or a short fragment that
    continues a conversation ("and twitter")."""
    text = text.strip()
    fragment = bool(_FRAGMENT_START.match(text)) and len(text.split()) <= FRAGMENT_WORDS
    return bool(text) and ("?" in text or bool(_QUESTION_START.match(text)) or fragment)
