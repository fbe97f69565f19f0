"""Kinds of value a fact states (a price, a clock time, a place, a link, an
age limit, a length of time) and the question words that ask for each.

A fact that states a price answers "locker price?" though it never says
"price": the retriever indexes each kind a fact's text holds as a token of
its own (`kind_token`), and a question word that asks for that kind reaches
it (see Retriever._expand). General English only, for any fact base.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# Tokens start with a digit: never a word, a typo target or a name.
_PREFIX = "0kind"

_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:days?)?"
_DETECTORS: dict[str, re.Pattern[str]] = {
    "price": re.compile(
        r"[£$€¥]\s?\d|\d\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|yen|bucks)\b"
        r"|\b(?:usd|eur|gbp|jpy)\s?\d"
        r"|\bfree\b|\bno charge\b|\bno cost\b",
        re.IGNORECASE,
    ),
    "clock": re.compile(
        r"\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)\b|\bnoon\b|\bmidnight\b"
        rf"|\b{_DAY}\b|\bweekdays?\b|\bweekends?\b|\bdaily\b|\bnightly\b|\b24/7\b"
        r"|\bevery\s+(?:day|week|month|evening|morning|night|other)\b",
        re.IGNORECASE,
    ),
    "place": re.compile(
        r"\b\d+[a-z]?\s+(?:[a-z]+\s+){0,3}(?:street|st|road|rd|avenue|ave|lane|ln|way|square|sq"
        r"|drive|dr|boulevard|blvd|place)\b|(?<![\w&])#[\w-]+|\b(?:room|hall|building|floor"
        r"|corridor|basement|shed|warehouse|park|station|library|cafe|pub)\b",
        re.IGNORECASE,
    ),
    "link": re.compile(
        r"https?://|\bwww\.|\b[\w.+-]+@[\w-]+\.\w+|(?<!\d)\+?\d[\d ()-]{7,}\d(?!\d)|\.(?:com|org|net|gg|io)\b",
        re.IGNORECASE,
    ),
    "age": re.compile(
        r"\b\d{1,2}\s?\+|\b(?:aged?|ages)\s+\d|\b\d{1,2}\s+(?:years?\s+old|or\s+older|and\s+over"
        r"|and\s+up|or\s+over)\b|\b(?:under|over)\s+\d{1,2}\b|\bminors?\b|\badults?\b",
        re.IGNORECASE,
    ),
    "until": re.compile(
        r"\d\s?(?:am|pm)?\s?(?:-|–|—|to|until|till)\s?\d|\b(?:until|till|ends?|finish(?:es)?|closes?"
        r"|wraps? up)\b",
        re.IGNORECASE,
    ),
    "length": re.compile(
        r"\b\d+(?:\s?[-–]\s?\d+)?\s?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b",
        re.IGNORECASE,
    ),
}

# Question words asking for each kind, as written (read by the normaliser).
ASKING_WORDS: dict[str, tuple[str, ...]] = {
    "price": ("price", "cost", "fee", "charge", "pay", "paid", "payment", "expensive", "cheap",
              "afford", "free", "rate", "dues"),
    "clock": ("time", "hour", "open", "opening", "start", "begin", "schedule", "day", "weekday",
              "weekend", "tonight", "morning", "evening", "daily"),
    "until": ("finish", "end", "close", "closing", "until", "till"),
    "place": ("address", "location", "located", "venue", "place", "directions", "room",
              "channel"),
    "link": ("link", "url", "website", "email", "contact", "phone"),
    "age": ("age", "old", "young", "older", "younger", "kid", "child", "teen", "minor",
            "adult"),
    "length": ("long", "duration", "length"),
}  # fmt: skip


# Kinds a question asking for must find in a fact for the fact to be stated:
# "how much is the course?" is not answered by a fact without a price.
REQUIRED_KINDS = frozenset({"price", "until", "age"})


def kind_token(kind: str) -> str:
    return f"{_PREFIX}{kind}"


def value_kinds(text: str) -> frozenset[str]:
    """The kind tokens of the values a fact's text states."""
    return frozenset(kind_token(kind) for kind, found in _DETECTORS.items() if found.search(text))


def asking_tokens(tokenise: Callable[[str], Iterable[str]]) -> dict[str, frozenset[str]]:
    """question token -> the kind tokens it asks for, with words read by `tokenise`."""
    found: dict[str, set[str]] = {}
    for kind, words in ASKING_WORDS.items():
        for word in words:
            for token in tokenise(word):
                found.setdefault(token, set()).add(kind_token(kind))
    return {token: frozenset(kinds) for token, kinds in found.items()}


_CURRENCIES = {
    "usd": re.compile(r"\$|\b(?:usd|dollars?|bucks)\b", re.IGNORECASE),
    "eur": re.compile(r"€|\b(?:eur|euros?)\b", re.IGNORECASE),
    "gbp": re.compile(r"£|\b(?:gbp|pounds? sterling|quid)\b", re.IGNORECASE),
    "jpy": re.compile(r"¥|\b(?:jpy|yen)\b", re.IGNORECASE),
}


def currency_markers(text: str) -> set[str]:
    """Markers of the currencies a text names ("ceur"): a price asked in euros
    is not answered by one in dollars (see normalize.mismatched)."""
    return {f"c{code}" for code, found in _CURRENCIES.items() if found.search(text)}


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_PREFIXES = tuple(day[:3] for day in _DAYS)
_DAY_NAME = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_DAY_RANGE = re.compile(
    rf"\b{_DAY_NAME}\s*(?:-|–|—|to|through|thru|until|till)\s*{_DAY_NAME}\b", re.IGNORECASE
)


def days_in_ranges(text: str) -> list[str]:
    """The days a text's day ranges cover ("Tuesday to Friday" -> tuesday,
    wednesday, thursday, friday), so "open on wed?" finds it."""
    found: list[str] = []
    for match in _DAY_RANGE.finditer(text):
        first = _DAY_PREFIXES.index(match.group(1).lower())
        last = _DAY_PREFIXES.index(match.group(2).lower())
        span = (last - first) % 7
        found += [_DAYS[(first + i) % 7] for i in range(span + 1)]
    return found
