"""Chat-speak and abbreviations to plain English ("wat r ppl saying abt jp"
-> "what are people saying about japan"), from knowledge/data/chat_speak.toml."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ..errors import FactFileError
from . import tables

# A whole word: not inside another word, an abbreviation ("u.s.") or a
# hyphenated compound ("co-founder").
_LEFT = r"(?<![\w'.\-/])"
_RIGHT = r"(?![\w'\-/]|\.\w)"
_WORD = re.compile(r"[\w'/]+")  # finds candidate keys; the patterns decide
_SPACED_PERCENT = re.compile(r"(\d)\s+%")
_BARE_PERCENT = re.compile(r"(?<!\d)%")
# "hw" ending a message asks how ("refund on switch hw"), unless a word that
# leads into a noun comes before it ("late penalty for hw"); elsewhere alone
# it is homework (see chat_speak.toml)
_ENDING_HW = re.compile(
    r"(?<!\bfor )(?<!\bmy )(?<!\bthe )(?<!\bof )(?<!\bour )(?<!\bthis )(?<!\bur )\bhw(?=\W*$)",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(\d{1,3})\s?(?:yo|y/o|yrs?\s+old|yr/o)(?![\w/])", re.IGNORECASE)


@cache
def _mapping() -> dict[str, str]:
    """key (casefolded word or phrase) -> plain English."""
    data = tables.chat_speak()
    mapping: dict[str, str] = {}
    for name in ("phrases", "words"):
        for key, value in tables.table(data, name, tables.CHAT_SPEAK_FILE).items():
            if not isinstance(value, str):
                raise FactFileError(f"{tables.CHAT_SPEAK_FILE}: [{name}] {key!r} must be a string")
            mapping[key.casefold()] = value
    return mapping


@cache
def _by_first_word() -> dict[str, tuple[str, ...]]:
    """first word -> the keys starting with it, longest first."""
    found: dict[str, list[str]] = {}
    for key in sorted(_mapping(), key=len, reverse=True):
        found.setdefault(_first_word(key), []).append(key)
    return {word: tuple(keys) for word, keys in found.items()}


def _first_word(text: str) -> str:
    match = _WORD.search(text)
    return match.group(0) if match else text


@lru_cache(maxsize=4096)
def _pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_LEFT + _phrase_pattern(k) + _RIGHT for k in keys), re.IGNORECASE)


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())


def expand_chat_speak(text: str) -> str:
    """The text with chat-speak words and phrases spelled out; a lone "%"
    becomes "percent", and "12yo" "12 years old". Only the keys whose first
    word occurs in the text are tried, so a message without chat-speak costs
    one scan."""
    mapping, by_first = _mapping(), _by_first_word()
    keys = [k for w in dict.fromkeys(_WORD.findall(text.casefold())) for k in by_first.get(w, ())]
    if keys:
        pattern = _pattern(tuple(sorted(keys, key=len, reverse=True)))
        text = pattern.sub(lambda m: mapping[" ".join(m.group(0).casefold().split())], text)
    text = _BARE_PERCENT.sub(" percent ", _SPACED_PERCENT.sub(r"\1%", text))
    text = _AGE.sub(r"\1 years old", text)  # "my 12yo"
    text = _ENDING_HW.sub("how", text)
    return re.sub(r"[^\S\n]+", " ", text).strip()
