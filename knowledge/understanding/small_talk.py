"""Tell small talk ("hi", "thx", "what can you do", "good bot") from questions,
and strip the openers that only lead into a question ("hey quick q").

A message is small talk when it is made only of the phrases and filler words
in knowledge/data/small_talk.toml, with at least one small-talk phrase.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ..errors import FactFileError
from . import tables

# When a message mixes kinds ("wait you're a bot?? that's cool"), the first
# kind here decides the reply.
KIND_PRIORITY = (
    "identity",
    "capabilities",
    "thanks",
    "praise",
    "farewell",
    "greeting",
    "acknowledgement",
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_LONGEST_PHRASE = 10  # words


@dataclass(frozen=True)
class SmallTalk:
    kind: str
    reply: str


@dataclass(frozen=True)
class _Phrases:
    by_words: dict[tuple[str, ...], str]  # phrase words -> kind, "filler" or "preamble"
    replies: dict[str, str]


def words(text: str) -> tuple[str, ...]:
    """Lower-case words, apostrophes dropped ("what's" == "whats")."""
    return tuple(w.replace("'", "") for w in _WORD.findall(text.casefold()))


@cache
def _phrases() -> _Phrases:
    data = tables.small_talk()
    path = tables.SMALL_TALK_FILE
    by_words: dict[tuple[str, ...], str] = {}
    for label in ("filler", "preambles"):
        for phrase in _strings(data.get(label, []), path, label):
            by_words[words(phrase)] = "filler" if label == "filler" else "preamble"
    replies = {}
    for kind, entry in tables.table(data, "kinds", path).items():
        if kind not in KIND_PRIORITY or not isinstance(entry, dict):
            raise FactFileError(f"{path}: unknown small-talk kind {kind!r}")
        for phrase in _strings(entry.get("phrases", []), path, f"kinds.{kind}.phrases"):
            by_words[words(phrase)] = kind  # a kind wins over filler for the same words
        replies[kind] = _strings([entry.get("reply", "")], path, f"kinds.{kind}.reply")[0]
    return _Phrases(by_words=by_words, replies=replies)


def _strings(values: object, path: object, where: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise FactFileError(f"{path}: {where} must be a list of non-empty strings")
    return values


def _cover(found: tuple[str, ...], start: int = 0) -> tuple[list[str], int]:
    """Labels of the phrases covering found[start:] greedily (longest first),
    and where the cover stopped (len(found) when all of it is covered)."""
    by_words = _phrases().by_words
    labels = []
    i = start
    while i < len(found):
        for size in range(min(_LONGEST_PHRASE, len(found) - i), 0, -1):
            label = by_words.get(found[i : i + size])
            if label is not None:
                labels.append(label)
                i += size
                break
        else:
            break
    return labels, i


def _addressed(found: tuple[str, ...]) -> tuple[str, ...]:
    """The words with the bot named in the third person read as "you"
    ("who built this bot" is "who built you")."""
    out: list[str] = []
    for word in found:
        if word in _BOT_NAMES and out and out[-1] in _BOT_DETERMINERS:
            out[-1] = "you"
        elif word == "factbot" and out and out[-1] in _MAKING_VERBS:
            out.append("you")  # "who made factbot"; "ok factbot" keeps its filler
        else:
            out.append(word)
    return tuple(out)


_BOT_NAMES = frozenset({"bot", "factbot"})
_BOT_DETERMINERS = frozenset({"this", "the", "ur", "your", "you"})
_MAKING_VERBS = frozenset(
    {"made", "make", "built", "build", "created", "wrote", "coded", "programmed", "owns", "runs"}
)


def small_talk(text: str) -> SmallTalk | None:
    """The small talk a message is, or None when it says anything else."""
    found = _addressed(words(text))
    if not found:
        return None
    labels, end = _cover(found)
    if end < len(found):
        return None
    kinds = [k for k in KIND_PRIORITY if k in labels]
    if not kinds:
        return None
    kind = kinds[0]
    return SmallTalk(kind=kind, reply=_phrases().replies[kind])


_OPENERS = ("greeting", "filler", "preamble", "acknowledgement")
# Words that start a follow-up ("and twitter?"): never stripped as filler.
_KEPT_OPENERS = frozenset({"and", "also", "but", "or", "plus"})


def strip_opener(text: str) -> str:
    """The text without a leading greeting or preamble ("hey quick q, when did
    LinkedIn launch?" -> "when did LinkedIn launch?"); the text itself when
    nothing would be left."""
    found = words(text)
    by_words = _phrases().by_words
    i = 0
    while i < len(found) and found[i] not in _KEPT_OPENERS:
        for size in range(min(_LONGEST_PHRASE, len(found) - i), 0, -1):
            if by_words.get(found[i : i + size]) in _OPENERS:
                i += size
                break
        else:
            break
    if i == 0 or i >= len(found):
        return text
    return _after_words(text, i)


def _after_words(text: str, count: int) -> str:
    """The text after its first `count` words (and the punctuation after them)."""
    matches = list(_WORD.finditer(text))
    rest = text[matches[count - 1].end() :]
    return rest.lstrip(" ,.:;!-–—").strip()


_EMOTICON = re.compile(
    r"(?:^|\s)(?:[:;=xX8][-'^]?[()DPpO3/\\|*\]\[]+|<3+|\^\^|:[a-z0-9_+-]{2,32}:)(?=\s|$)"
)
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")


def is_reaction(message: str) -> bool:
    """True for a message of emoji or emoticons and nothing else that reads
    ("👍", ":)", "<3"): it answers like "ok" does."""
    if words(_CUSTOM_EMOJI.sub(" ", _EMOTICON.sub(" ", message))):
        return False
    return bool(
        _CUSTOM_EMOJI.search(message)
        or _EMOTICON.search(message)
        or any(unicodedata.category(ch) == "So" for ch in message)
    )


def reaction() -> SmallTalk:
    return SmallTalk(kind="acknowledgement", reply=_phrases().replies["acknowledgement"])
