"""Chat-speak and abbreviations to plain English ("wat r ppl saying abt jp"
-> "what are people saying about japan"), from knowledge/data/chat_speak.toml."""

from __future__ import annotations

import re
from functools import cache

from ..errors import FactFileError
from . import tables

# A whole word: not inside another word, an abbreviation ("u.s.") or a
# hyphenated compound ("co-founder").
_LEFT = r"(?<![\w'.\-/])"
_RIGHT = r"(?![\w'\-/]|\.\w)"
_SPACED_PERCENT = re.compile(r"(\d)\s+%")
_BARE_PERCENT = re.compile(r"(?<!\d)%")


@cache
def _replacements() -> tuple[re.Pattern[str], dict[str, str]]:
    data = tables.chat_speak()
    mapping: dict[str, str] = {}
    for name in ("phrases", "words"):
        for key, value in tables.table(data, name, tables.CHAT_SPEAK_FILE).items():
            if not isinstance(value, str):
                raise FactFileError(f"{tables.CHAT_SPEAK_FILE}: [{name}] {key!r} must be a string")
            mapping[key.casefold()] = value
    ordered = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(
        "|".join(_LEFT + _phrase_pattern(k) + _RIGHT for k in ordered),
        re.IGNORECASE,
    )
    return pattern, mapping


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())


def expand_chat_speak(text: str) -> str:
    """The text with chat-speak words and phrases spelled out; a lone "%"
    becomes "percent"."""
    pattern, mapping = _replacements()
    text = pattern.sub(lambda m: mapping[" ".join(m.group(0).casefold().split())], text)
    text = _BARE_PERCENT.sub(" percent ", _SPACED_PERCENT.sub(r"\1%", text))
    return re.sub(r"[^\S\n]+", " ", text).strip()
